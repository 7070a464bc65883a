package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ToolBody;
import dev.runs.ToolCall;
import dev.runs.payload.ToolCallCompleted;
import dev.runs.payload.ToolCallStarted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

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
  ToolCallRecorder(
      RunId runId,
      Clock clock,
      EventScope events,
      String name,
      String version,
      @Nullable Object arguments) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.events = Objects.requireNonNull(events, "events");
    this.name = Objects.requireNonNull(name, "name");
    this.version = Objects.requireNonNull(version, "version");
    JsonNode args = Json.lenient(arguments);
    if (args.isNull()) {
      // ToolCallStarted leaves empty arguments out; the log has always said "arguments":null
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("tool_name", name);
      p.put("tool_version", version);
      p.put("arguments", args);
      this.started = events.emit(EventTypes.TOOL_CALL_STARTED, p);
    } else {
      this.started =
          events.emit(new ToolCallStarted(name, Optional.of(version), Optional.of(args)));
    }
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

  private void end() {
    if (!ended.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "tool call " + started.eventId() + " of run " + runId + " already ended");
    }
  }

  private Map<String, Object> base() {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("tool_name", name);
    q.put("tool_version", version);
    return q;
  }

  @Override
  public RunEvent completed(Object result) {
    end();
    JsonNode json = Json.lenient(result);
    long latencyMs = Duration.between(t0, clock.instant()).toMillis();
    EventDraft draft;
    if (json.isNull()) {
      // ToolCallCompleted leaves an empty result out; the log has always said "result":null
      Map<String, Object> q = base();
      q.put("result", json);
      q.put("latency_ms", latencyMs);
      draft = EventDraft.of(EventTypes.TOOL_CALL_COMPLETED, Payload.of(q));
    } else {
      draft =
          EventDraft.of(
              new ToolCallCompleted(
                  name, Optional.of(version), Optional.of(json), OptionalLong.of(latencyMs)));
    }
    return events.scoped(draft.withParent(started.eventId()).withSource(SOURCE));
  }

  /**
   * A map: {@link dev.runs.payload.ToolCallFailed} has no {@code tool_version} or {@code
   * latency_ms}, and its {@code error} no {@code type}.
   */
  @Override
  public RunEvent failed(Throwable error) {
    Objects.requireNonNull(error, "error");
    end();
    Map<String, Object> q = base();
    q.put("error", ErrorJson.of(error, null));
    q.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
    return events.scoped(
        EventDraft.of(EventTypes.TOOL_CALL_FAILED, Payload.of(q))
            .withParent(started.eventId())
            .withSource(SOURCE));
  }
}
