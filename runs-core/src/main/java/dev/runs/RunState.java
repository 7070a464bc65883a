package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The fold of a run's events: its status and what its log says so far. Computed by {@link
 * #fold(RunId, Iterable)} or step by step with a {@link Folder}; never stored on its own, so it
 * always agrees with the log.
 *
 * @param runId the run
 * @param status the status (from the lifecycle events)
 * @param lastSequence the sequence of the last event folded, 0 for none
 * @param eventCount how many events were folded
 * @param currentStep the innermost step or phase started and not yet ended
 * @param steps every step and phase seen, by id, in order of first appearance
 * @param checkpoints checkpoint id to the sequence of its {@code checkpoint.saved} event
 * @param countsByType event counts by type name
 * @param usage token totals summed from model generation events
 * @param cost cost summed from model generation events ({@code cost} field)
 * @param firstEventTime time of the first event folded
 * @param lastEventTime time of the last event folded
 */
public record RunState(
    RunId runId,
    RunStatus status,
    long lastSequence,
    long eventCount,
    Optional<String> currentStep,
    Map<String, StepState> steps,
    Map<String, Long> checkpoints,
    Map<String, Long> countsByType,
    TokenUsage usage,
    BigDecimal cost,
    Optional<Instant> firstEventTime,
    Optional<Instant> lastEventTime) {

  /** Copies the collections. */
  public RunState {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(currentStep, "currentStep");
    steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
    checkpoints = Collections.unmodifiableMap(new LinkedHashMap<>(checkpoints));
    countsByType = Collections.unmodifiableMap(new TreeMap<>(countsByType));
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(firstEventTime, "firstEventTime");
    Objects.requireNonNull(lastEventTime, "lastEventTime");
  }

  /**
   * Folds a complete log.
   *
   * @param runId the run
   * @param events its events in sequence order, starting at 1
   * @return the state
   * @throws StoreCorruptedException when the log has a gap, a foreign event or an illegal
   *     transition (stores never accept such a log, so it means damage)
   */
  public static RunState fold(RunId runId, Iterable<RunEvent> events) {
    Folder f = new Folder(runId);
    for (RunEvent e : events) {
      f.accept(e);
    }
    return f.snapshot();
  }

  /**
   * Folds a complete log from an iterator.
   *
   * @param runId the run
   * @param events its events in sequence order
   * @return the state
   */
  public static RunState fold(RunId runId, Iterator<RunEvent> events) {
    Folder f = new Folder(runId);
    while (events.hasNext()) {
      f.accept(events.next());
    }
    return f.snapshot();
  }

  /**
   * Returns a step's state.
   *
   * @param stepId the step path
   * @return its state when the log mentions it
   */
  public Optional<StepState> step(String stepId) {
    return Optional.ofNullable(steps.get(stepId));
  }

  /**
   * @param type an event type
   * @return how many events of that type were folded
   */
  public long count(EventType type) {
    return countsByType.getOrDefault(type.name(), 0L);
  }

  /**
   * Folds events one at a time; used by stores to keep a run's status current and by the
   * orchestrator. Not thread-safe.
   */
  public static final class Folder {
    private final RunId runId;
    private @Nullable RunStatus status;
    private long lastSequence;
    private long eventCount;
    private final java.util.ArrayDeque<String> open = new java.util.ArrayDeque<>();
    private final Map<String, StepState> steps = new LinkedHashMap<>();
    private final Map<String, Long> checkpoints = new LinkedHashMap<>();
    private final Map<String, Long> counts = new java.util.HashMap<>();
    private long inputTokens;
    private long outputTokens;
    private BigDecimal cost = BigDecimal.ZERO;
    private @Nullable Instant first;
    private @Nullable Instant last;

    /**
     * Starts an empty fold.
     *
     * @param runId the run whose events will be folded
     */
    public Folder(RunId runId) {
      this.runId = Objects.requireNonNull(runId, "runId");
    }

    /**
     * Folds the next event.
     *
     * @param e the event, whose sequence must be one more than the previous one
     * @throws StoreCorruptedException on a gap, a foreign run id or an illegal transition
     */
    public void accept(RunEvent e) {
      if (!e.runId().equals(runId)) {
        throw new StoreCorruptedException(
            "event "
                + e.eventId()
                + " belongs to run "
                + e.runId()
                + " but was found in the log of run "
                + runId);
      }
      if (e.sequence() != lastSequence + 1) {
        throw new StoreCorruptedException(
            "run "
                + runId
                + ": expected sequence "
                + (lastSequence + 1)
                + " but found "
                + e.sequence()
                + " (the log has a gap or a duplicate)");
      }
      RunStatus next;
      if (status == null) {
        next = RunStateMachine.next(Optional.empty(), e.type()).orElse(null);
      } else if (e.type().isLifecycle() && !e.type().isCore()) {
        next = status; // a lifecycle type from a newer version: keep the status
      } else {
        next = RunStateMachine.nextOrNull(status, e.type());
      }
      if (next == null) {
        throw new StoreCorruptedException(
            "run "
                + runId
                + " event #"
                + e.sequence()
                + " ("
                + e.type()
                + ") is not allowed in status "
                + (status == null
                    ? "(none: the first event must be run.created)"
                    : status.wireName()));
      }
      status = next;
      lastSequence = e.sequence();
      eventCount++;
      counts.merge(e.type().name(), 1L, Long::sum);
      if (first == null) {
        first = e.time();
      }
      last = e.time();
      String type = e.type().name();
      if (type.startsWith("step.") || type.startsWith("phase.")) {
        foldStep(e, type);
      } else if (type.equals("checkpoint.saved")) {
        JsonNode id = tree(e).get("checkpoint_id");
        if (id != null && id.isTextual()) {
          checkpoints.put(id.textValue(), e.sequence());
        }
      } else if (type.startsWith("model.generation.")) {
        ObjectNode p = tree(e);
        JsonNode usage = p.get("usage");
        if (usage != null && usage.isObject()) {
          inputTokens += longField(usage, "input_tokens");
          outputTokens += longField(usage, "output_tokens");
        }
        JsonNode c = p.get("cost");
        if (c != null && c.isNumber()) {
          cost = cost.add(c.decimalValue());
        }
      }
    }

    private void foldStep(RunEvent e, String type) {
      if (e.stepId().isEmpty()) {
        return;
      }
      String id = e.stepId().get();
      String verb = type.substring(type.indexOf('.') + 1);
      StepState prev = steps.get(id);
      int attempt = e.attempt().orElse(prev == null ? 1 : prev.attempt());
      switch (verb) {
        case "started" -> {
          steps.put(id, new StepState(id, attempt, StepState.Status.STARTED, Optional.empty()));
          open.remove(id);
          open.push(id);
        }
        case "completed" -> {
          steps.put(id, new StepState(id, attempt, StepState.Status.COMPLETED, Optional.of(e)));
          open.remove(id);
        }
        case "failed" -> close(id, attempt, StepState.Status.FAILED);
        case "retrying" -> close(id, attempt, StepState.Status.RETRYING);
        case "skipped" -> close(id, attempt, StepState.Status.SKIPPED);
        default -> {
          // other step verbs (a newer version's) change nothing
        }
      }
    }

    private void close(String id, int attempt, StepState.Status status) {
      steps.put(id, new StepState(id, attempt, status, Optional.empty()));
      open.remove(id);
    }

    private static ObjectNode tree(RunEvent e) {
      return e.payload().parsed();
    }

    private static long longField(JsonNode n, String field) {
      JsonNode v = n.get(field);
      return v != null && v.canConvertToLong() ? v.longValue() : 0;
    }

    /**
     * @return the status so far, empty before the first event
     */
    public Optional<RunStatus> status() {
      return Optional.ofNullable(status);
    }

    /**
     * @return the sequence of the last event folded, 0 for none
     */
    public long lastSequence() {
      return lastSequence;
    }

    /**
     * @return an immutable snapshot of the fold so far
     * @throws IllegalStateException when no event was folded (every run starts with run.created)
     */
    public RunState snapshot() {
      if (status == null) {
        throw new IllegalStateException(
            "run " + runId + " has no events; the first is run.created");
      }
      return new RunState(
          runId,
          status,
          lastSequence,
          eventCount,
          Optional.ofNullable(open.peek()),
          steps,
          checkpoints,
          counts,
          TokenUsage.of(inputTokens, outputTokens),
          cost,
          Optional.ofNullable(first),
          Optional.ofNullable(last));
    }
  }
}
