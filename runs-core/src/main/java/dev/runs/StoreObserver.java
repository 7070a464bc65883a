package dev.runs;

/**
 * Observes a store's append path, for metrics and tracing: told of each new run, after every group
 * commit with the commit's size, latency and the events it made durable, of every failed commit,
 * and of each live subscription ({@link RunStore#subscribe}) as it opens and closes. Register one
 * with {@link RunStore#observe(StoreObserver)}. Every method does nothing by default.
 *
 * <p>Calls come on the thread that committed (a store commit thread, or an appending thread that
 * committed its own batch) right after the commit, once its appenders have been released; and of
 * each new run on the creating thread: implementations must be fast, thread-safe and never block
 * (hand work to another thread). An exception thrown by an observer is logged once (then at debug)
 * and ignored: it never fails an append or reaches other observers.
 */
public interface StoreObserver {
  /**
   * A run was created (not told when a store call found the run its trigger id had already
   * started). Called on the creating thread after the record and its {@code run.created} event are
   * durable, before RunStore#create returns, so it precedes every commit of the run.
   *
   * @param record the stored record (config after the redactor)
   * @param created the run's {@code run.created} event, sequence 1
   */
  default void created(RunRecord record, RunEvent created) {}

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

  /**
   * A subscription to a run's events registered for live delivery. Called on the thread that
   * subscribed the subscriber (inside {@code Flow.Publisher.subscribe}), once per subscription. An
   * observer registered later is not told of subscriptions already open.
   *
   * @param subscription a view of it, the same instance {@link #subscriptionClosed} receives (so it
   *     can be kept in an identity set, and read later from any thread for its lag)
   */
  default void subscriptionOpened(SubscriptionView subscription) {}

  /**
   * A subscription ended: completed, failed (a slow subscriber, an error), cancelled, or the store
   * closed. Called once per subscription that was opened, on the thread that ended it (a delivery
   * thread, the cancelling thread, or the closing thread).
   *
   * @param subscription the view {@link #subscriptionOpened} received
   */
  default void subscriptionClosed(SubscriptionView subscription) {}
}
