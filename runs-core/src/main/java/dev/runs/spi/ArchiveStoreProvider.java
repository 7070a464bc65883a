package dev.runs.spi;

import dev.runs.ArchiveStore;
import java.net.URI;

/**
 * Opens archives of one URI scheme; found by {@link java.util.ServiceLoader} through a {@code
 * META-INF/services/dev.runs.spi.ArchiveStoreProvider} file, like {@link RunStoreProvider}.
 * Stateless, with a public no-argument constructor.
 */
public interface ArchiveStoreProvider {
  /**
   * @return the URI scheme, e.g. {@code dir} or {@code s3}
   */
  String scheme();

  /**
   * Opens an archive. Heavy work (clients, connections) happens here.
   *
   * @param location the archive URI, of this provider's scheme
   * @return the open archive; the caller closes it
   * @throws dev.runs.StoreConfigurationException when the URI is malformed
   * @throws dev.runs.ArchiveUnavailableException when the archive cannot be reached
   */
  ArchiveStore open(URI location);
}
