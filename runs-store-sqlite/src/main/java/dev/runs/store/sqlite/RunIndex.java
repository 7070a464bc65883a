package dev.runs.store.sqlite;

import dev.runs.CreateResult;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code runs} table as an index of runs: creating a run (its row and, through the {@link
 * EventLog}, its first event), finding it by id or trigger, its entry (record, cached status and
 * head) and listings. The head columns that appends move are the event log's.
 *
 * <p>Thread safety: safe for use by any thread; creates are write transactions of the {@link
 * WriteConnection} and use its statements prepared here only inside them; lookups borrow a {@link
 * ReadPool} connection.
 */
final class RunIndex {
  private final SqliteSettings settings;
  private final WriteConnection writes;
  private final ReadPool readers;
  private final EventLog events;

  // write statements, used inside writes.write only
  private final PreparedStatement insertRun;
  private final PreparedStatement selectRecordByTrigger;
  private final PreparedStatement selectTriggerById;

  /**
   * @param settings the store, for messages
   * @param writes the write connection, on which the create statements are prepared
   * @param readers the read connections
   * @param events the event log, which stores a new run's first event
   * @throws SQLException when a statement cannot be prepared
   */
  RunIndex(SqliteSettings settings, WriteConnection writes, ReadPool readers, EventLog events)
      throws SQLException {
    this.settings = settings;
    this.writes = writes;
    this.readers = readers;
    this.events = events;
    insertRun =
        writes.prepare(
            "INSERT INTO runs (id, namespace, thread_key, trigger_id, recommendation_id,"
                + " created_at, record_json, last_seq, status, updated_at, created_change,"
                + " change_seq, last_hash) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)");
    selectRecordByTrigger = writes.prepare("SELECT record_json FROM runs WHERE trigger_id = ?");
    selectTriggerById = writes.prepare("SELECT trigger_id FROM runs WHERE id = ?");
  }

  /**
   * Creates a run in one write transaction: its row and its first event, unless its trigger id
   * already made a run (returned, nothing written).
   *
   * @param record the record
   * @param createdEvent the {@code run.created} event, sequence 1
   * @return the stored record and whether it was created
   * @throws RunAlreadyExistsException when the run id is taken by another trigger
   */
  CreateResult create(RunRecord record, RunEvent createdEvent) {
    return writes.write(
        "creating run " + record.id(),
        tx -> {
          selectRecordByTrigger.setString(1, record.trigger().triggerId());
          try (ResultSet rs = selectRecordByTrigger.executeQuery()) {
            if (rs.next()) {
              tx.rollbackOnly();
              return new CreateResult(
                  decodeRecord(recordText(rs), "trigger " + record.trigger().triggerId()), false);
            }
          }
          selectTriggerById.setString(1, record.id().value());
          try (ResultSet rs = selectTriggerById.executeQuery()) {
            if (rs.next()) {
              throw new RunAlreadyExistsException(record.id(), rs.getString(1));
            }
          }
          long change = tx.change();
          insertRun.setString(1, record.id().value());
          insertRun.setString(2, record.namespace());
          Sql.setNullable(insertRun, 3, record.threadKey().orElse(null));
          insertRun.setString(4, record.trigger().triggerId());
          Sql.setNullable(
              insertRun, 5, record.recommendation().map(r -> r.recommendationId()).orElse(null));
          insertRun.setLong(6, Sql.micros(record.createdAt()));
          insertRun.setString(7, record.toJson());
          insertRun.setString(8, RunStatus.CREATED.wireName());
          insertRun.setLong(9, Sql.micros(createdEvent.time()));
          insertRun.setLong(10, change);
          insertRun.setLong(11, change);
          Sql.setNullable(insertRun, 12, createdEvent.hash().orElse(null));
          insertRun.executeUpdate();
          events.insert(createdEvent);
          return new CreateResult(record, true);
        });
  }

  /** Reads the record column of a {@code runs} row strictly (see {@link Sql#strictText}). */
  private String recordText(ResultSet rs) throws SQLException {
    return Objects.requireNonNull(
        Sql.strictText(rs, 1, "table runs", settings.description()), "record is NOT NULL");
  }

  private RunRecord decodeRecord(String json, String which) {
    try {
      return RunRecord.fromJson(json);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          "sqlite store '"
              + settings.description()
              + "', table runs ("
              + which
              + "): the stored record cannot be decoded: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * @param id a run id
   * @return its record
   */
  Optional<RunRecord> find(RunId id) {
    return readers.read(
        "reading run " + id,
        r -> {
          PreparedStatement p = r.prepare("SELECT record_json FROM runs WHERE id = ?");
          p.setString(1, id.value());
          try (ResultSet rs = p.executeQuery()) {
            return rs.next()
                ? Optional.of(decodeRecord(recordText(rs), "run " + id))
                : Optional.empty();
          }
        });
  }

  /**
   * @param triggerId a trigger id
   * @return the record of the run it created
   */
  Optional<RunRecord> findByTrigger(String triggerId) {
    return readers.read(
        "finding the run of trigger " + triggerId,
        r -> {
          PreparedStatement p = r.prepare("SELECT record_json FROM runs WHERE trigger_id = ?");
          p.setString(1, triggerId);
          try (ResultSet rs = p.executeQuery()) {
            return rs.next()
                ? Optional.of(decodeRecord(recordText(rs), "trigger " + triggerId))
                : Optional.empty();
          }
        });
  }

  /**
   * @param id a run id
   * @return its record and head
   */
  Optional<RunEntry> entry(RunId id) {
    return readers.read(
        "reading run " + id,
        r -> {
          PreparedStatement p =
              r.prepare("SELECT record_json, status, last_seq, updated_at FROM runs WHERE id = ?");
          p.setString(1, id.value());
          try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? Optional.of(toEntry(rs)) : Optional.empty();
          }
        });
  }

  private RunEntry toEntry(ResultSet rs) throws SQLException {
    RunRecord record = decodeRecord(recordText(rs), "a run");
    String status = rs.getString(2);
    RunStatus s;
    try {
      s = RunStatus.fromWireName(status);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          "sqlite store '"
              + settings.description()
              + "', table runs (run "
              + record.id()
              + "): unknown cached status '"
              + status
              + "'",
          e);
    }
    return new RunEntry(
        record, s, Sql.lastSequence(rs, 3, settings, record.id()), Sql.instant(rs.getLong(4)));
  }

  /**
   * Lists runs newest first after the query's cursor, with the SQL of {@link ListQuery}.
   *
   * @param query the query
   * @return up to {@code query.limit()} entries, and a cursor when more match
   */
  RunPage list(RunQuery query) {
    ListQuery q = ListQuery.of(query);
    return readers.read(
        "listing runs",
        r -> {
          List<RunEntry> entries = new ArrayList<>();
          try (PreparedStatement p = r.connection.prepareStatement(q.sql())) {
            q.bind(p);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                entries.add(toEntry(rs));
              }
            }
          }
          return query.page(entries);
        });
  }

  /**
   * @param id a run id
   * @return whether the run exists
   */
  boolean exists(RunId id) {
    return readers.read(
        "reading run " + id,
        r -> {
          PreparedStatement p = r.prepare("SELECT 1 FROM runs WHERE id = ?");
          p.setString(1, id.value());
          try (ResultSet rs = p.executeQuery()) {
            return rs.next();
          }
        });
  }
}
