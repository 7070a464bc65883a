package dev.runs.store.sqlite;

import dev.runs.StoreConfigurationException;
import dev.runs.spi.StoreLocation;
import java.nio.file.Path;
import java.util.Set;

/**
 * The parsed {@code sqlite:} URI: the database file and the parameters.
 *
 * @param file absolute, normalized path of the database file
 * @param durability {@code full} or {@code normal}
 * @param busyTimeoutMillis how long a writer waits for another connection's write lock
 * @param pollMillis how often the database is checked for commits by other processes
 * @param description the redacted URI, for messages and logs
 */
record SqliteSettings(
    Path file, Durability durability, int busyTimeoutMillis, long pollMillis, String description) {

  /** The parameters a {@code sqlite:} URI accepts. */
  static final Set<String> PARAMETERS = Set.of("durability", "busy_timeout_ms", "poll_ms");

  /** {@code busy_timeout_ms} when the URI has none. */
  static final int DEFAULT_BUSY_TIMEOUT_MILLIS = 10_000;

  /** {@code poll_ms} when the URI has none. */
  static final long DEFAULT_POLL_MILLIS = 200;

  /** The {@code durability} parameter: SQLite's {@code synchronous} setting in WAL mode. */
  enum Durability {
    /**
     * {@code synchronous=FULL}: the WAL is synced at every commit; an acknowledged event survives
     * power loss.
     */
    FULL,
    /**
     * {@code synchronous=NORMAL}: synced at checkpoints only; power loss may drop the last commits,
     * never corrupts.
     */
    NORMAL
  }

  /**
   * @param location the parsed URI
   * @return its settings
   * @throws StoreConfigurationException when a parameter is unknown or out of range, or the path
   *     names no file
   */
  static SqliteSettings from(StoreLocation location) {
    location.requireKnownParameters(PARAMETERS);
    String d = location.choice("durability", Set.of("full", "normal"), "full");
    long busy =
        location.longParameter(
            "busy_timeout_ms", 0, Integer.MAX_VALUE, DEFAULT_BUSY_TIMEOUT_MILLIS);
    long poll = location.longParameter("poll_ms", 10, 3_600_000, DEFAULT_POLL_MILLIS);
    Path path = location.path();
    if (path.getFileName() == null) {
      throw new StoreConfigurationException(
          "store URI '"
              + location.redacted()
              + "' names no database file; use for example sqlite:runs.db or"
              + " sqlite:/var/lib/app/runs.db");
    }
    Path file = path.toAbsolutePath().normalize();
    return new SqliteSettings(
        file,
        d.equals("full") ? Durability.FULL : Durability.NORMAL,
        (int) busy,
        poll,
        location.redacted());
  }
}
