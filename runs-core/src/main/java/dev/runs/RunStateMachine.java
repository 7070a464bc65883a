package dev.runs;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The run state machine: which event types a run accepts in each status, and the status they lead
 * to. Stores check every append against it; {@link RunState} folds a log through it.
 *
 * <ul>
 *   <li>{@code run.created} only as the first event (the store writes it with the record);
 *   <li>{@code run.queued}: created &rarr; queued;
 *   <li>{@code run.started}: created or queued &rarr; running;
 *   <li>{@code run.cancel_requested}: running &rarr; cancel_requested;
 *   <li>{@code run.cancelled}: created, queued, running, cancel_requested or interrupted &rarr;
 *       cancelled;
 *   <li>{@code run.completed}: running or cancel_requested &rarr; completed (final);
 *   <li>{@code run.failed}: created, queued, running, cancel_requested or interrupted &rarr;
 *       failed;
 *   <li>{@code run.interrupted}: running or cancel_requested &rarr; interrupted;
 *   <li>{@code run.resumed}: failed, cancelled or interrupted &rarr; running;
 *   <li>every other type (steps, model calls, console lines, {@code x.*}...) keeps the status and
 *       is accepted only while the run is not terminal.
 * </ul>
 *
 * <p>This class is stateless and thread-safe.
 */
public final class RunStateMachine {
  private RunStateMachine() {}

  /**
   * Returns the status after an event, or empty when the event is not allowed.
   *
   * @param current the status before, or empty for a run with no events yet
   * @param type the event type
   * @return the status after, or empty when the transition is illegal
   */
  public static Optional<RunStatus> next(Optional<RunStatus> current, EventType type) {
    if (current.isEmpty()) {
      return type.equals(EventTypes.RUN_CREATED)
          ? Optional.of(RunStatus.CREATED)
          : Optional.empty();
    }
    RunStatus next = nextOrNull(current.get(), type);
    return Optional.ofNullable(next);
  }

  /**
   * Returns the status after an event on a run that exists.
   *
   * @param runId the run, for the error message
   * @param current the status before
   * @param type the event type
   * @return the status after
   * @throws IllegalTransitionException when the event is not allowed in {@code current}
   */
  public static RunStatus apply(RunId runId, RunStatus current, EventType type) {
    RunStatus next = nextOrNull(current, type);
    if (next == null) {
      throw new IllegalTransitionException(runId, current, type.name());
    }
    return next;
  }

  /**
   * @param current the status before
   * @param type the event type
   * @return the status after, or {@code null} when illegal
   */
  static @Nullable RunStatus nextOrNull(RunStatus current, EventType type) {
    String t = type.name();
    if (!t.startsWith("run.")) {
      return current.acceptsWork() ? current : null;
    }
    return switch (t) {
      case "run.queued" -> current == RunStatus.CREATED ? RunStatus.QUEUED : null;
      case "run.started" ->
          current == RunStatus.CREATED || current == RunStatus.QUEUED ? RunStatus.RUNNING : null;
      case "run.cancel_requested" ->
          current == RunStatus.RUNNING ? RunStatus.CANCEL_REQUESTED : null;
      case "run.cancelled" ->
          current == RunStatus.CREATED
                  || current == RunStatus.QUEUED
                  || current == RunStatus.RUNNING
                  || current == RunStatus.CANCEL_REQUESTED
                  || current == RunStatus.INTERRUPTED
              ? RunStatus.CANCELLED
              : null;
      case "run.completed" ->
          current == RunStatus.RUNNING || current == RunStatus.CANCEL_REQUESTED
              ? RunStatus.COMPLETED
              : null;
      case "run.failed" ->
          current == RunStatus.CREATED
                  || current == RunStatus.QUEUED
                  || current == RunStatus.RUNNING
                  || current == RunStatus.CANCEL_REQUESTED
                  || current == RunStatus.INTERRUPTED
              ? RunStatus.FAILED
              : null;
      case "run.interrupted" ->
          current == RunStatus.RUNNING || current == RunStatus.CANCEL_REQUESTED
              ? RunStatus.INTERRUPTED
              : null;
      case "run.resumed" -> current.isResumable() ? RunStatus.RUNNING : null;
      // run.created again, or an unknown run.* type from a newer version: not a legal append
      default -> null;
    };
  }

  /**
   * @param type an event type
   * @return true for the types that end execution: completed, failed, cancelled, interrupted
   */
  public static boolean isTerminalType(EventType type) {
    String t = type.name();
    return t.equals("run.completed")
        || t.equals("run.failed")
        || t.equals("run.cancelled")
        || t.equals("run.interrupted");
  }
}
