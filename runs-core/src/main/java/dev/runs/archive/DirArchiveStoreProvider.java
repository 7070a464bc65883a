package dev.runs.archive;

import dev.runs.ArchiveStore;
import dev.runs.StoreConfigurationException;
import dev.runs.internal.archive.DirArchiveStore;
import dev.runs.spi.ArchiveStoreProvider;
import java.net.URI;
import java.nio.file.Path;

/**
 * The {@code dir:} archive: a local or mounted directory, one file per object. {@code
 * dir:/mnt/archive} is absolute, {@code dir:archive} relative to the working directory. Stateless.
 */
public final class DirArchiveStoreProvider implements ArchiveStoreProvider {
  /** For {@link java.util.ServiceLoader}. */
  public DirArchiveStoreProvider() {}

  @Override
  public String scheme() {
    return "dir";
  }

  @Override
  public ArchiveStore open(URI location) {
    String path = location.isOpaque() ? location.getSchemeSpecificPart() : location.getPath();
    if (path == null || path.isEmpty()) {
      throw new StoreConfigurationException(
          "archive URI " + location + " names no directory; use dir:/path/to/archive");
    }
    if (location.getQuery() != null && !location.isOpaque()) {
      throw new StoreConfigurationException("archive URI " + location + ": dir: takes no options");
    }
    int q = path.indexOf('?');
    if (q >= 0) {
      throw new StoreConfigurationException("archive URI " + location + ": dir: takes no options");
    }
    return new DirArchiveStore(Path.of(path), "dir:" + path);
  }
}
