package dev.runs;

import java.util.concurrent.CompletableFuture;

/**
 * A handle on a run that was started, resumed, replayed or rerun, or on the existing run a repeated
 * trigger id pointed at.
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
