package dev.runs.store.sqlite;

import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.StageManifest;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Runs that move in and out of the database: a whole run imported as it was written elsewhere
 * ({@link #importRun}, also the restore of an archive stub), a run replaced by an archive stub
 * ({@link #stubRun}), and a run deleted ({@link #delete}). Each is one write transaction of the
 * {@link WriteConnection}, so it is all or nothing, in this process and in others, and a process
 * killed half way leaves the run as it was: SQLite rolls the unfinished transaction back when the
 * database is next opened.
 *
 * <p><b>Import holds the write lock for its whole duration.</b> It is a single transaction, so the
 * run becomes visible at once when it commits, and it is the store's fastest bulk path: the events
 * are inserted through one prepared statement in batches of at most {@link #BATCH_ROWS} rows or
 * {@link #BATCH_CHARS} envelope characters (one native call per batch), read lazily from {@link
 * ImportedRun#events()}, so memory stays bounded whatever the run's length; SQLite spills the
 * transaction's pages to the write-ahead log, which grows by about the size of the imported rows
 * until the next checkpoint. Meanwhile appends, creates and stage writes of this store wait for the
 * lock, and writers in other processes wait up to {@code busy_timeout_ms} and then fail with {@link
 * dev.runs.StoreIoException}: import very long runs when writers are idle, or raise {@code
 * busy_timeout_ms} for them. Readers are never blocked.
 *
 * <p>Deleting and stubbing are conditional on the run's last sequence, read inside the transaction,
 * so an append racing them is either before (and they refuse) or after (and finds the run gone or
 * archived). A delete also raises {@code change_floor} to the deleted run's change number, so the
 * numbers the {@link ChangeWatcher}s of other processes rely on keep growing.
 *
 * <p>Thread safety: safe for use by any thread; the statement prepared here is used only inside
 * write transactions.
 */
final class RunMoves {
  /** Most event rows in one batch of an import. */
  static final int BATCH_ROWS = 1024;

  /** Most envelope characters in one batch of an import, so huge events keep batches small. */
  static final long BATCH_CHARS = 8L << 20;

  private final SqliteSettings settings;
  private final WriteConnection writes;
  private final ReadPool readers;

  // used inside writes.write only
  private final PreparedStatement insertEvent;

  /**
   * @param settings the store, for messages
   * @param writes the write connection, on which the event insert is prepared
   * @param readers the read connections
   * @throws SQLException when a statement cannot be prepared
   */
  RunMoves(SqliteSettings settings, WriteConnection writes, ReadPool readers) throws SQLException {
    this.settings = settings;
    this.writes = writes;
    this.readers = readers;
    insertEvent = writes.prepare(EventLog.INSERT_SQL);
  }

  // ---- import -----------------------------------------------------------------------------------

  /**
   * Stores a whole run in one write transaction: its row (or, for a restore, the stub's row made
   * whole again), every event as given, every stage attempt as given. Nothing is visible before the
   * commit; any failure, including one thrown by the run's event stream or file reader, rolls all
   * of it back.
   *
   * @param run the run
   * @throws RunAlreadyExistsException when the id or the trigger id is taken (and this is not the
   *     restore of a stub)
   * @throws RunNotFoundException when a restore finds no run to restore
   * @throws IllegalArgumentException when the run contradicts itself (events of another run, a gap,
   *     a head that is not the last event, a stage of another run, a file of another size)
   * @throws IllegalStateException when a restore's head is not the stub's head
   */
  void importRun(ImportedRun run) {
    RunRecord record = run.record();
    RunHead head = run.head();
    List<StageManifest> stages = run.stages();
    boolean restore = run.replacesStub();
    RunId id = record.id();
    for (StageManifest m : stages) {
      if (!m.runId().equals(id)) {
        throw new IllegalArgumentException(
            "importing run " + id + ": stage " + m.stageKey() + " belongs to run " + m.runId());
      }
    }
    writes.write(
        (restore ? "restoring archived run " : "importing run ") + id,
        tx -> {
          if (restore) {
            unstub(tx.connection(), record, head);
          } else {
            insertRun(tx.connection(), record, head, tx.change());
          }
          long events = insertEvents(run, id, head);
          insertStages(tx.connection(), run, stages);
          return events; // unused: the work has a result
        });
  }

  private static void insertRun(Connection c, RunRecord record, RunHead head, long change)
      throws SQLException {
    RunId id = record.id();
    String trigger = record.trigger().triggerId();
    try (PreparedStatement p = c.prepareStatement("SELECT trigger_id FROM runs WHERE id = ?")) {
      p.setString(1, id.value());
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next()) {
          throw new RunAlreadyExistsException(id, String.valueOf(rs.getString(1)));
        }
      }
    }
    try (PreparedStatement p = c.prepareStatement("SELECT id FROM runs WHERE trigger_id = ?")) {
      p.setString(1, trigger);
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next()) {
          throw new RunAlreadyExistsException(RunId.of(rs.getString(1)), trigger);
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO runs (id, namespace, thread_key, trigger_id, recommendation_id,"
                + " created_at, record_json, last_seq, status, updated_at, created_change,"
                + " change_seq, last_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      p.setString(1, id.value());
      p.setString(2, record.namespace());
      Sql.setNullable(p, 3, record.threadKey().orElse(null));
      p.setString(4, trigger);
      Sql.setNullable(p, 5, record.recommendation().map(r -> r.recommendationId()).orElse(null));
      p.setLong(6, Sql.micros(record.createdAt()));
      p.setString(7, record.toJson());
      p.setLong(8, head.lastSequence());
      p.setString(9, head.status().wireName());
      p.setLong(10, Sql.micros(head.updatedAt()));
      p.setLong(11, change);
      p.setLong(12, change);
      Sql.setNullable(p, 13, head.lastHash().orElse(null));
      p.executeUpdate();
    }
  }

  /** Makes a stub's row whole again: the stub removed, the head as imported (the stub's head). */
  private static void unstub(Connection c, RunRecord record, RunHead head) throws SQLException {
    RunId id = record.id();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT stub IS NOT NULL, last_seq, trigger_id FROM runs WHERE id = ?")) {
      p.setString(1, id.value());
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          throw new RunNotFoundException(id);
        }
        String trigger = String.valueOf(rs.getString(3));
        if (!rs.getBoolean(1)) {
          throw new RunAlreadyExistsException(id, trigger);
        }
        if (!trigger.equals(record.trigger().triggerId())) {
          throw new IllegalArgumentException(
              "restoring run "
                  + id
                  + ": the stored run was created by trigger "
                  + trigger
                  + ", the imported record by trigger "
                  + record.trigger().triggerId());
        }
        long stored = rs.getLong(2);
        if (stored != head.lastSequence()) {
          throw new IllegalStateException(
              "restoring run "
                  + id
                  + ": its archive stub ends at sequence "
                  + stored
                  + " but the imported run at sequence "
                  + head.lastSequence());
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE runs SET stub = NULL, last_seq = ?, status = ?, updated_at = ?,"
                + " last_hash = ? WHERE id = ?")) {
      p.setLong(1, head.lastSequence());
      p.setString(2, head.status().wireName());
      p.setLong(3, Sql.micros(head.updatedAt()));
      Sql.setNullable(p, 4, head.lastHash().orElse(null));
      p.setString(5, id.value());
      p.executeUpdate();
    }
  }

  /**
   * Inserts the events in batches, checking they are the run's, gapless from 1, and end at the
   * head.
   *
   * @return how many were inserted
   */
  private long insertEvents(ImportedRun run, RunId id, RunHead head) throws SQLException {
    long seq = 0;
    Optional<String> lastHash = Optional.empty();
    try (EncodedEventStream events = run.encodedEvents()) {
      int rows = 0;
      long chars = 0;
      try {
        while (events.hasNext()) {
          RunEvent e = events.next();
          if (!e.runId().equals(id) || e.sequence() != seq + 1) {
            throw new IllegalArgumentException(
                "importing run "
                    + id
                    + ": expected its event "
                    + (seq + 1)
                    + " but the stream gave run "
                    + e.runId()
                    + " sequence "
                    + e.sequence());
          }
          seq++;
          lastHash = e.hash();
          String envelope = new String(events.envelope(), StandardCharsets.UTF_8);
          EventLog.bind(insertEvent, e, envelope);
          insertEvent.addBatch();
          rows++;
          chars += envelope.length();
          if (rows >= BATCH_ROWS || chars >= BATCH_CHARS) {
            insertEvent.executeBatch();
            rows = 0;
            chars = 0;
          }
        }
        if (rows > 0) {
          insertEvent.executeBatch();
        }
      } finally {
        insertEvent.clearBatch();
      }
    }
    if (seq != head.lastSequence() || !lastHash.equals(head.lastHash())) {
      throw new IllegalArgumentException(
          "importing run "
              + id
              + ": the head says sequence "
              + head.lastSequence()
              + " with hash "
              + head.lastHash().orElse("(none)")
              + " but the events end at sequence "
              + seq
              + " with hash "
              + lastHash.orElse("(none)"));
    }
    return seq;
  }

  /** Inserts every stage attempt as given: its files, then its manifest row. */
  private static void insertStages(Connection c, ImportedRun run, List<StageManifest> stages)
      throws SQLException {
    if (stages.isEmpty()) {
      return;
    }
    try (PreparedStatement file =
            c.prepareStatement(
                "INSERT INTO stage_files (run_id, stage_key, attempt, path, kind, size,"
                    + " sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement manifest =
            c.prepareStatement(
                "INSERT INTO stages (run_id, stage_key, attempt, position, status,"
                    + " created_at, manifest_json) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (StageManifest m : stages) {
        for (StageManifest.Entry f : m.files()) {
          byte[] content = run.stageFile(m, f.path());
          if (content.length != f.size()) {
            throw new IllegalArgumentException(
                "importing run "
                    + m.runId()
                    + ": file "
                    + f.path()
                    + " of stage "
                    + m.stageKey()
                    + " attempt "
                    + m.attempt()
                    + " has "
                    + content.length
                    + " bytes but its manifest says "
                    + f.size());
          }
          file.setString(1, m.runId().value());
          file.setString(2, m.stageKey());
          file.setInt(3, m.attempt());
          file.setString(4, f.path());
          file.setString(5, f.kind());
          file.setLong(6, f.size());
          file.setString(7, f.sha256());
          file.setBytes(8, content);
          file.executeUpdate();
        }
        manifest.setString(1, m.runId().value());
        manifest.setString(2, m.stageKey());
        manifest.setInt(3, m.attempt());
        manifest.setInt(4, m.position());
        manifest.setString(5, m.status().wireName());
        manifest.setLong(6, Sql.micros(m.createdAt()));
        manifest.setString(7, m.toJson());
        manifest.executeUpdate();
      }
    }
  }

  // ---- stub and delete --------------------------------------------------------------------------

  /**
   * Replaces a run's events, stages and lease with an archive stub, keeping its row (record,
   * trigger, head), in one write transaction.
   *
   * @param id the run
   * @param expectedLastSequence the last sequence the core saw
   * @param stubJson the stub
   * @return false when the run's last sequence differs (nothing changed)
   * @throws RunNotFoundException when the run does not exist
   */
  boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    return writes.write(
        "archiving run " + id,
        tx -> {
          if (lastSequence(tx.connection(), id) != expectedLastSequence) {
            tx.rollbackOnly();
            return false;
          }
          try (PreparedStatement p =
              tx.connection().prepareStatement("UPDATE runs SET stub = ? WHERE id = ?")) {
            p.setString(1, stubJson);
            p.setString(2, id.value());
            p.executeUpdate();
          }
          deleteContents(tx.connection(), id);
          return true;
        });
  }

  /**
   * Removes a run's row, events, stages and lease in one write transaction.
   *
   * @param id the run
   * @param expectedLastSequence the last sequence the core saw
   * @return false when the run's last sequence differs (nothing removed)
   * @throws RunNotFoundException when the run does not exist
   */
  boolean delete(RunId id, long expectedLastSequence) {
    return writes.write(
        "deleting run " + id,
        tx -> {
          if (lastSequence(tx.connection(), id) != expectedLastSequence) {
            tx.rollbackOnly();
            return false;
          }
          deleteContents(tx.connection(), id);
          // keep change numbers growing if this run held the highest (see WriteConnection)
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "UPDATE change_floor SET change_seq = max(change_seq,"
                          + " (SELECT change_seq FROM runs WHERE id = ?)) WHERE id = 1")) {
            p.setString(1, id.value());
            p.executeUpdate();
          }
          try (PreparedStatement p =
              tx.connection().prepareStatement("DELETE FROM runs WHERE id = ?")) {
            p.setString(1, id.value());
            p.executeUpdate();
          }
          return true;
        });
  }

  /** Reads a run's last sequence inside the transaction. */
  private static long lastSequence(Connection c, RunId id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT last_seq FROM runs WHERE id = ?")) {
      p.setString(1, id.value());
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          throw new RunNotFoundException(id);
        }
        return rs.getLong(1);
      }
    }
  }

  /** Deletes what a stub drops: events (and with them idempotency keys), stages, lease. */
  private static void deleteContents(Connection c, RunId id) throws SQLException {
    for (String sql :
        List.of(
            "DELETE FROM events WHERE run_id = ?",
            "DELETE FROM stage_files WHERE run_id = ?",
            "DELETE FROM stages WHERE run_id = ?",
            "DELETE FROM leases WHERE run_id = ?")) {
      try (PreparedStatement p = c.prepareStatement(sql)) {
        p.setString(1, id.value());
        p.executeUpdate();
      }
    }
  }

  /**
   * @param id a run
   * @return its archive stub; empty for a whole or unknown run
   */
  Optional<String> stub(RunId id) {
    return readers.read(
        "reading the archive stub of run " + id,
        r -> {
          PreparedStatement p = r.prepare("SELECT stub FROM runs WHERE id = ?");
          p.setString(1, id.value());
          try (ResultSet rs = p.executeQuery()) {
            if (!rs.next()) {
              return Optional.empty();
            }
            return Optional.ofNullable(
                Sql.strictText(
                    rs, 1, "table runs (stub of run " + id + ")", settings.description()));
          }
        });
  }
}
