package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.decodeEvent;
import static dev.runs.store.postgres.PgCodec.decodeRecord;
import static dev.runs.store.postgres.PgCodec.instant;
import static dev.runs.store.postgres.PgCodec.status;
import static dev.runs.store.postgres.PgCodec.ts;

import dev.runs.CreateResult;
import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.Lease;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StorageEngine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code postgres:} engine. One row per run in {@code runs} holds the record and the cached
 * head of its log (last sequence, status, time); one row per event in {@code events}.
 *
 * <p><b>Appends, locking path.</b> A group commit is one transaction: it locks the run rows of the
 * batch in id order ({@code SELECT ... ORDER BY id FOR NO KEY UPDATE}), loads the events already
 * stored under the batch's idempotency keys, lets the core plan, then one statement inserts all
 * new events, moves the heads and queues one {@code pg_notify} per run (sent only if the
 * transaction commits). The row lock serializes writers of one run across every instance, so
 * sequences stay gapless; writers of different runs do not wait for each other; the fixed lock
 * order rules out deadlocks between instances. Serialization failures and deadlocks are retried
 * with a fresh plan; connection failures are not, because the outcome of an interrupted commit is
 * unknown.
 *
 * <p><b>Appends, fast path.</b> For a run whose head this instance wrote last (the usual case: the
 * instance that executes a run is the one appending to it), the batch is planned on that head and
 * written by one auto-committed statement whose {@code UPDATE} locks the run's row and moves the
 * head only if {@code last_seq} is still the one planned on; the events are inserted only for the
 * runs it moved. A run with nothing to write is "moved" to the same head, which proves the head,
 * and so any refusal planned on it, current. A run whose head had moved is re-planned on the
 * locking path and stays there for a few seconds; a repeated idempotency key (the unique index
 * refuses the whole statement, so nothing is written) sends the group there too. Same guarantees,
 * one round trip instead of three.
 *
 * <p>Prepared statements only; the schema name, validated as a plain identifier, is the one piece
 * of SQL text not passed as a parameter.
 */
final class PostgresEngine implements StorageEngine {
  private static final Logger log = LoggerFactory.getLogger(PostgresEngine.class);
  private static final int READ_PAGE = 500;
  private static final int MAX_KNOWN_HEADS = 10_000;
  private static final long CONTENDED_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final ConnectionSource source;
  private final String schema;
  private final String where;
  private final PgChangeFeed feed;
  private final PgTx tx;
  private final PgLeases leases;
  private final PgDocuments documents;
  private final PgStages stages;
  private final int lanes;
  /** Heads this instance wrote last, for the fast path. */
  private final Map<RunId, RunHead> knownHeads = new ConcurrentHashMap<>();
  /** Runs another instance wrote recently, with the time until which they take the locking path. */
  private final Map<RunId, Long> contended = new ConcurrentHashMap<>();
  /** How long a run another instance wrote stays on the locking path (tests shorten it). */
  volatile long contendedNanos = CONTENDED_NANOS;
  /** Batches committed by the fast path, by the locking path, and sent from one to the other. */
  final java.util.concurrent.atomic.AtomicLong fastBatches = new java.util.concurrent.atomic.AtomicLong();
  final java.util.concurrent.atomic.AtomicLong lockedBatches = new java.util.concurrent.atomic.AtomicLong();
  final java.util.concurrent.atomic.AtomicLong fellBack = new java.util.concurrent.atomic.AtomicLong();

  private final String insertRun;
  private final String insertEvent;
  private final String writeBatch;
  private final String writeIfHeads;
  private final String notifyOne;
  private final String lockHeads;
  private final String knownKeys;
  private final String selectRecord;
  private final String selectRecordByTrigger;
  private final String selectTriggerById;
  private final String selectEntry;
  private final String selectPage;
  private final String selectExists;
  private final String listPrefix;
  private final String listBranchPrefix;

  /**
   * @param source where connections come from; closed with the engine
   * @param schema the validated schema name (already migrated)
   * @param where the redacted location, for messages
   * @param scrub removes credentials from driver messages
   * @param pollMs fallback poll interval for changes by other instances, 0 for none
   * @param lanes commit lanes to suggest to the core
   */
  PostgresEngine(ConnectionSource source, String schema, String where, UnaryOperator<String> scrub,
      long pollMs, int lanes) {
    this.source = source;
    this.schema = schema;
    this.where = where;
    this.lanes = lanes;
    this.tx = new PgTx(source, where, scrub);
    this.feed = new PgChangeFeed(source, schema, where, scrub, pollMs);
    String s = PgSchema.quote(schema);
    leases = new PgLeases(tx, s);
    documents = new PgDocuments(tx, s);
    stages = new PgStages(tx, schema, s);
    insertRun = "INSERT INTO " + s + ".runs (id, namespace, thread_key, trigger_id,"
        + " recommendation_id, created_at, record, last_seq, status, updated_at)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING";
    insertEvent = "INSERT INTO " + s + ".events (run_id, seq, type, time, idem_key, body)"
        + " VALUES (?, ?, ?, ?, ?, ?)";
    notifyOne = "SELECT pg_notify(?, ?)";
    // one round trip writes the events, moves the heads and queues the notices
    writeBatch = "WITH ins AS (INSERT INTO " + s + ".events (run_id, seq, type, time, idem_key, body)"
        + " SELECT * FROM unnest(?::text[], ?::int8[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])),"
        + " upd AS (UPDATE " + s + ".runs AS r SET last_seq = u.last_seq, status = u.status,"
        + " updated_at = u.updated_at"
        + " FROM unnest(?::text[], ?::int8[], ?::text[], ?::timestamptz[])"
        + " AS u(id, last_seq, status, updated_at) WHERE r.id = u.id"
        + " RETURNING r.id, r.last_seq, r.status)"
        + " SELECT pg_notify(?, upd.id || ':' || upd.last_seq || ':' || upd.status) FROM upd";
    // the fast path: heads move only where they are still what this instance last wrote
    writeIfHeads = "WITH upd AS (UPDATE " + s + ".runs AS r SET last_seq = u.last_seq,"
        + " status = u.status, updated_at = u.updated_at"
        + " FROM unnest(?::text[], ?::int8[], ?::int8[], ?::text[], ?::timestamptz[])"
        + " AS u(id, expected, last_seq, status, updated_at)"
        + " WHERE r.id = u.id AND r.last_seq = u.expected"
        + " RETURNING r.id, r.last_seq, r.status, u.expected),"
        + " ins AS (INSERT INTO " + s + ".events (run_id, seq, type, time, idem_key, body)"
        + " SELECT e.run_id, e.seq, e.type, e.time, e.idem_key, e.body"
        + " FROM unnest(?::text[], ?::int8[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])"
        + " AS e(run_id, seq, type, time, idem_key, body)"
        + " WHERE e.run_id IN (SELECT id FROM upd))"
        + " SELECT upd.id, CASE WHEN upd.last_seq > upd.expected THEN"
        + " pg_notify(?, upd.id || ':' || upd.last_seq || ':' || upd.status) END FROM upd";
    lockHeads = "SELECT id, last_seq, status, updated_at FROM " + s + ".runs"
        + " WHERE id = ANY (?) ORDER BY id FOR NO KEY UPDATE";
    knownKeys = "SELECT e.run_id, e.idem_key, e.body FROM " + s + ".events e"
        + " JOIN unnest(?::text[], ?::text[]) AS k(run_id, idem_key)"
        + " ON e.run_id = k.run_id AND e.idem_key = k.idem_key WHERE e.idem_key IS NOT NULL";
    selectRecord = "SELECT record FROM " + s + ".runs WHERE id = ?";
    selectRecordByTrigger = "SELECT record FROM " + s + ".runs WHERE trigger_id = ?";
    selectTriggerById = "SELECT trigger_id FROM " + s + ".runs WHERE id = ?";
    selectEntry = "SELECT record, status, last_seq, updated_at FROM " + s + ".runs WHERE id = ?";
    selectPage = "SELECT body FROM " + s + ".events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";
    selectExists = "SELECT 1 FROM " + s + ".runs WHERE id = ?";
    listPrefix = "SELECT record, status, last_seq, updated_at FROM " + s + ".runs";
    listBranchPrefix = "SELECT record, status, last_seq, updated_at, created_at, id FROM " + s + ".runs";
  }

  // ---- runs --------------------------------------------------------------------------------------

  @Override
  public int preferredCommitLanes() {
    return lanes;
  }

  @Override
  public CreateResult create(RunRecord record, RunEvent createdEvent) {
    String id = record.id().value();
    CreateResult result = tx.inTransaction("create run " + id, c -> {
      tx.noteOwnBackend(c);
      int inserted;
      try (PreparedStatement ps = c.prepareStatement(insertRun)) {
        ps.setString(1, id);
        ps.setString(2, record.namespace());
        ps.setString(3, record.threadKey().orElse(null));
        ps.setString(4, record.trigger().triggerId());
        ps.setString(5, record.recommendation().map(r -> r.recommendationId()).orElse(null));
        ps.setObject(6, ts(record.createdAt()));
        ps.setString(7, record.toJson());
        ps.setString(8, RunStatus.CREATED.wireName());
        ps.setObject(9, ts(createdEvent.time()));
        inserted = ps.executeUpdate();
      }
      if (inserted == 1) {
        try (PreparedStatement ps = c.prepareStatement(insertEvent)) {
          ps.setString(1, id);
          ps.setLong(2, createdEvent.sequence());
          ps.setString(3, createdEvent.type().name());
          ps.setObject(4, ts(createdEvent.time()));
          ps.setString(5, createdEvent.idempotencyKey().orElse(null));
          ps.setString(6, EventCodec.encode(createdEvent));
          ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(notifyOne)) {
          ps.setString(1, PgConfig.channel(schema));
          ps.setString(2, PgChangeFeed.payload(id, 1, RunStatus.CREATED));
          ps.executeQuery().close();
        }
        return new CreateResult(record, true);
      }
      // a run with this trigger or this id exists (the insert waited for it to commit)
      try (PreparedStatement ps = c.prepareStatement(selectRecordByTrigger)) {
        ps.setString(1, record.trigger().triggerId());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            String json = rs.getString(1);
            return new CreateResult(decodeRecord(where, record.id(), json), false);
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement(selectTriggerById)) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            throw new RunAlreadyExistsException(record.id(), rs.getString(1));
          }
        }
      }
      throw new SQLException("run " + id + " was neither inserted nor found", "40001");
    });
    if (result.created()) {
      remember(List.of(new Moved(record.id(), new RunHead(1, RunStatus.CREATED, createdEvent.time()))));
    }
    return result;
  }

  @Override
  public Optional<RunRecord> find(RunId id) {
    return tx.withConnection("read run " + id, c -> {
      try (PreparedStatement ps = c.prepareStatement(selectRecord)) {
        ps.setString(1, id.value());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(decodeRecord(where, id, rs.getString(1))) : Optional.empty();
        }
      }
    });
  }

  @Override
  public Optional<RunRecord> findByTrigger(String triggerId) {
    return tx.withConnection("find run by trigger", c -> {
      try (PreparedStatement ps = c.prepareStatement(selectRecordByTrigger)) {
        ps.setString(1, triggerId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          String json = rs.getString(1);
          try {
            return Optional.of(RunRecord.fromJson(json));
          } catch (ValidationException e) {
            throw new StoreCorruptedException(where + ": the record of the run created by a trigger"
                + " does not decode (" + e.getMessage() + ")", e);
          }
        }
      }
    });
  }

  @Override
  public Optional<RunEntry> entry(RunId id) {
    return tx.withConnection("read run " + id, c -> {
      try (PreparedStatement ps = c.prepareStatement(selectEntry)) {
        ps.setString(1, id.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          return Optional.of(new RunEntry(decodeRecord(where, id, rs.getString(1)), status(rs.getString(2)),
              rs.getLong(3), instant(rs, 4)));
        }
      }
    });
  }

  // ---- appends -----------------------------------------------------------------------------------

  /** A run whose head is known after a commit. */
  private record Moved(RunId runId, RunHead head) {}

  /**
   * The rows of one write: events, and the heads they move the runs to (with the head each run
   * must still have, for the fast path).
   */
  private static final class Rows {
    final List<String> runIds = new ArrayList<>();
    final List<Long> seqs = new ArrayList<>();
    final List<String> types = new ArrayList<>();
    final List<String> times = new ArrayList<>();
    final List<String> keys = new ArrayList<>();
    final List<String> bodies = new ArrayList<>();
    final List<String> headIds = new ArrayList<>();
    final List<Long> expected = new ArrayList<>();
    final List<Long> headSeqs = new ArrayList<>();
    final List<String> headStatuses = new ArrayList<>();
    final List<String> headTimes = new ArrayList<>();
    final List<Moved> moved = new ArrayList<>();

    void add(RunBatch b, RunHead before, List<RunEvent> toWrite, RunHead after) {
      String id = b.runId().value();
      for (RunEvent e : toWrite) {
        runIds.add(id);
        seqs.add(e.sequence());
        types.add(e.type().name());
        times.add(e.time().toString());
        keys.add(e.idempotencyKey().orElse(null));
        bodies.add(EventCodec.encode(e));
      }
      headIds.add(id);
      expected.add(before.lastSequence());
      headSeqs.add(after.lastSequence());
      headStatuses.add(after.status().wireName());
      headTimes.add(after.updatedAt().toString());
      moved.add(new Moved(b.runId(), after));
    }

    void bindEvents(Connection c, PreparedStatement ps, int first) throws SQLException {
      ps.setArray(first, c.createArrayOf("text", runIds.toArray()));
      ps.setArray(first + 1, c.createArrayOf("int8", seqs.toArray()));
      ps.setArray(first + 2, c.createArrayOf("text", types.toArray()));
      ps.setArray(first + 3, c.createArrayOf("text", times.toArray()));
      ps.setArray(first + 4, c.createArrayOf("text", keys.toArray()));
      ps.setArray(first + 5, c.createArrayOf("text", bodies.toArray()));
    }
  }

  /**
   * Commits a group. Runs whose head this instance knows (it wrote them last) and that no other
   * instance wrote recently take the fast path: planned on the known head and written by one
   * auto-committed statement that moves each head only if it is still the known one. Everything
   * else, and every run whose head turned out to have moved, takes the locking path.
   */
  @Override
  public void commit(List<RunBatch> batches) {
    if (batches.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Map<RunBatch, RunHead> fast = new java.util.TreeMap<>(Comparator.comparing(b -> b.runId().value()));
    List<RunBatch> locked = new ArrayList<>();
    for (RunBatch b : batches) {
      Long until = contended.get(b.runId());
      if (until != null && now - until > 0) {
        contended.remove(b.runId());
        until = null;
      }
      RunHead known = until == null ? knownHeads.get(b.runId()) : null;
      if (known != null) {
        fast.put(b, known);
      } else {
        locked.add(b);
      }
    }
    boolean fastCommitted = false;
    if (!fast.isEmpty()) {
      List<RunBatch> missed = commitFast(fast);
      fastCommitted = missed.size() < fast.size();
      locked.addAll(missed);
    }
    if (locked.isEmpty()) {
      return;
    }
    locked.sort(Comparator.comparing(b -> b.runId().value()));
    String[] ids = new String[locked.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = locked.get(i).runId().value();
    }
    String what = ids.length == 1 ? "append to run " + ids[0] : "append to " + ids.length + " runs";
    try {
      remember(tx.inTransaction(what, c -> commitLocked(c, locked, ids)));
      lockedBatches.addAndGet(locked.size());
    } catch (RuntimeException e) {
      if (!fastCommitted) {
        throw e;
      }
      // the fast part is durable and acknowledged; only the rest failed
      for (RunBatch b : locked) {
        b.fail(e);
      }
    }
  }

  private void remember(List<Moved> moved) {
    if (knownHeads.size() > MAX_KNOWN_HEADS) {
      knownHeads.clear();
    }
    for (Moved m : moved) {
      knownHeads.put(m.runId(), m.head());
      feed.noteOwnHead(m.runId(), m.head().lastSequence());
    }
  }

  /**
   * The fast path: one auto-committed statement. Its {@code UPDATE} locks each run's row and
   * moves the head only where {@code last_seq} is still the known one; events are inserted only
   * for the runs it moved; notices go out for them. A run with nothing to write is "moved" to the
   * same head, which proves the head (and so the refusals planned on it) current.
   *
   * @return the batches that must go the locking path (head moved, or the statement failed in a
   *     way that guarantees nothing was written)
   */
  private List<RunBatch> commitFast(Map<RunBatch, RunHead> planned) {
    List<RunBatch> batches = new ArrayList<>(planned.keySet());
    Rows rows = new Rows();
    for (RunBatch b : batches) {
      RunHead before = planned.get(b);
      List<RunEvent> toWrite = b.plan(Optional.of(before), Map.of());
      rows.add(b, before, toWrite, toWrite.isEmpty() ? before : b.headAfter());
    }
    Set<String> moved = new HashSet<>();
    try {
      tx.withConnectionRaw(c -> {
        tx.noteOwnBackend(c);
        try (PreparedStatement ps = c.prepareStatement(writeIfHeads)) {
          ps.setArray(1, c.createArrayOf("text", rows.headIds.toArray()));
          ps.setArray(2, c.createArrayOf("int8", rows.expected.toArray()));
          ps.setArray(3, c.createArrayOf("int8", rows.headSeqs.toArray()));
          ps.setArray(4, c.createArrayOf("text", rows.headStatuses.toArray()));
          ps.setArray(5, c.createArrayOf("text", rows.headTimes.toArray()));
          rows.bindEvents(c, ps, 6);
          ps.setString(12, PgConfig.channel(schema));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              moved.add(rs.getString(1));
            }
          }
        }
        return null;
      });
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (PgErrors.UNIQUE_VIOLATION.equals(state) || PgErrors.isRetryable(e)) {
        // an idempotency key already stored, or a lock conflict: nothing was written
        log.debug("{} - fast commit of {} runs fell back ({})", where, batches.size(), state);
        fellBack.addAndGet(batches.size());
        return batches;
      }
      throw tx.io("append to " + batches.size() + " runs", e);
    }
    List<RunBatch> missed = new ArrayList<>();
    List<Moved> done = new ArrayList<>();
    long until = System.nanoTime() + contendedNanos;
    for (int i = 0; i < batches.size(); i++) {
      RunBatch b = batches.get(i);
      if (moved.contains(b.runId().value())) {
        done.add(rows.moved.get(i));
      } else {
        // another instance wrote this run: lock it for a while instead of guessing its head
        knownHeads.remove(b.runId());
        if (contended.size() >= MAX_KNOWN_HEADS) {
          long now = System.nanoTime();
          contended.values().removeIf(t -> now - t > 0);
        }
        contended.put(b.runId(), until);
        missed.add(b);
      }
    }
    remember(done);
    fastBatches.addAndGet(done.size());
    fellBack.addAndGet(missed.size());
    return missed;
  }

  /** The locking path, inside a transaction. */
  private List<Moved> commitLocked(Connection c, List<RunBatch> batches, String[] ids) throws SQLException {
    tx.noteOwnBackend(c);
    Map<String, RunHead> heads = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(lockHeads)) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          heads.put(rs.getString(1), new RunHead(rs.getLong(2), status(rs.getString(3)), instant(rs, 4)));
        }
      }
    }
    Map<String, Map<String, RunEvent>> known = loadKnownKeys(c, batches, heads);
    Rows rows = new Rows();
    List<Moved> unchanged = new ArrayList<>();
    for (RunBatch b : batches) {
      RunHead head = heads.get(b.runId().value());
      List<RunEvent> toWrite = b.plan(Optional.ofNullable(head), known.getOrDefault(b.runId().value(), Map.of()));
      if (!toWrite.isEmpty()) {
        rows.add(b, head, toWrite, b.headAfter());
      } else if (head != null) {
        unchanged.add(new Moved(b.runId(), head));
      }
    }
    if (!rows.headIds.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(writeBatch)) {
        rows.bindEvents(c, ps, 1);
        ps.setArray(7, c.createArrayOf("text", rows.headIds.toArray()));
        ps.setArray(8, c.createArrayOf("int8", rows.headSeqs.toArray()));
        ps.setArray(9, c.createArrayOf("text", rows.headStatuses.toArray()));
        ps.setArray(10, c.createArrayOf("text", rows.headTimes.toArray()));
        ps.setString(11, PgConfig.channel(schema));
        int movedHeads = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            movedHeads++;
          }
        }
        if (movedHeads != rows.headIds.size()) {
          throw new SQLException("moved " + movedHeads + " of " + rows.headIds.size() + " run heads",
              "XX000");
        }
      }
    }
    List<Moved> all = new ArrayList<>(rows.moved);
    all.addAll(unchanged);
    return all;
  }

  private Map<String, Map<String, RunEvent>> loadKnownKeys(
      Connection c, List<RunBatch> batches, Map<String, RunHead> heads) throws SQLException {
    List<String> runIds = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (RunBatch b : batches) {
      String id = b.runId().value();
      if (!heads.containsKey(id)) {
        continue;
      }
      for (String k : b.idempotencyKeys()) {
        runIds.add(id);
        keys.add(k);
      }
    }
    if (keys.isEmpty()) {
      return Map.of();
    }
    Map<String, Map<String, RunEvent>> known = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(knownKeys)) {
      ps.setArray(1, c.createArrayOf("text", runIds.toArray()));
      ps.setArray(2, c.createArrayOf("text", keys.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String runId = rs.getString(1);
          known.computeIfAbsent(runId, k -> new HashMap<>())
              .put(rs.getString(2), decodeEvent(where, runId, rs.getString(3)));
        }
      }
    }
    return known;
  }

  // ---- reads -------------------------------------------------------------------------------------

  @Override
  public EventStream read(RunId id, long afterSequence) {
    List<RunEvent> first = page(id, afterSequence);
    if (first.isEmpty() && !exists(id)) {
      throw new RunNotFoundException(id);
    }
    return new PagedStream(id, first);
  }

  private boolean exists(RunId id) {
    return tx.withConnection("read run " + id, c -> {
      try (PreparedStatement ps = c.prepareStatement(selectExists)) {
        ps.setString(1, id.value());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  private List<RunEvent> page(RunId id, long after) {
    return tx.withConnection("read events of run " + id, c -> {
      try (PreparedStatement ps = c.prepareStatement(selectPage)) {
        ps.setString(1, id.value());
        ps.setLong(2, after);
        ps.setInt(3, READ_PAGE);
        List<RunEvent> out = new ArrayList<>(READ_PAGE);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(decodeEvent(where, id.value(), rs.getString(1)));
          }
        }
        return out;
      }
    });
  }

  /**
   * Reads a run's log one page at a time by sequence, each page on a briefly borrowed connection,
   * so a slow consumer never pins a connection and memory stays at one page. Committed events of
   * a run always form a prefix 1..n (appends to a run are serialized by its row lock and commit
   * whole), so paging by sequence never skips one.
   */
  private final class PagedStream implements EventStream {
    private final RunId id;
    private List<RunEvent> page;
    private int index;
    private long last;
    private boolean done;
    private boolean closed;

    PagedStream(RunId id, List<RunEvent> first) {
      this.id = id;
      this.page = first;
      this.done = first.size() < READ_PAGE;
    }

    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      if (index < page.size()) {
        return true;
      }
      if (done) {
        return false;
      }
      page = page(id, last);
      index = 0;
      done = page.size() < READ_PAGE;
      return !page.isEmpty();
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e = page.get(index++);
      last = e.sequence();
      return e;
    }

    @Override
    public void close() {
      closed = true;
      page = List.of();
    }
  }

  @Override
  public RunPage list(RunQuery query) {
    ListQuery q = listQuery(query);
    List<RunEntry> rows = tx.withConnection("list runs", c -> {
      try (PreparedStatement ps = c.prepareStatement(q.sql())) {
        q.bind(c, ps);
        List<RunEntry> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String json = rs.getString(1);
            RunRecord r;
            try {
              r = RunRecord.fromJson(json);
            } catch (ValidationException e) {
              throw new StoreCorruptedException(where + ": a run record does not decode ("
                  + e.getMessage() + ")", e);
            }
            out.add(new RunEntry(r, status(rs.getString(2)), rs.getLong(3), instant(rs, 4)));
          }
        }
        return out;
      }
    });
    boolean more = rows.size() > query.limit();
    List<RunEntry> page = more ? rows.subList(0, query.limit()) : rows;
    Optional<String> cursor = more
        ? Optional.of(RunQuery.Cursor.after(page.get(page.size() - 1).record()).encode())
        : Optional.empty();
    return new RunPage(page, cursor);
  }

  /** A list query: SQL text (fixed shapes, one per filter combination) and its parameters. */
  record ListQuery(String sql, List<Object> params) {
    void bind(Connection c, PreparedStatement ps) throws SQLException {
      for (int i = 0; i < params.size(); i++) {
        Object p = params.get(i);
        if (p instanceof String[] a) {
          ps.setArray(i + 1, c.createArrayOf("text", a));
        } else {
          ps.setObject(i + 1, p);
        }
      }
    }
  }

  /**
   * Builds the SQL of a listing; package-private so tests can EXPLAIN it. Each filter has an index
   * led by its column and followed by the listing order {@code (created_at DESC, id DESC)}, so a
   * page is read in index order and stops after {@code limit + 1} rows. Several statuses become a
   * {@code UNION ALL} of one ordered, limited branch per status, merged in order, because {@code
   * status = ANY (...)} cannot walk the status index in listing order.
   */
  ListQuery listQuery(RunQuery query) {
    List<String> conditions = new ArrayList<>();
    List<Object> common = new ArrayList<>();
    query.namespace().ifPresent(ns -> {
      conditions.add("namespace = ?");
      common.add(ns);
    });
    query.threadKey().ifPresent(t -> {
      conditions.add("thread_key = ?");
      common.add(t);
    });
    query.recommendationId().ifPresent(r -> {
      conditions.add("recommendation_id = ?");
      common.add(r);
    });
    query.createdFrom().ifPresent(t -> {
      conditions.add("created_at >= ?");
      common.add(ts(t));
    });
    query.createdBefore().ifPresent(t -> {
      conditions.add("created_at < ?");
      common.add(ts(t));
    });
    query.cursor().ifPresent(cur -> {
      conditions.add("(created_at, id) < (?, ?)");
      common.add(ts(cur.createdAt()));
      common.add(cur.runId().value());
    });
    List<String> statuses = new ArrayList<>();
    for (RunStatus st : query.statuses()) {
      statuses.add(st.wireName());
    }
    statuses.sort(null);
    int fetch = query.limit() + 1;
    List<Object> params = new ArrayList<>();
    if (statuses.size() <= 1) {
      List<String> where = new ArrayList<>(conditions);
      params.addAll(common);
      if (statuses.size() == 1) {
        where.add("status = ?");
        params.add(statuses.get(0));
      }
      params.add(fetch);
      return new ListQuery(listPrefix + whereClause(where)
          + " ORDER BY created_at DESC, id DESC LIMIT ?", params);
    }
    StringBuilder sql = new StringBuilder("SELECT record, status, last_seq, updated_at FROM (");
    for (int i = 0; i < statuses.size(); i++) {
      List<String> where = new ArrayList<>(conditions);
      where.add("status = ?");
      params.addAll(common);
      params.add(statuses.get(i));
      params.add(fetch);
      sql.append(i == 0 ? "(" : " UNION ALL (").append(listBranchPrefix).append(whereClause(where))
          .append(" ORDER BY created_at DESC, id DESC LIMIT ?)");
    }
    sql.append(") AS u ORDER BY created_at DESC, id DESC LIMIT ?");
    params.add(fetch);
    return new ListQuery(sql.toString(), params);
  }

  private static String whereClause(List<String> conditions) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < conditions.size(); i++) {
      sb.append(i == 0 ? " WHERE " : " AND ").append(conditions.get(i));
    }
    return sb.toString();
  }

  // ---- stages ------------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    return stages.writeStage(id, write, now);
  }

  @Override
  public List<StageManifest> stages(RunId id) {
    return stages.stages(id);
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    return stages.readStageFile(id, stageKey, attempt, path);
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    return stages.verifyStage(id, stageKey, attempt);
  }

  // ---- leases and documents ----------------------------------------------------------------------

  @Override
  public Optional<Lease> readLease(RunId id) {
    return leases.readLease(id);
  }

  @Override
  public boolean compareAndSetLease(RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    return leases.compareAndSetLease(id, expected, replacement);
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    return leases.expiredLeases(now, limit);
  }

  @Override
  public boolean saveDocument(String collection, String id, String json) {
    return documents.saveDocument(collection, id, json);
  }

  @Override
  public Optional<String> findDocument(String collection, String id) {
    return documents.findDocument(collection, id);
  }

  // ---- watching and lifecycle --------------------------------------------------------------------

  @Override
  public void watchExternalChanges(Consumer<RunChange> sink) {
    feed.start(sink);
  }

  @Override
  public String describe() {
    return where;
  }

  @Override
  public void close() {
    try {
      feed.close();
    } finally {
      source.close();
    }
  }
}
