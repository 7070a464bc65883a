package dev.runs;

import dev.runs.spi.ArchiveStoreProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens archives by URI through the {@link ArchiveStoreProvider}s on the class path: {@code
 * dir:/mnt/archive} (a local or mounted directory, in {@code runs-core}) and {@code
 * s3://bucket/prefix?endpoint=…&region=…} (module {@code runs-archive-s3}).
 *
 * <p>No provider for the scheme, or two for one scheme, is a {@link StoreConfigurationException}
 * that lists what was found. Thread-safe.
 */
public final class ArchiveStores {
  private static final Map<String, String> ARTIFACTS = Map.of("s3", "dev.runs:runs-archive-s3");

  private ArchiveStores() {}

  /**
   * Opens an archive with the providers visible to the context class loader.
   *
   * @param uri e.g. {@code dir:/mnt/archive}
   * @return the open archive; close it
   * @throws StoreConfigurationException when the URI is malformed or no single provider handles it
   * @throws ArchiveUnavailableException when the archive cannot be reached
   */
  public static ArchiveStore open(String uri) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return open(uri, loader == null ? ArchiveStores.class.getClassLoader() : loader);
  }

  /**
   * Opens an archive with the providers a class loader finds.
   *
   * @param uri the archive URI
   * @param loader where to look for providers
   * @return the open archive
   */
  public static ArchiveStore open(String uri, ClassLoader loader) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(loader, "loader");
    List<ArchiveStoreProvider> found = new ArrayList<>();
    ServiceLoader.load(ArchiveStoreProvider.class, loader).stream()
        .forEach(
            handle -> {
              try {
                found.add(handle.get());
              } catch (ServiceConfigurationError e) {
                throw new StoreConfigurationException(
                    "archive provider " + handle.type().getName() + " failed to load", e);
              }
            });
    return open(uri, found);
  }

  /**
   * Opens an archive with an explicit list of providers (no discovery).
   *
   * @param uri the archive URI
   * @param providers the providers to choose from
   * @return the open archive
   */
  public static ArchiveStore open(String uri, List<ArchiveStoreProvider> providers) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(providers, "providers");
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      // not the cause: its message holds the whole URI, query (credentials) included
      throw new StoreConfigurationException(
          "archive URI is malformed: "
              + redact(uri)
              + " ("
              + e.getReason()
              + " at index "
              + e.getIndex()
              + ")");
    }
    String scheme = parsed.getScheme();
    if (scheme == null) {
      throw new StoreConfigurationException(
          "archive URI " + redact(uri) + " has no scheme; use dir:/path or s3://bucket/prefix");
    }
    Map<String, List<ArchiveStoreProvider>> byScheme = new TreeMap<>();
    for (ArchiveStoreProvider p : providers) {
      byScheme.computeIfAbsent(p.scheme(), k -> new ArrayList<>()).add(p);
    }
    List<ArchiveStoreProvider> matches = byScheme.getOrDefault(scheme, List.of());
    if (matches.isEmpty()) {
      String artifact = ARTIFACTS.get(scheme);
      throw new StoreConfigurationException(
          "no archive provider for scheme '"
              + scheme
              + "' (found: "
              + byScheme.keySet()
              + ")"
              + (artifact == null ? "" : "; add " + artifact + " to the class path"));
    }
    if (matches.size() > 1) {
      List<String> names = new ArrayList<>();
      for (ArchiveStoreProvider p : matches) {
        names.add(p.getClass().getName());
      }
      throw new StoreConfigurationException(
          "two archive providers for scheme '" + scheme + "': " + names + "; remove one");
    }
    return matches.get(0).open(parsed);
  }

  /** Removes user info and the query (either may hold credentials) from a URI for messages. */
  static String redact(String uri) {
    int query = uri.indexOf('?');
    String withoutQuery = query < 0 ? uri : uri.substring(0, query) + "?***";
    return withoutQuery.replaceAll("//[^/@]*@", "//***@");
  }
}
