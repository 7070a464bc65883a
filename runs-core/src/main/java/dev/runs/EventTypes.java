package dev.runs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The core event taxonomy. Each constant's javadoc links the record of {@code dev.runs.payload}
 * that builds its payload; the record's components are the payload fields, and the rules an append
 * checks (required fields, kinds, envelope {@code step_id} and {@code attempt}) are derived from
 * them. {@code docs/events.md} has the tables. Host-defined events use {@code
 * x.<namespace>.<name>}.
 */
public final class EventTypes {
  private static final Map<String, EventType> BY_NAME = new LinkedHashMap<>();

  // ---- run lifecycle -------------------------------------------------------------------------

  /**
   * Written by the store with the run record; it cannot be appended. Payload: {@code workflow},
   * {@code config_sha256}, {@code trigger}, and {@code lineage} or {@code recommendation_id} when
   * set.
   */
  public static final EventType RUN_CREATED = core("run.created");

  /** The run waits for an executor. Payload: {@link dev.runs.payload.RunQueued}. */
  public static final EventType RUN_QUEUED = core("run.queued");

  /** Execution began. Payload: {@link dev.runs.payload.RunStarted}. */
  public static final EventType RUN_STARTED = core("run.started");

  /** A cancel was asked for. Payload: {@link dev.runs.payload.RunCancelRequested}. */
  public static final EventType RUN_CANCEL_REQUESTED = core("run.cancel_requested");

  /** The run stopped after a cancel. Payload: {@link dev.runs.payload.RunCancelled}. */
  public static final EventType RUN_CANCELLED = core("run.cancelled");

  /** Its process died (lease expired). Payload: {@link dev.runs.payload.RunInterrupted}. */
  public static final EventType RUN_INTERRUPTED = core("run.interrupted");

  /**
   * The run continues after failure, cancel or interruption. Payload: {@link
   * dev.runs.payload.RunResumed}.
   */
  public static final EventType RUN_RESUMED = core("run.resumed");

  /** Finished successfully. Payload: {@link dev.runs.payload.RunCompleted}. */
  public static final EventType RUN_COMPLETED = core("run.completed");

  /** Finished with an error. Payload: {@link dev.runs.payload.RunFailed}. */
  public static final EventType RUN_FAILED = core("run.failed");

  // ---- phases and steps (envelope step_id required) -------------------------------------------

  /** A phase began. Payload: {@link dev.runs.payload.PhaseStarted}. */
  public static final EventType PHASE_STARTED = core("phase.started");

  /** A phase ended. Payload: {@link dev.runs.payload.PhaseCompleted}. */
  public static final EventType PHASE_COMPLETED = core("phase.completed");

  /** A phase failed. Payload: {@link dev.runs.payload.PhaseFailed}. */
  public static final EventType PHASE_FAILED = core("phase.failed");

  /** A phase was skipped. Payload: {@link dev.runs.payload.PhaseSkipped}. */
  public static final EventType PHASE_SKIPPED = core("phase.skipped");

  /** A step began. Payload: {@link dev.runs.payload.StepStarted}. */
  public static final EventType STEP_STARTED = core("step.started");

  /** A step ended. Payload: {@link dev.runs.payload.StepCompleted}. */
  public static final EventType STEP_COMPLETED = core("step.completed");

  /** A step failed. Payload: {@link dev.runs.payload.StepFailed}. */
  public static final EventType STEP_FAILED = core("step.failed");

  /** A step was skipped. Payload: {@link dev.runs.payload.StepSkipped}. */
  public static final EventType STEP_SKIPPED = core("step.skipped");

  /** A step will be tried again. Payload: {@link dev.runs.payload.StepRetrying}. */
  public static final EventType STEP_RETRYING = core("step.retrying");

  // ---- model ------------------------------------------------------------------------------------

  /** A model call began. Payload: {@link dev.runs.payload.ModelGenerationStarted}. */
  public static final EventType MODEL_GENERATION_STARTED = core("model.generation.started");

  /** A model call ended. Payload: {@link dev.runs.payload.ModelGenerationCompleted}. */
  public static final EventType MODEL_GENERATION_COMPLETED = core("model.generation.completed");

  /** A model call failed. Payload: {@link dev.runs.payload.ModelGenerationFailed}. */
  public static final EventType MODEL_GENERATION_FAILED = core("model.generation.failed");

  // ---- tools ------------------------------------------------------------------------------------

  /** A tool call began. Payload: {@link dev.runs.payload.ToolCallStarted}. */
  public static final EventType TOOL_CALL_STARTED = core("tool.call.started");

  /** A tool call ended (parent: its start). Payload: {@link dev.runs.payload.ToolCallCompleted}. */
  public static final EventType TOOL_CALL_COMPLETED = core("tool.call.completed");

  /** A tool call failed (parent: its start). Payload: {@link dev.runs.payload.ToolCallFailed}. */
  public static final EventType TOOL_CALL_FAILED = core("tool.call.failed");

  // ---- agents -----------------------------------------------------------------------------------

  /** Control passed from one agent to another. Payload: {@link dev.runs.payload.AgentHandoff}. */
  public static final EventType AGENT_HANDOFF = core("agent.handoff");

  /** An agent was invoked. Payload: {@link dev.runs.payload.AgentInvoked}. */
  public static final EventType AGENT_INVOKED = core("agent.invoked");

  // ---- guardrails -------------------------------------------------------------------------------

  /** A guardrail ran. Payload: {@link dev.runs.payload.GuardrailChecked}. */
  public static final EventType GUARDRAIL_CHECKED = core("guardrail.checked");

  // ---- output -----------------------------------------------------------------------------------

  /** A line of console output. Payload: {@link dev.runs.payload.ConsoleLine}. */
  public static final EventType CONSOLE_LINE = core("console.line");

  /** A file was produced. Payload: {@link dev.runs.payload.ArtifactCreated}. */
  public static final EventType ARTIFACT_CREATED = core("artifact.created");

  /** A stage's outputs were written. Payload: {@link dev.runs.payload.StageCompleted}. */
  public static final EventType STAGE_COMPLETED = core("stage.completed");

  /** A table was produced. Payload: {@link dev.runs.payload.TableSummary}. */
  public static final EventType TABLE_SUMMARY = core("table.summary");

  /** Validation results. Payload: {@link dev.runs.payload.ValidationSummary}. */
  public static final EventType VALIDATION_SUMMARY = core("validation.summary");

  // ---- control ----------------------------------------------------------------------------------

  /** A checkpoint was saved. Payload: {@link dev.runs.payload.CheckpointSaved}. */
  public static final EventType CHECKPOINT_SAVED = core("checkpoint.saved");

  /** A decision was taken. Payload: {@link dev.runs.payload.DecisionRecorded}. */
  public static final EventType DECISION_RECORDED = core("decision.recorded");

  /** A budget limit was crossed. Payload: {@link dev.runs.payload.BudgetExceeded}. */
  public static final EventType BUDGET_EXCEEDED = core("budget.exceeded");

  /** An error worth recording. Payload: {@link dev.runs.payload.ErrorRecorded}. */
  public static final EventType ERROR = core("error");

  private EventTypes() {}

  private static EventType core(String name) {
    EventType t = new EventType(name);
    BY_NAME.put(name, t);
    return t;
  }

  /**
   * @return every core type, in taxonomy order
   */
  public static List<EventType> all() {
    return List.copyOf(BY_NAME.values());
  }

  /**
   * @return the core types by name, in taxonomy order
   */
  public static Map<String, EventType> byNameMap() {
    return Collections.unmodifiableMap(BY_NAME);
  }

  static @Nullable EventType byName(String name) {
    return BY_NAME.get(name);
  }
}
