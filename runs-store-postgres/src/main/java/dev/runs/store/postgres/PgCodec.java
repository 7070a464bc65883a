package dev.runs.store.postgres;

import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.RunHead;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Conversions between stored columns and values: times as {@code timestamptz}, statuses by wire
 * name, and records and events from their JSON text, where text that does not decode is reported as
 * a {@link StoreCorruptedException} naming the store and the run.
 *
 * <p>Stateless and thread-safe.
 */
final class PgCodec {
  private PgCodec() {}

  /**
   * @param t an instant
   * @return it as a {@code timestamptz} parameter
   */
  static OffsetDateTime ts(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  /**
   * @param rs a result set on a row
   * @param column a {@code timestamptz} column, not null
   * @return its value
   * @throws SQLException when the column cannot be read
   */
  static Instant instant(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  /**
   * Reads a head from five columns of a row: {@code last_seq, status, updated_at, last_hash, stub
   * IS NOT NULL}, in that order.
   *
   * @param rs a result set on a row
   * @param first the column of {@code last_seq}
   * @return the head, marked archived for a stub
   * @throws SQLException when a column cannot be read
   * @throws StoreCorruptedException when the status is no status's name
   */
  static RunHead head(ResultSet rs, int first) throws SQLException {
    return new RunHead(
        rs.getLong(first),
        status(rs.getString(first + 1)),
        instant(rs, first + 2),
        Optional.ofNullable(rs.getString(first + 3)),
        rs.getBoolean(first + 4));
  }

  /**
   * @param wire a stored status
   * @return the status
   * @throws StoreCorruptedException when it is no status's name: the stored row was damaged
   */
  static RunStatus status(String wire) {
    try {
      return RunStatus.fromWireName(wire);
    } catch (ValidationException e) {
      throw new StoreCorruptedException("a run's stored status '" + wire + "' is no status", e);
    }
  }

  /**
   * @param where the redacted location, for messages
   * @param id the run
   * @param json its stored record
   * @return the record
   * @throws StoreCorruptedException when the text does not decode
   */
  static RunRecord decodeRecord(String where, RunId id, String json) {
    try {
      return RunRecord.fromJson(json);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          where + ": the record of run " + id + " does not decode (" + e.getMessage() + ")", e);
    }
  }

  /**
   * @param where the redacted location, for messages
   * @param runId the run
   * @param utf8 a stored event's text as the driver received it (UTF-8, the connection's encoding),
   *     decoded without making a string of the whole envelope first
   * @return the event
   * @throws StoreCorruptedException when the text does not decode
   */
  static RunEvent decodeEvent(String where, String runId, byte[] utf8) {
    try {
      return EventCodec.decode(utf8);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          where + ": an event of run " + runId + " does not decode (" + e.getMessage() + ")", e);
    }
  }
}
