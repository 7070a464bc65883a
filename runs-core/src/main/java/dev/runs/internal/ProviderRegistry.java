package dev.runs.internal;

import dev.runs.NoStoreProviderException;
import dev.runs.StoreConfigurationException;
import dev.runs.spi.RunStoreProvider;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers found on a class loader, by scheme. Discovery happens once per class loader;
 * providers that fail to load are logged once and their errors kept as the cause of a later "no
 * provider" error. Two providers for one scheme are an error naming both classes and jars when that
 * scheme is asked for (and only then, so an unrelated duplicate cannot break other stores).
 */
public final class ProviderRegistry {
  private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);

  /** Artifact that provides each known scheme, for the "no provider" message. */
  private static final Map<String, String> ARTIFACTS =
      Map.of(
          "memory", "dev.runs:runs-core",
          "sqlite", "dev.runs:runs-store-sqlite",
          "file", "dev.runs:runs-store-file",
          "postgres", "dev.runs:runs-store-postgres",
          "postgresql", "dev.runs:runs-store-postgres");

  private static final Map<ClassLoader, ProviderRegistry> CACHE =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final Map<String, List<RunStoreProvider>> byScheme;
  private final List<Throwable> loadFailures;

  private ProviderRegistry(Map<String, List<RunStoreProvider>> byScheme, List<Throwable> failures) {
    this.byScheme = byScheme;
    this.loadFailures = failures;
  }

  /**
   * @param loader the class loader to search
   * @return the (cached) registry of its providers
   */
  public static ProviderRegistry forClassLoader(ClassLoader loader) {
    return CACHE.computeIfAbsent(loader, ProviderRegistry::discover);
  }

  /**
   * @param providers explicit providers
   * @return a registry of exactly these
   */
  public static ProviderRegistry of(List<RunStoreProvider> providers) {
    Map<String, List<RunStoreProvider>> map = new TreeMap<>();
    for (RunStoreProvider p : providers) {
      map.computeIfAbsent(p.scheme(), k -> new ArrayList<>()).add(p);
    }
    return new ProviderRegistry(map, List.of());
  }

  private static ProviderRegistry discover(ClassLoader loader) {
    Map<String, List<RunStoreProvider>> map = new TreeMap<>();
    List<Throwable> failures = new ArrayList<>();
    ServiceLoader<RunStoreProvider> sl = ServiceLoader.load(RunStoreProvider.class, loader);
    var it = sl.stream().iterator();
    while (true) {
      ServiceLoader.Provider<RunStoreProvider> handle;
      try {
        if (!it.hasNext()) {
          break;
        }
        handle = it.next();
      } catch (ServiceConfigurationError e) {
        failures.add(e);
        log.warn("a run store provider could not be loaded and is ignored: {}", e.toString());
        continue;
      }
      try {
        RunStoreProvider p = handle.get();
        map.computeIfAbsent(p.scheme(), k -> new ArrayList<>()).add(p);
      } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
        failures.add(e);
        log.warn(
            "run store provider {} could not be instantiated and is ignored: {}",
            safeTypeName(handle),
            e.toString());
      }
    }
    log.debug("run store providers found: {}", map.keySet());
    return new ProviderRegistry(map, failures);
  }

  private static String safeTypeName(ServiceLoader.Provider<?> handle) {
    try {
      return handle.type().getName();
    } catch (Throwable t) {
      return "(unknown class)";
    }
  }

  /**
   * @param scheme a URI scheme
   * @return the one provider for it
   * @throws NoStoreProviderException when there is none
   * @throws StoreConfigurationException when there are several
   */
  public RunStoreProvider find(String scheme) {
    List<RunStoreProvider> found = byScheme.get(scheme);
    if (found == null || found.isEmpty()) {
      String artifact = ARTIFACTS.get(scheme);
      StringBuilder m =
          new StringBuilder("no run store provider for scheme '")
              .append(scheme)
              .append(":' on the class path; found ")
              .append(byScheme.isEmpty() ? "none" : "schemes " + schemes());
      if (artifact != null) {
        m.append(". Add the dependency ")
            .append(artifact)
            .append(" to use ")
            .append(scheme)
            .append(':');
      } else {
        m.append(". Known schemes are memory:, sqlite:, file: and postgres:");
      }
      if (!loadFailures.isEmpty()) {
        m.append(". ")
            .append(loadFailures.size())
            .append(" provider(s) failed to load; the first failure is the cause");
      }
      throw loadFailures.isEmpty()
          ? new NoStoreProviderException(scheme, schemes(), m.toString())
          : new NoStoreProviderException(scheme, schemes(), m.toString(), loadFailures.get(0));
    }
    if (found.size() > 1) {
      StringBuilder m =
          new StringBuilder("several run store providers claim scheme '")
              .append(scheme)
              .append(":': ");
      for (int i = 0; i < found.size(); i++) {
        if (i > 0) {
          m.append(", ");
        }
        m.append(found.get(i).getClass().getName())
            .append(" (from ")
            .append(origin(found.get(i).getClass()))
            .append(')');
      }
      m.append(". Keep exactly one of them on the class path.");
      throw new StoreConfigurationException(m.toString());
    }
    return found.get(0);
  }

  /**
   * @return the schemes with at least one provider, sorted
   */
  public List<String> schemes() {
    return List.copyOf(byScheme.keySet());
  }

  private static String origin(Class<?> type) {
    try {
      CodeSource cs = type.getProtectionDomain().getCodeSource();
      URL url = cs == null ? null : cs.getLocation();
      return url == null ? "unknown location" : url.toString();
    } catch (SecurityException e) {
      return "unknown location";
    }
  }
}
