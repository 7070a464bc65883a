package dev.runs;

/**
 * Tells a running workflow that its run should stop: a cancel was requested (by any instance
 * sharing the store), the orchestrator is closing, or this instance lost the run's lease.
 * Cancellation is cooperative: the orchestrator checks it before every step; long-running code
 * should call {@link #throwIfCancelled()} at safe points. Thread-safe.
 */
public interface CancellationToken {
  /**
   * Tells whether the run should stop. Reads a local flag and, at most every few tens of
   * milliseconds, the run's status in the store, so a cancel made by another process is seen.
   *
   * @return true when the run should stop
   */
  boolean isCancelled();

  /**
   * Throws when the run should stop.
   *
   * @throws RunCancelledException when {@link #isCancelled()} is true
   */
  void throwIfCancelled();
}
