package dev.runs;

/**
 * A read-only view of one live subscription to a run's events ({@link RunStore#subscribe}), handed
 * to {@link StoreObserver#subscriptionOpened} and {@link StoreObserver#subscriptionClosed} so a
 * metrics library can count subscribers and gauge how far behind they are. It cannot cancel or
 * otherwise affect the subscription.
 *
 * <p>Thread-safe: every method may be called from any thread at any time, also after the
 * subscription ended (then {@link #lag()} keeps its last value). Reading takes the subscription's
 * monitor briefly, so call it at scrape time rather than on a hot path.
 */
public interface SubscriptionView {
  /**
   * @return the run subscribed to
   */
  RunId runId();

  /**
   * @return the sequence of the last event passed to the subscriber (the subscription's starting
   *     point before the first)
   */
  long deliveredSequence();

  /**
   * Events the store is known to hold for the run beyond {@link #deliveredSequence()}: 0 when the
   * subscriber is caught up. Counts events committed by this process at once, and events committed
   * by other processes once the subscription has heard of them (a change feed or a poll of the
   * run's head). A subscription still catching up on events older than itself counts them too.
   *
   * @return how many committed events the subscriber has not received yet, at least 0
   */
  long lag();
}
