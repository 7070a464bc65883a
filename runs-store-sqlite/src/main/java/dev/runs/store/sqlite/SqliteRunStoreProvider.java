package dev.runs.store.sqlite;

import dev.runs.RunStore;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;

/**
 * The {@code sqlite:} store: every run in one SQLite database file, in WAL mode, with concurrent
 * appends gathered into group commits. The embedded default.
 *
 * <p>URIs: {@code sqlite:runs.db} (relative to the working directory), {@code
 * sqlite:/abs/path/runs.db} or {@code sqlite:///abs/path/runs.db}, with optional parameters:
 *
 * <ul>
 *   <li>{@code durability=full} (default) or {@code normal}: SQLite's {@code synchronous} level.
 *       {@code full} syncs the write-ahead log at every commit, so an acknowledged append survives
 *       a power loss; {@code normal} syncs only at checkpoints, which is faster, and a power loss
 *       (not a process crash) may drop the last acknowledged appends, though it never corrupts the
 *       database.
 *   <li>{@code busy_timeout_ms} (default 10000): how long a write waits for another process that
 *       holds the database's write lock before failing with {@link dev.runs.StoreIoException}. An
 *       import of a whole run holds that lock until the run is stored.
 *   <li>{@code poll_ms} (default 200): how often the store looks for commits made by other
 *       processes, to tell {@link RunStore#watch watchers} and speed up subscriptions.
 * </ul>
 *
 * <p>The directory must exist and be writable; an existing file must be a SQLite database written
 * by this or an older version of Runs. Otherwise {@code open} throws {@link
 * dev.runs.StoreConfigurationException} and changes nothing. Several processes may open the same
 * file (on a local file system) and append concurrently.
 */
public final class SqliteRunStoreProvider implements RunStoreProvider {
  /** Creates the provider; no work happens here. */
  public SqliteRunStoreProvider() {}

  @Override
  public String scheme() {
    return "sqlite";
  }

  @Override
  public RunStore open(StoreLocation location) {
    return RunStoreFactory.open(location, l -> SqliteEngine.open(SqliteSettings.from(l)));
  }
}
