package dev.runs.spi;

import dev.runs.RunStore;
import dev.runs.internal.DefaultRunStore;
import java.util.Objects;
import java.util.function.Function;

/**
 * Wraps a {@link StorageEngine} into a {@link RunStore} with the shared append path: validation,
 * redaction, state-machine checks, idempotency, optimistic concurrency and group commit.
 *
 * <p>Stateless and thread-safe.
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

  /**
   * Opens an engine and wraps it: the whole of a typical {@link RunStoreProvider#open}, such as
   * {@code return RunStoreFactory.open(location, l -> MyEngine.open(MySettings.from(l)));}. When
   * wrapping fails, the engine is closed before the failure is rethrown (a failure to close is
   * added to it as suppressed), so a failed open leaves nothing open.
   *
   * @param location the location and options the store is opened with
   * @param opener opens the engine for the location, on the calling thread; it reads and checks the
   *     location's parameters, throws {@link dev.runs.StoreConfigurationException} for an unusable
   *     location and {@link dev.runs.StoreIoException} when the medium fails, and when it throws
   *     has released whatever it had opened
   * @return the store; closing it closes the engine
   */
  public static RunStore open(
      StoreLocation location, Function<? super StoreLocation, ? extends StorageEngine> opener) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(opener, "opener");
    StorageEngine engine =
        Objects.requireNonNull(
            opener.apply(location),
            () -> "the engine opener for " + location.redacted() + " returned null");
    try {
      return create(engine, location);
    } catch (RuntimeException | Error e) {
      try {
        engine.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }
}
