package dev.runs.store.sqlite;

import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Small helpers: time columns and turning driver errors into the store's exceptions. */
final class Sql {
  // SQLite's primary result codes used here

  /** The database file is locked by another connection. */
  static final int SQLITE_BUSY = 5;

  /** A table is locked by another statement of the same connection. */
  static final int SQLITE_LOCKED = 6;

  /** A write was attempted on a read-only database. */
  static final int SQLITE_READONLY = 8;

  /** The operating system reported an I/O error. */
  static final int SQLITE_IOERR = 10;

  /** The database file is damaged. */
  static final int SQLITE_CORRUPT = 11;

  /** The disk is full. */
  static final int SQLITE_FULL = 13;

  /** The database file cannot be opened. */
  static final int SQLITE_CANTOPEN = 14;

  /** The file is not a database. */
  static final int SQLITE_NOTADB = 26;

  private Sql() {}

  /**
   * @param t an instant
   * @return microseconds since the epoch, the unit of every time column
   */
  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  /**
   * @param micros microseconds since the epoch
   * @return the instant
   */
  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  /**
   * Runs one statement without a result.
   *
   * @param c the connection
   * @param sql the statement
   * @throws SQLException when it fails
   */
  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Binds a text parameter that may be absent.
   *
   * @param p the statement
   * @param i the parameter index
   * @param value the text, or null for SQL NULL
   * @throws SQLException when binding fails
   */
  static void setNullable(PreparedStatement p, int i, @Nullable String value) throws SQLException {
    if (value == null) {
      p.setNull(i, Types.VARCHAR);
    } else {
      p.setString(i, value);
    }
  }

  /**
   * Closes a connection on a path that is already failing, ignoring a second error.
   *
   * @param c the connection, or null when none was opened
   */
  static void closeQuietly(@Nullable Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already failing
      }
    }
  }

  /**
   * @param e a driver error
   * @return SQLite's primary result code of the error
   */
  static int code(SQLException e) {
    return e.getErrorCode() & 0xff;
  }

  /**
   * Translates a driver error.
   *
   * @param settings the store
   * @param what what was attempted, e.g. {@code "append to 3 runs"}
   * @param e the driver error
   * @return the exception to throw
   */
  static StoreIoException translate(SqliteSettings settings, String what, SQLException e) {
    String prefix = "sqlite store '" + settings.description() + "': " + what + " failed: ";
    return switch (code(e)) {
      case SQLITE_BUSY, SQLITE_LOCKED ->
          new StoreIoException(
              prefix
                  + "the database stayed locked by another connection for"
                  + " more than busy_timeout_ms="
                  + settings.busyTimeoutMillis()
                  + "; another process holds"
                  + " a long write transaction, or raise busy_timeout_ms ("
                  + e.getMessage()
                  + ")",
              e);
      case SQLITE_CORRUPT, SQLITE_NOTADB ->
          new StoreCorruptedException(
              prefix
                  + "the database file "
                  + settings.file()
                  + " is damaged ("
                  + e.getMessage()
                  + "); restore it from a backup or check it with"
                  + " sqlite3 '"
                  + settings.file()
                  + "' 'PRAGMA integrity_check'",
              e);
      case SQLITE_FULL ->
          new StoreIoException(
              prefix + "the disk holding " + settings.file() + " is full (" + e.getMessage() + ")",
              e);
      case SQLITE_READONLY ->
          new StoreIoException(
              prefix
                  + "the database "
                  + settings.file()
                  + " became read-only ("
                  + e.getMessage()
                  + ")",
              e);
      default -> new StoreIoException(prefix + e.getMessage(), e);
    };
  }
}
