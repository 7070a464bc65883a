package dev.runs.cli.internal;

import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import dev.runs.spi.WorkflowProvider;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * The host workflows the tool can run: every {@link WorkflowProvider} found by {@link
 * ServiceLoader} on a class path of jars and directories (plus the tool's own). Closing it closes
 * the class loader.
 */
final class Workflows implements AutoCloseable {
  private final URLClassLoader loader;
  private final String classpath;
  private @Nullable Map<WorkflowRef, Workflow> all;

  private Workflows(URLClassLoader loader, String classpath) {
    this.loader = loader;
    this.classpath = classpath;
  }

  /**
   * @param classpath entries separated by the platform's path separator; may be empty
   * @param option where the class path came from, for messages ({@code --classpath})
   * @throws CliException when an entry does not exist
   */
  static Workflows open(String classpath, String option) {
    List<URL> urls = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator, -1)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      if (!Files.exists(p)) {
        throw CliException.usage(
            option
                + ": class path entry "
                + entry
                + " does not exist; give the host's jar or classes directory");
      }
      try {
        urls.add(p.toUri().toURL());
      } catch (MalformedURLException e) {
        throw CliException.usage(
            option + ": class path entry " + entry + " is not a file: " + e.getMessage());
      }
    }
    ClassLoader parent = Workflows.class.getClassLoader();
    return new Workflows(new URLClassLoader(urls.toArray(URL[]::new), parent), classpath);
  }

  /**
   * @return every provided workflow
   * @throws CliException when a provider fails to load or two provide the same workflow
   */
  Map<WorkflowRef, Workflow> all() {
    if (all != null) {
      return all;
    }
    Map<WorkflowRef, Workflow> found = new LinkedHashMap<>();
    Map<WorkflowRef, String> owner = new LinkedHashMap<>();
    for (ServiceLoader.Provider<WorkflowProvider> handle :
        ServiceLoader.load(WorkflowProvider.class, loader).stream().toList()) {
      WorkflowProvider provider;
      try {
        provider = handle.get();
      } catch (ServiceConfigurationError e) {
        throw CliException.failure(
            "workflow provider "
                + handle.type().getName()
                + " failed to load: "
                + e.getMessage()
                + "; check that --classpath holds all the host's jars");
      }
      String name = handle.type().getName() + " (" + where(handle.type()) + ")";
      for (Map.Entry<WorkflowRef, Workflow> e : provider.workflows().entrySet()) {
        String other = owner.putIfAbsent(e.getKey(), name);
        if (other != null) {
          throw CliException.failure(
              "two workflow providers define "
                  + e.getKey()
                  + ": "
                  + other
                  + " and "
                  + name
                  + "; remove one from the class path");
        }
        found.put(e.getKey(), e.getValue());
      }
    }
    all = Map.copyOf(found);
    return all;
  }

  /**
   * @return the class loader over the class path (with the tool's classes as parent)
   */
  ClassLoader loader() {
    return loader;
  }

  /**
   * @return where workflows were looked for, for messages
   */
  String describe() {
    return classpath.isBlank()
        ? "no --classpath (or RUNS_CLASSPATH) given"
        : "class path " + classpath;
  }

  private static String where(Class<?> type) {
    var source = type.getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null
        ? "unknown location"
        : source.getLocation().getPath();
  }

  @Override
  public void close() {
    try {
      loader.close();
    } catch (IOException e) {
      // nothing is left to release that matters to a finished command
    }
  }
}
