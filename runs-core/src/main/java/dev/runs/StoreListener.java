package dev.runs;

/**
 * Told when runs change in a store. Called on the store's commit thread right after the change is
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
