package dev.runs;

/**
 * Told when runs change in a store. Called on the thread that made the change durable (a store
 * commit thread, or the appending thread when it committed its own batch) right after it became
 * durable: keep it quick and never block (hand work to another thread). An exception it throws is
 * logged and does not affect the store or other listeners.
 */
@FunctionalInterface
public interface StoreListener {
  /**
   * @param change what changed
   */
  void onChange(RunChange change);
}
