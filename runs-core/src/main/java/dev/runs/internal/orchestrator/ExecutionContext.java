package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.CancellationToken;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.GuardrailStage;
import dev.runs.ModelCall;
import dev.runs.Payload;
import dev.runs.PhaseBody;
import dev.runs.RunContext;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunSummary;
import dev.runs.StageWriter;
import dev.runs.StepBody;
import dev.runs.StepOptions;
import dev.runs.ToolBody;
import dev.runs.ToolCall;
import dev.runs.ValidationException;
import dev.runs.payload.AgentHandoff;
import dev.runs.payload.CheckpointSaved;
import dev.runs.payload.ConsoleLine;
import dev.runs.payload.DecisionRecorded;
import dev.runs.payload.GuardrailChecked;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@link RunContext} a workflow receives for one execution: hands steps and phases to the
 * {@link StepRunner}, model and tool calls and stages to their recorders, and writes the simple
 * events (handoff, guardrail, console, decision, checkpoint, custom, highlight) itself through the
 * {@link EventScope}. Thread-safe as far as its parts are: the workflow may call it from threads of
 * its own.
 */
final class ExecutionContext implements RunContext {
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  private final ExecutionEnvironment env;
  private final RunRecord record;
  private final Budget budgetLimits;
  private final int execution;
  private final EventScope events;
  private final StopSignal stop;
  private final BudgetGuard budget;
  private final StepRunner steps;

  ExecutionContext(
      ExecutionEnvironment env,
      RunRecord record,
      Budget budgetLimits,
      int execution,
      EventScope events,
      StopSignal stop,
      BudgetGuard budget,
      StepRunner steps) {
    this.env = Objects.requireNonNull(env, "env");
    this.record = Objects.requireNonNull(record, "record");
    this.budgetLimits = Objects.requireNonNull(budgetLimits, "budgetLimits");
    this.execution = execution;
    this.events = Objects.requireNonNull(events, "events");
    this.stop = Objects.requireNonNull(stop, "stop");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.steps = Objects.requireNonNull(steps, "steps");
  }

  /**
   * @return this execution's budget guard, which the final event consults
   */
  BudgetGuard budgetGuard() {
    return budget;
  }

  @Override
  public RunId runId() {
    return record.id();
  }

  @Override
  public RunRecord record() {
    return record;
  }

  @Override
  public ConfigSnapshot config() {
    return record.config();
  }

  @Override
  public Budget budget() {
    return budgetLimits;
  }

  @Override
  public int attempt() {
    return execution;
  }

  @Override
  public CancellationToken cancellation() {
    return stop;
  }

  @Override
  public Optional<JsonNode> recordedOutput(String stepId) {
    return steps.recordedOutput(stepId);
  }

  @Override
  // a step without output returns null from its body (StepBody<Void>): T is the caller's type and
  // may be nullable; NullAway does not check generic nullness outside its JSpecify mode
  @SuppressWarnings("NullAway")
  public <T> T step(String id, Class<T> outputType, StepBody<T> body) {
    return steps.step(id, outputType, StepOptions.defaults(), body);
  }

  @Override
  // a step without output returns null from its body (StepBody<Void>): T is the caller's type and
  // may be nullable; NullAway does not check generic nullness outside its JSpecify mode
  @SuppressWarnings("NullAway")
  public <T> T step(String id, Class<T> outputType, StepOptions options, StepBody<T> body) {
    return steps.step(id, outputType, options, body);
  }

  @Override
  public void phase(String id, PhaseBody body) throws Exception {
    steps.phase(id, body);
  }

  @Override
  public ModelCall model(String provider, String model) {
    return new ModelCallRecorder(
        record.id(),
        env.clock(),
        events,
        stop,
        budget,
        Objects.requireNonNull(provider, "provider"),
        Objects.requireNonNull(model, "model"));
  }

  @Override
  public <T> T tool(String name, String version, @Nullable Object arguments, ToolBody<T> fn)
      throws Exception {
    Objects.requireNonNull(fn, "fn");
    return ToolCallRecorder.run(toolCall(name, version, arguments), fn);
  }

  @Override
  public ToolCall toolCall(String name, String version, @Nullable Object arguments) {
    return new ToolCallRecorder(record.id(), env.clock(), events, name, version, arguments);
  }

  @Override
  public RunEvent handoff(String fromAgent, String toAgent, String reason) {
    Objects.requireNonNull(fromAgent, "fromAgent");
    Objects.requireNonNull(toAgent, "toAgent");
    Objects.requireNonNull(reason, "reason");
    return events.emit(AgentHandoff.of(fromAgent, toAgent, reason));
  }

  @Override
  public RunEvent guardrail(String name, GuardrailStage stage, boolean passed, Object details) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(stage, "stage");
    JsonNode json = details == null ? null : Json.lenient(details);
    if (json != null && json.isNull()) {
      // GuardrailChecked leaves empty details out; the log has always said "details":null
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", name);
      p.put("stage", stage.wireName());
      p.put("verdict", passed ? "passed" : "tripped");
      p.put("details", json);
      return events.emit(EventTypes.GUARDRAIL_CHECKED, p);
    }
    return events.emit(
        new GuardrailChecked(
            name,
            GuardrailChecked.Stage.fromWireName(stage.wireName()),
            passed ? GuardrailChecked.Verdict.PASSED : GuardrailChecked.Verdict.TRIPPED,
            Optional.ofNullable(json)));
  }

  @Override
  public RunEvent console(String stream, String text) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(text, "text");
    return events.emit(ConsoleLine.of(stream, text));
  }

  @Override
  public RunEvent decision(String name, Object value, String rationale) {
    Objects.requireNonNull(name, "name");
    JsonNode json = Json.lenient(value);
    Objects.requireNonNull(rationale, "rationale");
    if (json.isNull()) {
      // DecisionRecorded leaves an empty value out; the log has always said "value":null
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("decision", name);
      p.put("value", json);
      p.put("rationale", rationale);
      return events.emit(EventTypes.DECISION_RECORDED, p);
    }
    return events.emit(DecisionRecorded.of(name, json, rationale));
  }

  @Override
  public RunEvent checkpoint(String id) {
    return events.emit(CheckpointSaved.of(Objects.requireNonNull(id, "id")));
  }

  @Override
  public RunEvent custom(String xType, Object payload) {
    EventType type = EventType.of(Objects.requireNonNull(xType, "xType"));
    if (!type.isCustom()) {
      throw new ValidationException(
          "type",
          "'"
              + xType
              + "' is not a host-defined type; custom"
              + " events are x.<namespace>.<name>, e.g. x.acme.score");
    }
    JsonNode json = Json.strict(payload, "payload");
    return events.scoped(EventDraft.of(type, Payload.of(json)).withSource(SOURCE));
  }

  @Override
  public RunEvent emit(EventPayload payload) {
    Objects.requireNonNull(payload, "payload");
    return emit(EventDraft.of(payload).withSource(SOURCE));
  }

  @Override
  public RunEvent emit(EventDraft draft) {
    Objects.requireNonNull(draft, "draft");
    if (draft.type().isLifecycle()) {
      throw new ValidationException(
          "type",
          "'"
              + draft.type()
              + "' is a lifecycle event; the orchestrator writes run.* events itself");
    }
    return events.scoped(draft);
  }

  /** A map: the highlight type has no payload record. */
  @Override
  public RunEvent highlight(String key, Object value) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("key", Objects.requireNonNull(key, "key"));
    p.put("value", Json.strict(value, "highlight " + key));
    return events.emit(EventType.of(RunSummary.HIGHLIGHT_TYPE), p);
  }

  @Override
  public StageWriter stage(String key) {
    return new StageRecorder(env.store(), record.id(), events, key);
  }

  @Override
  public String toString() {
    return "Execution[" + record.id() + " #" + execution + "]";
  }
}
