package dev.runs.internal.orchestrator;

import dev.runs.EventDraft;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.IllegalTransitionException;
import dev.runs.Payload;
import dev.runs.RunCancelledException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * How an execution writes its events: the enclosing step or phase (a stack of scopes), the step
 * paths ({@code plan/search}), deterministic idempotency keys for emitted events (so a resumed
 * execution does not write them twice), listener timing of each append, and turning a refused
 * append into a {@link RunCancelledException} once the run has ended elsewhere.
 *
 * <p>Thread-safe: the workflow may emit from threads of its own, so the scope stack and the
 * counters are concurrent collections. Scopes pushed on one thread are seen by all; workflows that
 * run steps in parallel get the innermost scope of whichever pushed last, as before.
 */
final class EventScope {
  /** A step (attempt at least 1) or a phase (attempt 0) that events are written in. */
  private record Scope(String path, int attempt) {}

  private final ExecutionEnvironment env;
  private final RunId runId;
  private final StopSignal stop;
  private final Deque<Scope> scopes = new ConcurrentLinkedDeque<>();
  private final Map<String, Long> emitCounters = new ConcurrentHashMap<>();

  EventScope(ExecutionEnvironment env, RunId runId, StopSignal stop) {
    this.env = Objects.requireNonNull(env, "env");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.stop = Objects.requireNonNull(stop, "stop");
  }

  /** Enters a step ({@code attempt >= 1}) or a phase ({@code attempt == 0}). */
  void enter(String path, int attempt) {
    scopes.push(new Scope(path, attempt));
  }

  /** Leaves the innermost scope. */
  void leave() {
    scopes.pop();
  }

  /**
   * @param id a step or phase id
   * @return its path under the enclosing scope
   * @throws dev.runs.ValidationException when the id is not a valid step id
   */
  String path(String id) {
    Objects.requireNonNull(id, "id");
    Scope s = scopes.peek();
    String path = s == null ? id : s.path() + "/" + id;
    EventDraft.of(EventTypes.STEP_STARTED).withStep(path); // validates the id
    return path;
  }

  /**
   * Appends one event as given.
   *
   * @throws RunCancelledException when the run no longer accepts events from this execution
   */
  RunEvent append(EventDraft d) {
    long t0 = System.nanoTime();
    try {
      RunEvent e = env.store().append(runId, d);
      Duration latency = Duration.ofNanos(System.nanoTime() - t0);
      env.listeners().notify(l -> l.appended(runId, d.type(), latency));
      return e;
    } catch (IllegalTransitionException e) {
      throw refused(e);
    }
  }

  /**
   * Appends events atomically; listeners hear of one append of type {@code reported}.
   *
   * @throws RunCancelledException when the run no longer accepts events from this execution
   */
  void appendAll(List<EventDraft> drafts, EventType reported) {
    long t0 = System.nanoTime();
    try {
      env.store().append(runId, drafts);
    } catch (IllegalTransitionException e) {
      throw refused(e);
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - t0);
    env.listeners().notify(l -> l.appended(runId, reported, latency));
  }

  private RunCancelledException refused(IllegalTransitionException e) {
    stop.endedElsewhere();
    return new RunCancelledException(
        runId,
        "the run is "
            + e.currentStatus().wireName()
            + " and no longer accepts events from this execution");
  }

  /** Appends an emitted event: adds the enclosing scope and a deterministic key where unset. */
  RunEvent scoped(EventDraft d) {
    Scope s = scopes.peek();
    if (d.stepId().isEmpty() && s != null) {
      d = d.withStep(s.path());
      if (s.attempt() > 0 && d.attempt().isEmpty()) {
        d = d.withAttempt(s.attempt());
      }
    }
    if (d.idempotencyKey().isEmpty()) {
      String scope = s == null ? "" : s.path(); // step ids are never empty: no collision
      int attempt = s == null ? 0 : s.attempt();
      long n = emitCounters.merge(scope + "\u0000" + attempt, 1L, Long::sum);
      d = d.withIdempotencyKey(Keys.emit(scope, attempt, n));
    }
    return append(d);
  }

  /** Emits one of the orchestrator's own events, scoped. */
  RunEvent emit(EventPayload payload) {
    return scoped(EventDraft.of(payload).withSource(ExecutionEnvironment.SOURCE));
  }

  /** Emits one of the orchestrator's own events from a map, scoped. */
  RunEvent emit(EventType type, Map<String, ?> fields) {
    return scoped(EventDraft.of(type, Payload.of(fields)).withSource(ExecutionEnvironment.SOURCE));
  }

  /**
   * @return the draft with the orchestrator source and the enclosing scope, without a key
   */
  EventDraft inScope(EventDraft d) {
    EventDraft out = d.withSource(ExecutionEnvironment.SOURCE);
    Scope s = scopes.peek();
    if (s != null) {
      out = out.withStep(s.path());
      if (s.attempt() > 0) {
        out = out.withAttempt(s.attempt());
      }
    }
    return out;
  }
}
