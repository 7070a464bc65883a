package dev.runs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The core event taxonomy. Each constant's javadoc lists the payload fields an append must carry
 * (required) and the ones it may carry; {@code docs/events.md} has the full table and the typed
 * payload records in {@code dev.runs.payload} build these payloads. Host-defined events use
 * {@code x.<namespace>.<name>}.
 */
public final class EventTypes {
  private static final Map<String, EventType> BY_NAME = new LinkedHashMap<>();

  // ---- run lifecycle -------------------------------------------------------------------------

  /** Written by the store with the run record. Optional: {@code workflow}, {@code config_sha256}, {@code trigger}. */
  public static final EventType RUN_CREATED = core("run.created");
  /** The run waits for an executor. Optional: {@code reason}. */
  public static final EventType RUN_QUEUED = core("run.queued");
  /** Execution began. Optional: {@code owner} (the executing instance). */
  public static final EventType RUN_STARTED = core("run.started");
  /** A cancel was asked for. Required: {@code reason}. Optional: {@code trigger}. */
  public static final EventType RUN_CANCEL_REQUESTED = core("run.cancel_requested");
  /** The run stopped after a cancel. Required: {@code reason}. Optional: {@code summary}. */
  public static final EventType RUN_CANCELLED = core("run.cancelled");
  /** Its process died (lease expired). Required: {@code reason}. Optional: {@code owner}. */
  public static final EventType RUN_INTERRUPTED = core("run.interrupted");
  /** The run continues after failure, cancel or interruption. Optional: {@code trigger}, {@code reason}. */
  public static final EventType RUN_RESUMED = core("run.resumed");
  /** Finished successfully. Optional: {@code summary}. */
  public static final EventType RUN_COMPLETED = core("run.completed");
  /** Finished with an error. Required: {@code error.message}. Optional: {@code error.code}, {@code reason}, {@code summary}. */
  public static final EventType RUN_FAILED = core("run.failed");

  // ---- phases and steps (envelope step_id required) -------------------------------------------

  /** A phase began. Optional: {@code name}. */
  public static final EventType PHASE_STARTED = core("phase.started");
  /** A phase ended. Optional: {@code duration_ms}. */
  public static final EventType PHASE_COMPLETED = core("phase.completed");
  /** A phase failed. Required: {@code error.message}. */
  public static final EventType PHASE_FAILED = core("phase.failed");
  /** A phase was skipped. Optional: {@code reason}. */
  public static final EventType PHASE_SKIPPED = core("phase.skipped");
  /** A step began (envelope attempt required). Optional: {@code input}. */
  public static final EventType STEP_STARTED = core("step.started");
  /** A step ended (envelope attempt required). Optional: {@code output}, {@code output_sha256}, {@code output_ref}, {@code duration_ms}. */
  public static final EventType STEP_COMPLETED = core("step.completed");
  /** A step failed (envelope attempt required). Required: {@code error.message}. Optional: {@code error.code}, {@code error.retryable}. */
  public static final EventType STEP_FAILED = core("step.failed");
  /** A step was skipped. Optional: {@code reason}. */
  public static final EventType STEP_SKIPPED = core("step.skipped");
  /** A step will be tried again (envelope attempt required: the failed attempt). Required: {@code next_attempt}. Optional: {@code delay_ms}, {@code error}. */
  public static final EventType STEP_RETRYING = core("step.retrying");

  // ---- model ------------------------------------------------------------------------------------

  /** A model call began. Required: {@code provider}, {@code model}. Optional: {@code params}, {@code route}. */
  public static final EventType MODEL_GENERATION_STARTED = core("model.generation.started");
  /** A model call ended. Required: {@code provider}, {@code model}. Optional: {@code usage.input_tokens}, {@code usage.output_tokens}, {@code cost}, {@code latency_ms}, {@code finish_reason}, {@code route}, {@code params}, {@code output}. */
  public static final EventType MODEL_GENERATION_COMPLETED = core("model.generation.completed");
  /** A model call failed. Required: {@code provider}, {@code model}, {@code error.message}. */
  public static final EventType MODEL_GENERATION_FAILED = core("model.generation.failed");

  // ---- tools ------------------------------------------------------------------------------------

  /** A tool call began. Required: {@code tool_name}. Optional: {@code tool_version}, {@code arguments}. */
  public static final EventType TOOL_CALL_STARTED = core("tool.call.started");
  /** A tool call ended (parent: its start). Required: {@code tool_name}. Optional: {@code tool_version}, {@code result}, {@code latency_ms}. */
  public static final EventType TOOL_CALL_COMPLETED = core("tool.call.completed");
  /** A tool call failed (parent: its start). Required: {@code tool_name}, {@code error.message}. */
  public static final EventType TOOL_CALL_FAILED = core("tool.call.failed");

  // ---- agents -----------------------------------------------------------------------------------

  /** Control passed from one agent to another. Required: {@code from_agent}, {@code to_agent}. Optional: {@code reason}. */
  public static final EventType AGENT_HANDOFF = core("agent.handoff");
  /** An agent was invoked. Required: {@code agent}. Optional: {@code input}. */
  public static final EventType AGENT_INVOKED = core("agent.invoked");

  // ---- guardrails -------------------------------------------------------------------------------

  /** A guardrail ran. Required: {@code name}, {@code stage} ({@code input}|{@code output}), {@code verdict} ({@code passed}|{@code tripped}). Optional: {@code details}. */
  public static final EventType GUARDRAIL_CHECKED = core("guardrail.checked");

  // ---- output -----------------------------------------------------------------------------------

  /** A line of console output. Required: {@code stream} (e.g. {@code stdout}), {@code text}. */
  public static final EventType CONSOLE_LINE = core("console.line");
  /** A file was produced. Required: {@code path}, {@code sha256}, {@code size}. Optional: {@code kind}. */
  public static final EventType ARTIFACT_CREATED = core("artifact.created");
  /** A stage's outputs were written. Required: {@code stage_key}, {@code attempt}, {@code manifest_sha256}. */
  public static final EventType STAGE_COMPLETED = core("stage.completed");
  /** A table was produced. Required: {@code table}. Optional: {@code rows}, {@code columns}, {@code details}. */
  public static final EventType TABLE_SUMMARY = core("table.summary");
  /** Validation results. Required: {@code name}, {@code passed} (boolean). Optional: {@code checks}, {@code failures}. */
  public static final EventType VALIDATION_SUMMARY = core("validation.summary");

  // ---- control ----------------------------------------------------------------------------------

  /** A checkpoint was saved. Required: {@code checkpoint_id}. Optional: {@code state_sha256}, {@code label}. */
  public static final EventType CHECKPOINT_SAVED = core("checkpoint.saved");
  /** A decision was taken. Required: {@code decision}. Optional: {@code value}, {@code rationale}. */
  public static final EventType DECISION_RECORDED = core("decision.recorded");
  /** A budget limit was crossed. Required: {@code dimension} ({@code tokens}|{@code cost}|{@code wall_time}), {@code limit}, {@code actual}. */
  public static final EventType BUDGET_EXCEEDED = core("budget.exceeded");
  /** An error worth recording. Required: {@code code}, {@code message}. Optional: {@code retryable}, {@code details}. */
  public static final EventType ERROR = core("error");

  private EventTypes() {}

  private static EventType core(String name) {
    EventType t = new EventType(name);
    BY_NAME.put(name, t);
    return t;
  }

  /** @return every core type, in taxonomy order */
  public static List<EventType> all() {
    return List.copyOf(BY_NAME.values());
  }

  /** @return the core types by name, in taxonomy order */
  public static Map<String, EventType> byNameMap() {
    return Collections.unmodifiableMap(BY_NAME);
  }

  static EventType byName(String name) {
    return BY_NAME.get(name);
  }
}
