package dev.runs.spi;

import dev.runs.RunStore;
import dev.runs.internal.DefaultRunStore;

/**
 * Wraps a {@link StorageEngine} into a {@link RunStore} with the shared append path: validation,
 * redaction, state-machine checks, idempotency, optimistic concurrency and group commit.
 */
public final class RunStoreFactory {
  private RunStoreFactory() {}

  /**
   * @param engine the engine; the store closes it
   * @param location the location and options the store was opened with
   * @return the store
   */
  public static RunStore create(StorageEngine engine, StoreLocation location) {
    return new DefaultRunStore(engine, location);
  }
}
