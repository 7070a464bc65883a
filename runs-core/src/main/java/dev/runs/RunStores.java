package dev.runs;

import dev.runs.internal.ProviderRegistry;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;
import java.util.List;
import java.util.Objects;

/**
 * Opens stores by URI through the {@link RunStoreProvider}s on the class path ({@link
 * java.util.ServiceLoader}). Adding a store's jar is all it takes:
 *
 * <pre>{@code
 * try (RunStore store = RunStores.open("sqlite:runs.db")) { ... }
 * }</pre>
 *
 * <p>URIs: {@code memory:}, {@code sqlite:<path>}, {@code file:<dir>}, {@code
 * postgres://user@host:5432/db}, each with options as a query ({@code ?durability=normal}). No
 * provider for the scheme, or two for one scheme, is a {@link StoreConfigurationException} that
 * lists what was found; credentials are redacted in every message.
 *
 * <p>Thread-safe; providers are discovered once per class loader and cached.
 */
public final class RunStores {
  private RunStores() {}

  /**
   * Opens a store with default options.
   *
   * @param uri e.g. {@code sqlite:runs.db}
   * @return the open store; close it
   * @throws NoStoreProviderException when no provider handles the scheme
   * @throws StoreConfigurationException when the URI or its options are malformed
   */
  public static RunStore open(String uri) {
    return open(uri, RunStoreOptions.defaults());
  }

  /**
   * Opens a store.
   *
   * @param uri e.g. {@code file:./runs?durability=fsync}
   * @param options clock, redactor, limits, group-commit tuning
   * @return the open store; close it
   * @throws NoStoreProviderException when no provider handles the scheme
   * @throws StoreConfigurationException when the URI or its options are malformed
   */
  public static RunStore open(String uri, RunStoreOptions options) {
    return open(uri, options, contextLoader());
  }

  /**
   * Opens a store, discovering providers with a given class loader.
   *
   * @param uri the store URI
   * @param options the options
   * @param loader the class loader to discover providers with
   * @return the open store
   */
  public static RunStore open(String uri, RunStoreOptions options, ClassLoader loader) {
    Objects.requireNonNull(loader, "loader");
    StoreLocation location = StoreLocation.parse(uri, options);
    return ProviderRegistry.forClassLoader(loader).find(location.scheme()).open(location);
  }

  /**
   * Opens a store choosing among explicit providers (no discovery); for tests and containers that
   * manage their own plug-ins.
   *
   * @param uri the store URI
   * @param options the options
   * @param providers the candidates
   * @return the open store
   */
  public static RunStore open(
      String uri, RunStoreOptions options, List<RunStoreProvider> providers) {
    StoreLocation location = StoreLocation.parse(uri, options);
    return ProviderRegistry.of(providers).find(location.scheme()).open(location);
  }

  /**
   * @return a new, empty, private in-memory store
   */
  public static RunStore memory() {
    return open("memory:");
  }

  /**
   * @return the schemes that providers on the class path handle, sorted
   */
  public static List<String> availableSchemes() {
    return ProviderRegistry.forClassLoader(contextLoader()).schemes();
  }

  private static ClassLoader contextLoader() {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    return cl != null ? cl : RunStores.class.getClassLoader();
  }
}
