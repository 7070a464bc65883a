package dev.runs.store.sqlite;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code events} table and the head columns of {@code runs} that appends move: group commits
 * ({@link #commit}) and paged reads ({@link #read}). A group commit is one write transaction for
 * all its runs; heads and idempotency keys are read inside it, so the plan is correct even when
 * another process appended in between.
 *
 * <p>Thread safety: safe for use by any thread; commits are write transactions of the {@link
 * WriteConnection} and use its statements prepared here only inside them; reads borrow a {@link
 * ReadPool} connection per page.
 */
final class EventLog {
  private final SqliteSettings settings;
  private final WriteConnection writes;
  private final ReadPool readers;

  // write statements, used inside writes.write only
  private final PreparedStatement selectHead;
  private final PreparedStatement selectByKey;
  private final PreparedStatement insertEvent;
  private final PreparedStatement updateHead;
  private final PreparedStatement updateHeadAndStatus;

  /**
   * @param settings the store, for messages
   * @param writes the write connection, on which the append statements are prepared
   * @param readers the read connections
   * @throws SQLException when a statement cannot be prepared
   */
  EventLog(SqliteSettings settings, WriteConnection writes, ReadPool readers) throws SQLException {
    this.settings = settings;
    this.writes = writes;
    this.readers = readers;
    selectHead = writes.prepare(SELECT_HEAD);
    selectByKey = writes.prepare("SELECT envelope FROM events WHERE run_id = ? AND idem_key = ?");
    insertEvent = writes.prepare(INSERT_SQL);
    updateHead =
        writes.prepare(
            "UPDATE runs SET last_seq = ?, updated_at = ?, change_seq = ?, last_hash = ? WHERE id"
                + " = ?");
    updateHeadAndStatus =
        writes.prepare(
            "UPDATE runs SET last_seq = ?, updated_at = ?, change_seq = ?, last_hash = ?, status ="
                + " ? WHERE id = ?");
  }

  /**
   * Makes the batches durable in one write transaction (see {@link RunBatch}): each run's head and
   * known idempotency keys are read inside it, the planned events inserted and the heads updated;
   * when nothing is to be written the transaction is rolled back.
   *
   * @param batches one per run
   */
  void commit(List<RunBatch> batches) {
    writes.write(
        what(batches),
        tx -> {
          boolean wrote = false;
          for (RunBatch b : batches) {
            Optional<RunHead> head = loadHead(b.runId());
            Map<String, RunEvent> known = head.isPresent() ? loadKnown(b) : Map.of();
            List<RunEvent> toWrite = b.plan(head, known);
            if (toWrite.isEmpty()) {
              continue;
            }
            long expected = head.orElseThrow().lastSequence();
            for (RunEvent e : toWrite) {
              if (e.sequence() != ++expected) {
                throw new IllegalStateException(
                    "planner produced sequence "
                        + e.sequence()
                        + " for run "
                        + b.runId()
                        + " where "
                        + expected
                        + " was next");
              }
              // the envelope the batch made while planning, not a second encoding
              bind(insertEvent, e, new String(b.envelope(e), StandardCharsets.UTF_8));
              insertEvent.addBatch();
            }
            RunHead after = b.headAfter();
            long change = tx.change();
            if (after.status() == head.get().status()) {
              updateHead.setLong(1, after.lastSequence());
              updateHead.setLong(2, Sql.micros(after.updatedAt()));
              updateHead.setLong(3, change);
              Sql.setNullable(updateHead, 4, after.lastHash().orElse(null));
              updateHead.setString(5, b.runId().value());
              updateHead.addBatch();
            } else {
              updateHeadAndStatus.setLong(1, after.lastSequence());
              updateHeadAndStatus.setLong(2, Sql.micros(after.updatedAt()));
              updateHeadAndStatus.setLong(3, change);
              Sql.setNullable(updateHeadAndStatus, 4, after.lastHash().orElse(null));
              updateHeadAndStatus.setString(5, after.status().wireName());
              updateHeadAndStatus.setString(6, b.runId().value());
              updateHeadAndStatus.addBatch();
            }
            wrote = true;
          }
          if (wrote) {
            try {
              insertEvents(batches);
              updateHead.executeBatch();
              updateHeadAndStatus.executeBatch();
            } finally {
              insertEvent.clearBatch();
              updateHead.clearBatch();
              updateHeadAndStatus.clearBatch();
            }
          } else {
            tx.rollbackOnly(); // every append was refused or already known: nothing to make durable
          }
          return wrote; // unused: work has a result, and null is not one
        });
  }

  private static String what(List<RunBatch> batches) {
    return "committing appends to " + batches.size() + " run" + (batches.size() == 1 ? "" : "s");
  }

  /**
   * Inserts the batched events. This connection is the database's only writer and read each run's
   * head and keys in this transaction, so a row that clashes with a stored one means a run's cached
   * head is behind its log: the runs table was damaged.
   */
  private void insertEvents(List<RunBatch> batches) throws SQLException {
    try {
      insertEvent.executeBatch();
    } catch (SQLException e) {
      if (Sql.code(e) != Sql.SQLITE_CONSTRAINT) {
        throw e;
      }
      StringBuilder runs = new StringBuilder();
      for (RunBatch b : batches) {
        runs.append(runs.length() == 0 ? "" : ", ").append(b.runId());
      }
      throw new StoreCorruptedException(
          "sqlite store '"
              + settings.description()
              + "': "
              + what(batches)
              + " failed: an event for "
              + runs
              + " clashed with a stored one ("
              + e.getMessage()
              + "): the store holds an event its run's cached head in table runs is behind",
          e);
    }
  }

  private static final String SELECT_HEAD =
      "SELECT last_seq, status, updated_at, last_hash, stub IS NOT NULL FROM runs WHERE id = ?";

  private Optional<RunHead> loadHead(RunId id) throws SQLException {
    selectHead.setString(1, id.value());
    return toHead(selectHead, id);
  }

  /**
   * See {@link dev.runs.spi.StorageEngine#head}: the head row as the next write would read it.
   *
   * @param id a run id
   * @return its head, or empty when the run does not exist
   */
  Optional<RunHead> head(RunId id) {
    return readers.read(
        "reading the head of run " + id,
        r -> {
          PreparedStatement p = r.prepare(SELECT_HEAD);
          p.setString(1, id.value());
          return toHead(p, id);
        });
  }

  /** Runs {@link #SELECT_HEAD}, bound to the run, and reads its row. */
  private Optional<RunHead> toHead(PreparedStatement select, RunId id) throws SQLException {
    try (ResultSet rs = select.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      RunStatus status;
      try {
        status = RunStatus.fromWireName(rs.getString(2));
      } catch (ValidationException e) {
        throw new StoreCorruptedException(
            "sqlite store '"
                + settings.description()
                + "', table runs (run "
                + id
                + "): unknown cached status '"
                + rs.getString(2)
                + "'",
            e);
      }
      // an archive stub's head is marked, so the planner refuses appends to it
      return Optional.of(
          new RunHead(
              Sql.lastSequence(rs, 1, settings, id),
              status,
              Sql.instant(rs.getLong(3)),
              Optional.ofNullable(rs.getString(4)),
              rs.getBoolean(5)));
    }
  }

  private Map<String, RunEvent> loadKnown(RunBatch b) throws SQLException {
    Set<String> keys = b.idempotencyKeys();
    if (keys.isEmpty()) {
      return Map.of();
    }
    Map<String, RunEvent> known = new HashMap<>();
    selectByKey.setString(1, b.runId().value());
    for (String key : keys) {
      selectByKey.setString(2, key);
      try (ResultSet rs = selectByKey.executeQuery()) {
        if (rs.next()) {
          String json =
              Objects.requireNonNull(
                  Sql.strictText(
                      rs, 1, "table events (run " + b.runId() + ")", settings.description()),
                  "envelope is NOT NULL");
          known.put(key, decodeEvent(json, b.runId()));
        }
      }
    }
    return known;
  }

  private RunEvent decodeEvent(String json, RunId runId) {
    try {
      return EventCodec.decode(json);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          "sqlite store '"
              + settings.description()
              + "', table events (run "
              + runId
              + "): a stored envelope cannot be decoded: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Inserts one event row; inside a write transaction only (a run's first event, with its run row).
   *
   * @param e the event
   * @throws SQLException when the insert fails
   */
  void insert(RunEvent e) throws SQLException {
    bind(insertEvent, e, EventCodec.encode(e));
    insertEvent.executeUpdate();
  }

  /** The insert of one event row, with the parameters {@link #bind} sets. */
  static final String INSERT_SQL =
      "INSERT INTO events (run_id, seq, event_id, type, idem_key, envelope) VALUES (?, ?, ?, ?, ?,"
          + " ?)";

  /**
   * Binds one event row to a statement prepared from {@link #INSERT_SQL}: the one place that
   * decides what an event's row holds, for appends and imports alike.
   *
   * @param p the statement
   * @param e the event
   * @param envelope its envelope, {@link EventCodec#encode} of {@code e}
   * @throws SQLException when binding fails
   */
  static void bind(PreparedStatement p, RunEvent e, String envelope) throws SQLException {
    p.setString(1, e.runId().value());
    p.setLong(2, e.sequence());
    p.setString(3, e.eventId().value());
    p.setString(4, e.type().name());
    Sql.setNullable(p, 5, e.idempotencyKey().orElse(null));
    p.setString(6, envelope);
  }

  private static final String PAGE_SQL =
      "SELECT seq, envelope FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";

  /**
   * Opens a lazy reader of a run's events after a sequence ({@link PagedEventStream}).
   *
   * @param id the run
   * @param afterSequence 0 for all
   * @param runExists asked only when no event follows {@code afterSequence}
   * @return the events in order
   * @throws RunNotFoundException when the run does not exist
   */
  EventStream read(RunId id, long afterSequence, Predicate<RunId> runExists) {
    PagedEventStream stream = new PagedEventStream(this::fetchRawPage, id, afterSequence);
    if (!stream.prefetch() && !runExists.test(id)) {
      throw new RunNotFoundException(id);
    }
    return stream;
  }

  /**
   * Opens a lazy reader of a run's stored envelopes after a sequence, undecoded ({@link
   * PagedEnvelopeStream}).
   *
   * @param id the run
   * @param afterSequence 0 for all
   * @param runExists asked only when no event follows {@code afterSequence}
   * @return the envelopes in order
   * @throws RunNotFoundException when the run does not exist
   */
  EnvelopeStream readEnvelopes(RunId id, long afterSequence, Predicate<RunId> runExists) {
    PagedEnvelopeStream stream = new PagedEnvelopeStream(this::fetchRawPage, id, afterSequence);
    if (!stream.prefetch() && !runExists.test(id)) {
      throw new RunNotFoundException(id);
    }
    return stream;
  }

  private void fetchRawPage(
      RunId id, long after, int limit, List<Long> seqs, List<byte[]> envelopes) {
    readers.read(
        "reading events of run " + id,
        r -> {
          PreparedStatement p = r.prepare(PAGE_SQL);
          p.setString(1, id.value());
          p.setLong(2, after);
          p.setInt(3, limit);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              seqs.add(rs.getLong(1));
              envelopes.add(Objects.requireNonNull(rs.getBytes(2), "envelope is NOT NULL"));
            }
          }
          return seqs.size(); // unused: the page is in the lists
        });
  }
}
