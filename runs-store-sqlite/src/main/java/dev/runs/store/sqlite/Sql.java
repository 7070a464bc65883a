package dev.runs.store.sqlite;

import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.spi.Utf8;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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

  /** A constraint (a primary key, a unique index) refused a row. */
  static final int SQLITE_CONSTRAINT = 19;

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
   * Reads a TEXT column strictly: {@code getString} would decode malformed UTF-8 (written into the
   * file by another program) as U+FFFD, and the store would serve text it never stored.
   *
   * @param rs the result set, on a row
   * @param column the column
   * @param where names the row for the error, e.g. {@code "run acme/1 sequence 3"}
   * @param store names the store for the error
   * @return the text, or null for SQL NULL
   * @throws SQLException when reading fails
   * @throws StoreCorruptedException when the bytes are not well-formed UTF-8
   */
  static @Nullable String strictText(ResultSet rs, int column, String where, String store)
      throws SQLException {
    byte[] b = rs.getBytes(column);
    if (b == null) {
      return null;
    }
    String s = Utf8.decodeOrNull(b, 0, b.length);
    if (s == null) {
      int at = Utf8.firstMalformed(b, 0, b.length);
      throw new StoreCorruptedException(
          "sqlite store '"
              + store
              + "', "
              + where
              + ": the stored text is not well-formed UTF-8 (byte offset "
              + at
              + " of the value, 0x"
              + Integer.toHexString(b[at] & 0xff)
              + "); it was written by another program. Restore the database from a backup");
    }
    return s;
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
   * Reads a run's cached last sequence, which is at least 1 in any row the store wrote (every run
   * starts with its {@code run.created} event).
   *
   * @param rs positioned at a row of table {@code runs}
   * @param column the {@code last_seq} column
   * @param settings the store, for the message
   * @param runId the row's run, for the message
   * @return the sequence
   * @throws StoreCorruptedException when it is below 1: the row was damaged
   */
  static long lastSequence(ResultSet rs, int column, SqliteSettings settings, RunId runId)
      throws SQLException {
    long seq = rs.getLong(column);
    if (seq < 1) {
      throw new StoreCorruptedException(
          "sqlite store '"
              + settings.description()
              + "', table runs (run "
              + runId
              + "): cached last sequence "
              + seq
              + " is below 1");
    }
    return seq;
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
