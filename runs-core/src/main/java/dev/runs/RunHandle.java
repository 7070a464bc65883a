package dev.runs;

import java.util.concurrent.CompletableFuture;

/**
 * A handle on a run that was started, resumed, replayed or rerun, or on the existing run a repeated
 * trigger id pointed at ({@link #existing()}). Immutable and thread-safe.
 */
public interface RunHandle {
  /**
   * @return the run
   */
  RunId runId();

  /**
   * @return true when the call that returned this handle created (or resumed) the run; false when
   *     it returned an existing run for a trigger id already used
   */
  boolean created();

  /**
   * Whether this call started nothing and handed back a run that was already there: a start, replay
   * or rerun whose trigger id an earlier call had used (the request's other fields are then not
   * looked at), or a resume of a run already resumed by that trigger id or executing here. The
   * usual cause is a retried request (a double click, a repeated HTTP call), which is what trigger
   * ids are for. Another is a program that starts with a fixed trigger id, such as the README's
   * quick start run twice on a durable store: the second run prints the first one's status and
   * executes nothing. Use a fresh trigger id per action to start a new run.
   *
   * @return {@code !created()}
   */
  default boolean existing() {
    return !created();
  }

  /**
   * Completes with the run's status when this execution ends: {@code completed}, {@code failed},
   * {@code cancelled}, or {@code interrupted} when this instance lost the run's lease. For a handle
   * on an existing run ({@code created() == false}) it completes when that run next reaches a
   * terminal status. Each call returns a new dependent future; completing it does not affect the
   * run.
   *
   * @return the final status of this execution
   */
  CompletableFuture<RunStatus> completion();

  /**
   * @return the run's record
   */
  RunRecord record();
}
