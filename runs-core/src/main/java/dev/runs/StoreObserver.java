package dev.runs;

/**
 * Observes a store's append path, for metrics and tracing: told after every group commit with the
 * commit's size, latency and the events it made durable, and of every failed commit. Register one
 * with {@link RunStore#observe(StoreObserver)}. Every method does nothing by default.
 *
 * <p>Calls come on the thread that committed (a store commit thread, or an appending thread that
 * committed its own batch) right after the commit and before the appenders are released from {@link
 * RunStore#append}: implementations must be fast, thread-safe and never block (hand work to another
 * thread). An exception thrown by an observer is logged once (then at debug) and ignored: it never
 * fails an append or reaches other observers.
 */
public interface StoreObserver {
  /**
   * A group commit became durable.
   *
   * @param commit what it wrote
   */
  default void committed(CommitReport commit) {}

  /**
   * A group commit failed: none of its appends were written.
   *
   * @param error the error the appenders receive
   * @param appends how many append calls the commit held
   */
  default void commitFailed(RuntimeException error, int appends) {}
}
