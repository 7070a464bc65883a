package dev.runs.store.file;

import dev.runs.RunStore;
import dev.runs.StoreConfigurationException;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;
import java.util.Set;

/**
 * The {@code file:} store: a directory tree with one NDJSON event log per run, readable with {@code
 * cat}, {@code jq} and {@code tail -f}.
 *
 * <pre>{@code
 * RunStore store = RunStores.open("file:./runs");  // relative to the working directory
 * RunStore store = RunStores.open("file:/var/lib/app/runs?durability=fsync&poll_ms=250");
 * }</pre>
 *
 * <p>URIs: {@code file:<relative path>}, {@code file:/absolute/path} or {@code
 * file:///absolute/path}. Parameters:
 *
 * <ul>
 *   <li>{@code durability} - {@code fsync} (default): an append returns once its bytes are forced
 *       to the device, and every whole-file write is forced with its directory; {@code none}: no
 *       forcing at all, for tests and scratch data (a crash of the machine may lose recent writes,
 *       a crash of the process does not).
 *   <li>{@code poll_ms} - how often, in milliseconds, the store looks for events other processes
 *       appended to runs it has loaded, to tell watchers (default 250; 0 turns it off; at most
 *       60000).
 * </ul>
 *
 * Unknown parameters are refused. The directory is created if missing; an existing directory must
 * be empty or a file store. Several processes may open one directory at once: appends, leases and
 * run creation are coordinated with lock files. What a process killed while writing a stage leaves
 * (an attempt without manifest, partial temporary files) is removed when the run's stages are next
 * used, never while a writer of the run is alive. Imports, archive stubs and deletions each commit
 * with one rename, so after a crash a run is whole, a stub or absent. See {@code
 * docs/stores/file.md} for the layout and the crash-recovery rules.
 */
public final class FileRunStoreProvider implements RunStoreProvider {
  /** The parameters a {@code file:} URI accepts. */
  private static final Set<String> PARAMETERS = Set.of("durability", "poll_ms");

  /** Creates the provider; no work happens here. */
  public FileRunStoreProvider() {}

  @Override
  public String scheme() {
    return "file";
  }

  /**
   * Opens the store at the location's path.
   *
   * @param location a {@code file:} location
   * @return the store
   * @throws StoreConfigurationException for another scheme, an unknown or malformed parameter, or a
   *     directory that is neither empty nor a file store (nothing is modified)
   * @throws dev.runs.StoreIoException when the directory cannot be initialized
   */
  @Override
  public RunStore open(StoreLocation location) {
    return RunStoreFactory.open(location, l -> openEngine(l, ChannelOpener.DEFAULT));
  }

  static FileEngine openEngine(StoreLocation location, ChannelOpener opener) {
    if (!location.scheme().equals("file")) {
      throw new StoreConfigurationException(
          "store URI '"
              + location.redacted()
              + "' is not a file: URI; the file store opens file:./dir, file:/abs/dir or"
              + " file:///abs/dir");
    }
    location.requireKnownParameters(PARAMETERS);
    boolean fsync = location.choice("durability", Set.of("fsync", "none"), "fsync").equals("fsync");
    long pollMillis = location.longParameter("poll_ms", 0, 60_000, 250);
    return FileEngine.open(location.path(), fsync, pollMillis, location.redacted(), opener);
  }
}
