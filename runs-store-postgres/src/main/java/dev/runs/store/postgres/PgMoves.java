package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.ts;

import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StageManifest;
import dev.runs.ValidationException;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs that move: imports (bundles and archive restores), deletion, archive stubs. Each operation
 * is one transaction, so it is all or nothing and durable on return, and other sessions (in this
 * instance or another) see the whole result at its commit or nothing of it; a process killed in the
 * middle leaves an open transaction that the server rolls back.
 *
 * <p><b>Import.</b> The run's row goes in first ({@code ON CONFLICT DO NOTHING}, so a taken id or
 * trigger id is found before any event is read), then every event through one {@code COPY ... FROM
 * STDIN} fed in chunks of {@value #COPY_CHUNK_CHARS} characters as the events stream in, then the
 * stage attempts with their files, flushed every {@value #FILE_BATCH_BYTES} bytes. Memory stays
 * bounded for a log of any length. On a connection that does not unwrap to the driver's own (a
 * host's pool that hides it), events go in multi-row {@code INSERT ... SELECT unnest(...)} batches
 * of {@value #INSERT_BATCH} instead. A restore ({@link ImportedRun#replacesStub()}) locks the
 * stub's row instead of inserting it and clears the stub at the end.
 *
 * <p><b>Delete and archive.</b> Both lock the run's row {@code FOR UPDATE}, which waits for
 * appends, stage writes and other moves of the run in every instance, compare the last sequence,
 * and remove the rows of the run from every table ({@code stub} is set instead of removing the
 * {@code runs} row when archiving).
 *
 * <p>Notices: an import of a new run sends {@code <id>:<last_seq>:<status>:imported}, a delete
 * {@code ...:deleted} ({@link PgChangeFeed}); archiving and restoring leave the head as it was and
 * send nothing.
 *
 * <p>Thread-safe: it holds only final fields (and a switch tests flip); each call borrows its own
 * connection.
 */
final class PgMoves {
  private static final Logger log = LoggerFactory.getLogger(PgMoves.class);

  /** Characters of COPY text gathered before they are sent. */
  static final int COPY_CHUNK_CHARS = 256 * 1024;

  /** Events per statement when COPY is not available. */
  static final int INSERT_BATCH = 2_000;

  /** Bytes of stage files gathered in one JDBC batch. */
  static final int FILE_BATCH_BYTES = 8 * 1024 * 1024;

  private final PgTx tx;
  private final String schema;
  private final PgKnownHeads heads;

  /** False makes imports use batched inserts even where COPY works (tests compare both). */
  volatile boolean copyEvents = true;

  private final String insertRun;
  private final String selectTriggerById;
  private final String selectIdByTrigger;
  private final String lockRun;
  private final String copyIn;
  private final String insertEvents;
  private final String insertStage;
  private final String insertStageFile;
  private final String restoreHead;
  private final String deleteStageFiles;
  private final String deleteStages;
  private final String deleteEvents;
  private final String deleteLease;
  private final String deleteRun;
  private final String setStub;
  private final String selectStub;

  /**
   * @param tx runs the statements
   * @param schema the validated schema name, for the notice channel
   * @param s the quoted schema name
   * @param heads the heads this instance wrote last, told about every run that moves
   */
  PgMoves(PgTx tx, String schema, String s, PgKnownHeads heads) {
    this.tx = tx;
    this.schema = schema;
    this.heads = heads;
    insertRun =
        "INSERT INTO "
            + s
            + ".runs (id, namespace, thread_key, trigger_id, recommendation_id, created_at,"
            + " record, last_seq, status, updated_at, last_hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?) ON CONFLICT DO NOTHING";
    selectTriggerById = "SELECT trigger_id FROM " + s + ".runs WHERE id = ?";
    selectIdByTrigger = "SELECT id FROM " + s + ".runs WHERE trigger_id = ?";
    lockRun =
        "SELECT last_seq, stub IS NOT NULL, trigger_id, status FROM "
            + s
            + ".runs WHERE id = ? FOR UPDATE";
    copyIn =
        "COPY "
            + s
            + ".events (run_id, seq, type, time, idem_key, body) FROM STDIN"
            + " (FORMAT text)";
    insertEvents =
        "INSERT INTO "
            + s
            + ".events (run_id, seq, type, time, idem_key, body) SELECT * FROM unnest(?::text[],"
            + " ?::int8[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])";
    insertStage =
        "INSERT INTO "
            + s
            + ".stages (run_id, stage_key, attempt, position, created_at, manifest)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    insertStageFile =
        "INSERT INTO "
            + s
            + ".stage_files (run_id, stage_key, attempt, path, content) VALUES (?, ?, ?, ?, ?)";
    restoreHead =
        "UPDATE "
            + s
            + ".runs SET stub = NULL, last_seq = ?, status = ?, updated_at = ?::timestamptz,"
            + " last_hash = ?"
            + " WHERE id = ?";
    deleteStageFiles = "DELETE FROM " + s + ".stage_files WHERE run_id = ?";
    deleteStages = "DELETE FROM " + s + ".stages WHERE run_id = ?";
    deleteEvents = "DELETE FROM " + s + ".events WHERE run_id = ?";
    deleteLease = "DELETE FROM " + s + ".leases WHERE run_id = ?";
    deleteRun = "DELETE FROM " + s + ".runs WHERE id = ?";
    setStub = "UPDATE " + s + ".runs SET stub = ? WHERE id = ?";
    selectStub = "SELECT stub FROM " + s + ".runs WHERE id = ?";
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  /** See {@link dev.runs.spi.StorageEngine#importRun}. */
  void importRun(ImportedRun run) {
    RunRecord record = run.record();
    // (a whole run's head, whatever flag it came with; its time goes in as text, like the heads
    // appends write, so the server rounds it to the microsecond the same way and the fast path can
    // compare it later)
    RunHead given = run.head();
    RunHead head =
        new RunHead(given.lastSequence(), given.status(), given.updatedAt(), given.lastHash());
    boolean restore = run.replacesStub();
    String id = record.id().value();
    List<RunId> runs = List.of(record.id());
    heads.committing(runs);
    try {
      store(run, record, head, restore, id);
    } finally {
      heads.committed(runs);
    }
    log.debug(
        "{} - run {} {} ({} events)",
        tx.where(),
        id,
        restore ? "restored" : "imported",
        head.lastSequence());
  }

  private void store(ImportedRun run, RunRecord record, RunHead head, boolean restore, String id) {
    tx.inTransaction(
        (restore ? "restore run " : "import run ") + id,
        c -> {
          tx.noteOwnBackend(c);
          if (restore) {
            lockStub(c, record.id(), head);
          } else {
            insertRun(c, record, head);
          }
          writeEvents(c, run, record.id(), head);
          writeStages(c, run, record.id());
          if (restore) {
            try (PreparedStatement ps = c.prepareStatement(restoreHead)) {
              ps.setLong(1, head.lastSequence());
              ps.setString(2, head.status().wireName());
              ps.setString(3, head.updatedAt().toString());
              ps.setString(4, head.lastHash().orElse(null));
              ps.setString(5, id);
              ps.executeUpdate();
            }
          } else {
            notify(
                c,
                PgChangeFeed.payload(
                    id, head.lastSequence(), head.status(), PgChangeFeed.IMPORTED));
          }
          return Boolean.TRUE;
        });
    heads.rememberImport(record.id(), head);
  }

  private void insertRun(Connection c, RunRecord record, RunHead head) throws SQLException {
    String id = record.id().value();
    int inserted;
    try (PreparedStatement ps = c.prepareStatement(insertRun)) {
      ps.setString(1, id);
      ps.setString(2, record.namespace());
      ps.setString(3, record.threadKey().orElse(null));
      ps.setString(4, record.trigger().triggerId());
      ps.setString(5, record.recommendation().map(r -> r.recommendationId()).orElse(null));
      ps.setObject(6, ts(record.createdAt()));
      ps.setString(7, record.toJson());
      ps.setLong(8, head.lastSequence());
      ps.setString(9, head.status().wireName());
      ps.setString(10, head.updatedAt().toString());
      ps.setString(11, head.lastHash().orElse(null));
      inserted = ps.executeUpdate();
    }
    if (inserted == 1) {
      return;
    }
    // the id or the trigger id is taken (the insert waited for a writer of either to commit)
    try (PreparedStatement ps = c.prepareStatement(selectTriggerById)) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          throw new RunAlreadyExistsException(record.id(), rs.getString(1));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(selectIdByTrigger)) {
      ps.setString(1, record.trigger().triggerId());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          throw new RunAlreadyExistsException(
              RunId.of(rs.getString(1)), record.trigger().triggerId());
        }
      }
    }
    // the conflicting run went away in between: try again
    throw new SQLException("run " + id + " was neither inserted nor found", "40001");
  }

  private void lockStub(Connection c, RunId id, RunHead head) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockRun)) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new RunNotFoundException(id);
        }
        if (!rs.getBoolean(2)) {
          throw new RunAlreadyExistsException(id, rs.getString(3));
        }
        if (rs.getLong(1) != head.lastSequence()) {
          throw new IllegalStateException(
              tx.where()
                  + ": cannot restore run "
                  + id
                  + ": its archive stub ends at sequence "
                  + rs.getLong(1)
                  + " but the restored run at "
                  + head.lastSequence()
                  + " (nothing was changed)");
        }
      }
    }
  }

  /** Checks that the stream holds the run's events 1..lastSequence, in order. */
  private static final class SequenceCheck {
    private final RunId id;
    private final RunHead head;
    private long next = 1;
    private Optional<String> lastHash = Optional.empty();

    SequenceCheck(RunId id, RunHead head) {
      this.id = id;
      this.head = head;
    }

    void check(RunEvent e) {
      if (!e.runId().equals(id)) {
        throw new ValidationException(
            "import of run " + id, "event.run_id", "is " + e.runId() + " at sequence " + next);
      }
      if (e.sequence() != next || next > head.lastSequence()) {
        throw new ValidationException(
            "import of run " + id,
            "event.sequence",
            "must be "
                + next
                + (next > head.lastSequence() ? " or less (the head's)" : "")
                + " but was "
                + e.sequence());
      }
      next++;
      lastHash = e.hash();
    }

    void end() {
      if (next - 1 != head.lastSequence()) {
        throw new ValidationException(
            "import of run " + id,
            "events",
            "end at sequence " + (next - 1) + " but the head at " + head.lastSequence());
      }
      if (!lastHash.equals(head.lastHash())) {
        throw new ValidationException(
            "import of run " + id, "head.last_hash", "differs from the last event's hash");
      }
    }
  }

  private void writeEvents(Connection c, ImportedRun run, RunId id, RunHead head)
      throws SQLException {
    SequenceCheck check = new SequenceCheck(id, head);
    try (EncodedEventStream events = run.encodedEvents()) {
      if (copyEvents && c.isWrapperFor(PGConnection.class)) {
        copyEvents(c, events, check);
      } else {
        insertEvents(c, events, check);
      }
    }
    check.end();
  }

  /**
   * Streams the rows through one COPY, built as bytes: the envelopes are the checked bytes the
   * import was given, escaped byte by byte (the escaped characters are ASCII, and no byte of a
   * multi-byte UTF-8 sequence is ASCII), never decoded or encoded again.
   */
  private void copyEvents(Connection c, EncodedEventStream events, SequenceCheck check)
      throws SQLException {
    CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copyIn);
    try {
      CopyBuffer buf = new CopyBuffer(COPY_CHUNK_CHARS + 8192);
      while (events.hasNext()) {
        RunEvent e = events.next();
        check.check(e);
        buf.field(e.runId().value().getBytes(StandardCharsets.UTF_8)).tab();
        buf.ascii(Long.toString(e.sequence())).tab();
        buf.field(e.type().name().getBytes(StandardCharsets.UTF_8)).tab();
        buf.ascii(e.time().toString()).tab();
        if (e.idempotencyKey().isPresent()) {
          buf.field(e.idempotencyKey().get().getBytes(StandardCharsets.UTF_8));
        } else {
          buf.ascii("\\N");
        }
        buf.tab().field(events.envelope()).newline();
        if (buf.size >= COPY_CHUNK_CHARS) {
          copy.writeToCopy(buf.bytes, 0, buf.size);
          buf.size = 0;
        }
      }
      if (buf.size > 0) {
        copy.writeToCopy(buf.bytes, 0, buf.size);
      }
      copy.endCopy();
    } finally {
      if (copy.isActive()) {
        // the events failed (or the server did): end the COPY so the rollback can run
        try {
          copy.cancelCopy();
        } catch (SQLException e) {
          log.debug("{} - cancelling an import's COPY failed", tx.where(), e);
        }
      }
    }
  }

  /** COPY text being built, as UTF-8 bytes. Not thread-safe. */
  static final class CopyBuffer {
    byte[] bytes;
    int size;

    CopyBuffer(int capacity) {
      bytes = new byte[capacity];
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    /** Appends a value in COPY text format: backslash, newline, carriage return, tab escaped. */
    CopyBuffer field(byte[] value) {
      ensure(value.length * 2);
      for (byte b : value) {
        switch (b) {
          case '\\' -> {
            bytes[size++] = '\\';
            bytes[size++] = '\\';
          }
          case '\n' -> {
            bytes[size++] = '\\';
            bytes[size++] = 'n';
          }
          case '\r' -> {
            bytes[size++] = '\\';
            bytes[size++] = 'r';
          }
          case '\t' -> {
            bytes[size++] = '\\';
            bytes[size++] = 't';
          }
          default -> bytes[size++] = b;
        }
      }
      return this;
    }

    /** Appends text that needs no escaping and is ASCII. */
    CopyBuffer ascii(String text) {
      ensure(text.length());
      for (int i = 0; i < text.length(); i++) {
        bytes[size++] = (byte) text.charAt(i);
      }
      return this;
    }

    CopyBuffer tab() {
      ensure(1);
      bytes[size++] = '\t';
      return this;
    }

    CopyBuffer newline() {
      ensure(1);
      bytes[size++] = '\n';
      return this;
    }
  }

  private void insertEvents(Connection c, EncodedEventStream events, SequenceCheck check)
      throws SQLException {
    List<String> runIds = new ArrayList<>(INSERT_BATCH);
    List<Long> seqs = new ArrayList<>(INSERT_BATCH);
    List<String> types = new ArrayList<>(INSERT_BATCH);
    List<String> times = new ArrayList<>(INSERT_BATCH);
    List<String> keys = new ArrayList<>(INSERT_BATCH);
    List<String> bodies = new ArrayList<>(INSERT_BATCH);
    try (PreparedStatement ps = c.prepareStatement(insertEvents)) {
      boolean more = true;
      while (more) {
        more = events.hasNext();
        if (more) {
          RunEvent e = events.next();
          check.check(e);
          runIds.add(e.runId().value());
          seqs.add(e.sequence());
          types.add(e.type().name());
          times.add(e.time().toString());
          keys.add(e.idempotencyKey().orElse(null));
          bodies.add(new String(events.envelope(), StandardCharsets.UTF_8));
        }
        if (runIds.size() == INSERT_BATCH || (!more && !runIds.isEmpty())) {
          ps.setArray(1, c.createArrayOf("text", runIds.toArray()));
          ps.setArray(2, c.createArrayOf("int8", seqs.toArray()));
          ps.setArray(3, c.createArrayOf("text", types.toArray()));
          ps.setArray(4, c.createArrayOf("text", times.toArray()));
          ps.setArray(5, c.createArrayOf("text", keys.toArray()));
          ps.setArray(6, c.createArrayOf("text", bodies.toArray()));
          ps.executeUpdate();
          runIds.clear();
          seqs.clear();
          types.clear();
          times.clear();
          keys.clear();
          bodies.clear();
        }
      }
    }
  }

  private void writeStages(Connection c, ImportedRun run, RunId id) throws SQLException {
    List<StageManifest> stages = run.stages();
    if (stages.isEmpty()) {
      return;
    }
    try (PreparedStatement stage = c.prepareStatement(insertStage);
        PreparedStatement file = c.prepareStatement(insertStageFile)) {
      for (StageManifest m : stages) {
        if (!m.runId().equals(id)) {
          throw new ValidationException(
              "import of run " + id,
              "stage.run_id",
              "is " + m.runId() + " for stage " + m.stageKey());
        }
        stage.setString(1, id.value());
        stage.setString(2, m.stageKey());
        stage.setInt(3, m.attempt());
        stage.setInt(4, m.position());
        stage.setObject(5, ts(m.createdAt()));
        stage.setString(6, m.toJson());
        stage.addBatch();
      }
      // every attempt row first: the files refer to them
      stage.executeBatch();
      long pending = 0;
      int rows = 0;
      for (StageManifest m : stages) {
        for (StageManifest.Entry f : m.files()) {
          byte[] content = run.stageFile(m, f.path());
          file.setString(1, id.value());
          file.setString(2, m.stageKey());
          file.setInt(3, m.attempt());
          file.setString(4, f.path());
          file.setBytes(5, content);
          file.addBatch();
          pending += content.length;
          rows++;
          if (pending >= FILE_BATCH_BYTES || rows >= 500) {
            file.executeBatch();
            pending = 0;
            rows = 0;
          }
        }
      }
      if (rows > 0) {
        file.executeBatch();
      }
    }
  }

  private void notify(Connection c, String payload) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, PgConfig.channel(schema));
      ps.setString(2, payload);
      ps.executeQuery().close();
    }
  }

  // ---- delete and archive
  // ------------------------------------------------------------------------

  /** See {@link dev.runs.spi.StorageEngine#deleteRun}. */
  boolean deleteRun(RunId id, long expectedLastSequence) {
    boolean deleted =
        tx.inTransaction(
            "delete run " + id,
            c -> {
              tx.noteOwnBackend(c);
              Locked locked = lockForMove(c, id);
              if (locked.lastSequence() != expectedLastSequence) {
                return false;
              }
              dropContents(c, id);
              try (PreparedStatement ps = c.prepareStatement(deleteRun)) {
                ps.setString(1, id.value());
                ps.executeUpdate();
              }
              notify(
                  c,
                  PgChangeFeed.payload(
                      id.value(), locked.lastSequence(), locked.status(), PgChangeFeed.DELETED));
              return true;
            });
    if (deleted) {
      heads.forget(id, true);
    }
    return deleted;
  }

  /** See {@link dev.runs.spi.StorageEngine#stubRun}. */
  boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    boolean stubbed =
        tx.inTransaction(
            "archive run " + id,
            c -> {
              tx.noteOwnBackend(c);
              if (lockForMove(c, id).lastSequence() != expectedLastSequence) {
                return false;
              }
              dropContents(c, id);
              try (PreparedStatement ps = c.prepareStatement(setStub)) {
                ps.setString(1, stubJson);
                ps.setString(2, id.value());
                ps.executeUpdate();
              }
              return true;
            });
    if (stubbed) {
      heads.forget(id, false);
    }
    return stubbed;
  }

  /** See {@link dev.runs.spi.StorageEngine#stub}. */
  Optional<String> stub(RunId id) {
    return tx.withConnection(
        "read the archive stub of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectStub)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }

  /** What a move needs of a locked run's row. */
  private record Locked(long lastSequence, RunStatus status) {}

  /**
   * Locks a run's row against appends, stage writes and other moves, in every instance.
   *
   * @return its last sequence and status
   * @throws RunNotFoundException when the run does not exist
   */
  private Locked lockForMove(Connection c, RunId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockRun)) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new RunNotFoundException(id);
        }
        return new Locked(rs.getLong(1), PgCodec.status(rs.getString(4)));
      }
    }
  }

  /** Removes a run's stage files, stage attempts, events (with their keys) and lease. */
  private void dropContents(Connection c, RunId id) throws SQLException {
    for (String sql : List.of(deleteStageFiles, deleteStages, deleteEvents, deleteLease)) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, id.value());
        ps.executeUpdate();
      }
    }
  }
}
