package dev.runs.spi;

import dev.runs.RunStore;

/**
 * Opens stores for one URI scheme. Found by {@link java.util.ServiceLoader} through a {@code
 * META-INF/services/dev.runs.spi.RunStoreProvider} file in the store's jar.
 *
 * <p>Providers are stateless, have a public no-argument constructor and do no work in it, so {@code
 * new SqliteRunStoreProvider().open(StoreLocation.parse("sqlite:runs.db"))} works without
 * discovery. A provider names its scheme and opens its engine through {@link
 * RunStoreFactory#open(StoreLocation, java.util.function.Function)}, which supplies the append path
 * shared by every store and closes the engine if wrapping it fails.
 */
public interface RunStoreProvider {
  /**
   * @return the URI scheme handled, lowercase, e.g. {@code sqlite}
   */
  String scheme();

  /**
   * Opens a store. Heavy work (files, connections, migrations) happens here.
   *
   * @param location the parsed URI and options
   * @return the open store
   * @throws dev.runs.StoreConfigurationException when the location is not usable (nothing modified)
   * @throws dev.runs.StoreIoException when the medium fails
   */
  RunStore open(StoreLocation location);
}
