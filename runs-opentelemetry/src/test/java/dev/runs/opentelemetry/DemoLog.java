package dev.runs.opentelemetry;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

/** Writes one agent run with every span kind, each event one second after the last. */
final class DemoLog {
  static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    volatile Instant now = T0;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** The run's rendered prompt, with a secret the store's redactor masks. */
  static final String PROMPT = "Research OpenTelemetry; use key sk-live-abcdefghijklmnop0123";

  final ManualClock clock = new ManualClock();
  final RunStore store = RunStores.open("memory:", RunStoreOptions.builder().clock(clock).build());
  private int second;

  static Instant t(int second) {
    return T0.plusSeconds(second);
  }

  RunId create(String traceparent) {
    RunRecord.Builder b =
        RunRecord.builder(
                WorkflowRef.of("research", "2"),
                ConfigSnapshot.builder().prompt(PROMPT).build(),
                Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
            .threadKey("chat-7");
    if (traceparent != null) {
      b.label(RunRecord.TRACEPARENT_LABEL, traceparent);
    }
    RunRecord r = b.build();
    clock.now = t(0);
    store.create(r);
    return r.id();
  }

  RunEvent append(RunId id, EventDraft d) {
    clock.now = t(++second);
    return store.append(id, d);
  }

  static EventDraft draft(EventType type, String step, Map<String, ?> payload) {
    EventDraft d = EventDraft.of(type, Payload.of(payload));
    return step == null ? d : d.withStep(step);
  }

  /** The demo run: 19 events, t0 to t18. */
  RunId write(String traceparent) {
    RunId id = create(traceparent);
    append(id, EventDraft.of(EventTypes.RUN_STARTED));
    append(id, draft(EventTypes.STEP_STARTED, "plan", Map.of()).withAttempt(1));
    append(id, draft(EventTypes.AGENT_INVOKED, "plan", Map.of("agent", "planner")));
    RunEvent model =
        append(
            id,
            draft(
                EventTypes.MODEL_GENERATION_STARTED,
                "plan",
                Map.of(
                    "provider",
                    "openai",
                    "model",
                    "gpt-4o",
                    "params",
                    Map.of(
                        "temperature",
                        0.2,
                        "messages",
                        java.util.List.of(Map.of("role", "user", "content", "find otel docs"))))));
    append(
        id,
        draft(
                EventTypes.MODEL_GENERATION_COMPLETED,
                "plan",
                Map.of(
                    "provider",
                    "openai",
                    "model",
                    "gpt-4o-2024-08-06",
                    "usage",
                    Map.of("input_tokens", 100, "output_tokens", 20),
                    "finish_reason",
                    "stop",
                    "output",
                    Map.of("text", "search the web")))
            .withParent(model.eventId()));
    RunEvent tool =
        append(
            id,
            draft(
                EventTypes.TOOL_CALL_STARTED,
                "plan",
                Map.of(
                    "tool_name",
                    "search",
                    "arguments",
                    Map.of("query", "otel", "api_key", "sk-live-123"))));
    append(
        id,
        draft(
                EventTypes.TOOL_CALL_COMPLETED,
                "plan",
                Map.of("tool_name", "search", "result", Map.of("hits", 3)))
            .withParent(tool.eventId()));
    append(
        id,
        draft(
            EventTypes.AGENT_HANDOFF,
            "plan",
            Map.of("from_agent", "planner", "to_agent", "writer", "reason", "draft")));
    append(
        id,
        draft(
            EventTypes.GUARDRAIL_CHECKED,
            "plan",
            Map.of("name", "pii", "stage", "output", "verdict", "passed")));
    append(id, draft(EventTypes.CHECKPOINT_SAVED, "plan", Map.of("checkpoint_id", "cp-1")));
    append(id, draft(EventTypes.CONSOLE_LINE, "plan", Map.of("stream", "stdout", "text", "hello")));
    append(id, draft(EventTypes.STEP_COMPLETED, "plan", Map.of()).withAttempt(1));
    append(id, draft(EventTypes.STEP_STARTED, "write", Map.of()).withAttempt(1));
    append(
        id,
        draft(
                EventTypes.STEP_FAILED,
                "write",
                Map.of("error", Map.of("message", "no", "code", "boom")))
            .withAttempt(1));
    append(id, draft(EventTypes.STEP_STARTED, "write", Map.of()).withAttempt(2));
    append(id, draft(EventType.of("x.acme.note"), "write", Map.of("note", "n")).withAttempt(2));
    append(id, draft(EventTypes.STEP_COMPLETED, "write", Map.of()).withAttempt(2));
    append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    return id;
  }
}
