package dev.runs.internal.orchestrator;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ToolBody;
import dev.runs.ToolCall;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One tool call of a workflow: {@code tool.call.started} when created, then {@code .completed} or
 * {@code .failed} as a child of the start, with the latency. Thread-safe: it ends once, from any
 * thread.
 */
final class ToolCallRecorder implements ToolCall {
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  private final RunId runId;
  private final Clock clock;
  private final EventScope events;
  private final String name;
  private final String version;
  private final RunEvent started;
  private final Instant t0;
  private final AtomicBoolean ended = new AtomicBoolean();

  /** Writes {@code tool.call.started}. */
  ToolCallRecorder(RunId runId, Clock clock, EventScope events, String name, String version,
      Object arguments) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.events = Objects.requireNonNull(events, "events");
    this.name = Objects.requireNonNull(name, "name");
    this.version = Objects.requireNonNull(version, "version");
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("tool_name", name);
    p.put("tool_version", version);
    p.put("arguments", Json.lenient(arguments));
    this.started = events.emit(EventTypes.TOOL_CALL_STARTED, p);
    this.t0 = clock.instant();
  }

  /**
   * Runs {@code fn} as the call: its result completes the call, its exception fails it and is
   * rethrown.
   */
  static <T> T run(ToolCall call, ToolBody<T> fn) throws Exception {
    T result;
    try {
      result = fn.call();
    } catch (Exception | Error e) {
      call.failed(e);
      throw e;
    }
    call.completed(result);
    return result;
  }

  @Override
  public RunEvent startedEvent() {
    return started;
  }

  private Map<String, Object> end() {
    if (!ended.compareAndSet(false, true)) {
      throw new IllegalStateException("tool call " + started.eventId() + " of run " + runId
          + " already ended");
    }
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("tool_name", name);
    q.put("tool_version", version);
    return q;
  }

  @Override
  public RunEvent completed(Object result) {
    Map<String, Object> q = end();
    q.put("result", Json.lenient(result));
    q.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
    return events.scoped(EventDraft.of(EventTypes.TOOL_CALL_COMPLETED, Payload.of(q))
        .withParent(started.eventId()).withSource(SOURCE));
  }

  @Override
  public RunEvent failed(Throwable error) {
    Objects.requireNonNull(error, "error");
    Map<String, Object> q = end();
    q.put("error", ErrorJson.of(error, null));
    q.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
    return events.scoped(EventDraft.of(EventTypes.TOOL_CALL_FAILED, Payload.of(q))
        .withParent(started.eventId()).withSource(SOURCE));
  }
}
