package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.decodeEvent;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.store.postgres.PgKnownHeads.Moved;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends: the group commit of batches to the {@code events} table, moving the cached heads in
 * {@code runs} and queueing one {@code pg_notify} per run (sent only if the write commits).
 *
 * <p><b>Locking path.</b> A group commit is one transaction: it locks the run rows of the batch in
 * id order ({@code SELECT ... ORDER BY id FOR NO KEY UPDATE}), loads the events already stored
 * under the batch's idempotency keys, lets the core plan, then one statement inserts all new
 * events, moves the heads and queues the notices. The row lock serializes writers of one run across
 * every instance, so sequences stay gapless; writers of different runs do not wait for each other;
 * the fixed lock order rules out deadlocks between instances. An archived run's head is loaded with
 * {@link RunHead#archived()} set, so the planner refuses appends to it. Serialization failures and
 * deadlocks are retried with a fresh plan ({@link PgTx#inTransaction}); connection failures are
 * not, because the outcome of an interrupted commit is unknown.
 *
 * <p><b>Fast path.</b> For a run whose head this instance wrote last ({@link PgKnownHeads}; the
 * usual case: the instance that executes a run is the one appending to it), the batch is planned on
 * that head and written by one auto-committed statement whose {@code UPDATE} locks the run's row
 * and moves the head only if it is still the one planned on (sequence, status, time and hash, and
 * the run not archived); the events are inserted only for the runs it moved. A run with nothing to
 * write is "moved" to the same head, which proves the head, and so any refusal planned on it,
 * current. A run whose head had moved is re-planned on the locking path and stays there for a few
 * seconds; a repeated idempotency key (the unique index refuses the whole statement, so nothing is
 * written) sends the group there too. Same guarantees, one round trip instead of three.
 *
 * <p>Thread-safe: the core's commit lanes call {@link #commit} concurrently, never with batches of
 * the same run at once; the shared state is in {@link PgKnownHeads} and atomic counters.
 */
final class PgAppends {
  private static final Logger log = LoggerFactory.getLogger(PgAppends.class);

  private final PgTx tx;
  private final String schema;
  private final PgKnownHeads heads;

  /** Batches committed by the fast path. */
  final AtomicLong fastBatches = new AtomicLong();

  /** Batches committed by the locking path. */
  final AtomicLong lockedBatches = new AtomicLong();

  /** Batches the fast path sent to the locking path. */
  final AtomicLong fellBack = new AtomicLong();

  private final String writeBatch;
  private final String writeIfHeads;
  private final String lockHeads;
  private final String knownKeys;

  /**
   * @param tx runs the statements
   * @param schema the validated schema name, for the notice channel
   * @param s the quoted schema name
   * @param heads the heads this instance wrote last
   */
  PgAppends(PgTx tx, String schema, String s, PgKnownHeads heads) {
    this.tx = tx;
    this.schema = schema;
    this.heads = heads;
    // one round trip writes the events, moves the heads and queues the notices
    writeBatch =
        "WITH ins AS (INSERT INTO "
            + s
            + ".events (run_id, seq, type, time, idem_key, body) SELECT * FROM unnest(?::text[],"
            + " ?::int8[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])), upd AS (UPDATE "
            + s
            + ".runs AS r SET last_seq = u.last_seq, status = u.status,"
            + " updated_at = u.updated_at, last_hash = u.last_hash"
            + " FROM unnest(?::text[], ?::int8[], ?::text[], ?::timestamptz[], ?::text[])"
            + " AS u(id, last_seq, status, updated_at, last_hash) WHERE r.id = u.id"
            + " RETURNING r.id, r.last_seq, r.status)"
            + " SELECT pg_notify(?, upd.id || ':' || upd.last_seq || ':' || upd.status) FROM upd";
    // the fast path: heads move only where they are still what this instance last wrote
    // (the whole known head must still be the row's, and the run must not be archived: a run
    // deleted and imported again under its id, or archived, can have the same last_seq)
    writeIfHeads =
        "WITH upd AS (UPDATE "
            + s
            + ".runs AS r SET last_seq = u.last_seq,"
            + " status = u.status, updated_at = u.updated_at, last_hash = u.last_hash"
            + " FROM unnest(?::text[], ?::int8[], ?::text[], ?::timestamptz[], ?::text[],"
            + " ?::int8[], ?::text[], ?::timestamptz[], ?::text[]) AS u(id, expected, exp_status,"
            + " exp_updated_at, exp_hash, last_seq, status, updated_at, last_hash)"
            + " WHERE r.id = u.id AND r.last_seq = u.expected AND r.status = u.exp_status"
            + " AND r.updated_at = u.exp_updated_at AND r.last_hash IS NOT DISTINCT FROM"
            + " u.exp_hash AND r.stub IS NULL"
            + " RETURNING r.id, r.last_seq, r.status, u.expected),"
            + " ins AS (INSERT INTO "
            + s
            + ".events (run_id, seq, type, time, idem_key, body) SELECT e.run_id, e.seq, e.type,"
            + " e.time, e.idem_key, e.body FROM unnest(?::text[], ?::int8[], ?::text[],"
            + " ?::timestamptz[], ?::text[], ?::text[]) AS e(run_id, seq, type, time, idem_key,"
            + " body) WHERE e.run_id IN (SELECT id FROM upd)) SELECT upd.id, CASE WHEN upd.last_seq"
            + " > upd.expected THEN pg_notify(?, upd.id || ':' || upd.last_seq || ':' ||"
            + " upd.status) END FROM upd";
    lockHeads =
        "SELECT id, last_seq, status, updated_at, last_hash, stub IS NOT NULL FROM "
            + s
            + ".runs"
            + " WHERE id = ANY (?) ORDER BY id FOR NO KEY UPDATE";
    knownKeys =
        "SELECT e.run_id, e.idem_key, e.body FROM "
            + s
            + ".events e"
            + " JOIN unnest(?::text[], ?::text[]) AS k(run_id, idem_key)"
            + " ON e.run_id = k.run_id AND e.idem_key = k.idem_key WHERE e.idem_key IS NOT NULL";
  }

  /**
   * The rows of one write: events, and the heads they move the runs to (with the head each run must
   * still have, for the fast path).
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
    final List<String> expStatuses = new ArrayList<>();
    final List<String> expTimes = new ArrayList<>();
    final List<String> expHashes = new ArrayList<>();
    final List<Long> headSeqs = new ArrayList<>();
    final List<String> headStatuses = new ArrayList<>();
    final List<String> headTimes = new ArrayList<>();
    final List<String> headHashes = new ArrayList<>();
    final List<Moved> moved = new ArrayList<>();

    void add(RunBatch b, RunHead before, List<RunEvent> toWrite, RunHead after) {
      String id = b.runId().value();
      for (RunEvent e : toWrite) {
        runIds.add(id);
        seqs.add(e.sequence());
        types.add(e.type().name());
        times.add(e.time().toString());
        keys.add(e.idempotencyKey().orElse(null));
        bodies.add(new String(b.envelope(e), StandardCharsets.UTF_8));
      }
      headIds.add(id);
      expected.add(before.lastSequence());
      expStatuses.add(before.status().wireName());
      expTimes.add(before.updatedAt().toString());
      expHashes.add(before.lastHash().orElse(null));
      headSeqs.add(after.lastSequence());
      headStatuses.add(after.status().wireName());
      headTimes.add(after.updatedAt().toString());
      headHashes.add(after.lastHash().orElse(null));
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
   * else, and every run whose head turned out to have moved, takes the locking path. See {@link
   * dev.runs.spi.StorageEngine#commit}.
   *
   * @param batches one per run
   */
  void commit(List<RunBatch> batches) {
    if (batches.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Map<RunBatch, RunHead> fast =
        new java.util.TreeMap<>(Comparator.comparing(b -> b.runId().value()));
    List<RunBatch> locked = new ArrayList<>();
    for (RunBatch b : batches) {
      RunHead known = heads.fastHead(b.runId(), now);
      if (known != null) {
        fast.put(b, known);
      } else {
        locked.add(b);
      }
    }
    List<RunId> runs = new ArrayList<>(batches.size());
    for (RunBatch b : batches) {
      runs.add(b.runId());
    }
    heads.committing(runs);
    try {
      commitSplit(fast, locked);
    } finally {
      heads.committed(runs);
    }
  }

  private void commitSplit(Map<RunBatch, RunHead> fast, List<RunBatch> locked) {
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
      heads.remember(tx.inTransaction(what, c -> commitLocked(c, locked, ids)));
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

  /**
   * The fast path: one auto-committed statement. Its {@code UPDATE} locks each run's row and moves
   * the head only where it is still the known one (and not archived); events are inserted only for
   * the runs it moved; notices go out for them. A run with nothing to write is "moved" to the same
   * head, which proves the head (and so the refusals planned on it) current.
   *
   * @return the batches that must go the locking path (head moved, or the statement failed in a way
   *     that guarantees nothing was written)
   */
  private List<RunBatch> commitFast(Map<RunBatch, RunHead> planned) {
    List<RunBatch> batches = new ArrayList<>(planned.keySet());
    Rows rows = new Rows();
    for (Map.Entry<RunBatch, RunHead> p : planned.entrySet()) {
      RunBatch b = p.getKey();
      RunHead before = p.getValue();
      List<RunEvent> toWrite = b.plan(Optional.of(before), Map.of());
      rows.add(b, before, toWrite, toWrite.isEmpty() ? before : b.headAfter());
    }
    Set<String> moved;
    try {
      moved =
          tx.withConnectionRaw(
              c -> {
                Set<String> out = new HashSet<>();
                tx.noteOwnBackend(c);
                try (PreparedStatement ps = c.prepareStatement(writeIfHeads)) {
                  ps.setArray(1, c.createArrayOf("text", rows.headIds.toArray()));
                  ps.setArray(2, c.createArrayOf("int8", rows.expected.toArray()));
                  ps.setArray(3, c.createArrayOf("text", rows.expStatuses.toArray()));
                  ps.setArray(4, c.createArrayOf("text", rows.expTimes.toArray()));
                  ps.setArray(5, c.createArrayOf("text", rows.expHashes.toArray()));
                  ps.setArray(6, c.createArrayOf("int8", rows.headSeqs.toArray()));
                  ps.setArray(7, c.createArrayOf("text", rows.headStatuses.toArray()));
                  ps.setArray(8, c.createArrayOf("text", rows.headTimes.toArray()));
                  ps.setArray(9, c.createArrayOf("text", rows.headHashes.toArray()));
                  rows.bindEvents(c, ps, 10);
                  ps.setString(16, PgConfig.channel(schema));
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      out.add(rs.getString(1));
                    }
                  }
                }
                return out;
              });
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (PgErrors.UNIQUE_VIOLATION.equals(state) || PgErrors.isRetryable(e)) {
        // an idempotency key already stored, or a lock conflict: nothing was written
        log.debug("{} - fast commit of {} runs fell back ({})", tx.where(), batches.size(), state);
        fellBack.addAndGet(batches.size());
        return batches;
      }
      throw tx.io("append to " + batches.size() + " runs", e);
    }
    List<RunBatch> missed = new ArrayList<>();
    List<Moved> done = new ArrayList<>();
    long until = heads.contendedUntil();
    for (int i = 0; i < batches.size(); i++) {
      RunBatch b = batches.get(i);
      if (moved.contains(b.runId().value())) {
        done.add(rows.moved.get(i));
      } else {
        // another instance wrote this run: lock it for a while instead of guessing its head
        heads.contend(b.runId(), until);
        missed.add(b);
      }
    }
    heads.remember(done);
    fastBatches.addAndGet(done.size());
    fellBack.addAndGet(missed.size());
    return missed;
  }

  /** The locking path, inside a transaction. */
  private List<Moved> commitLocked(Connection c, List<RunBatch> batches, String[] ids)
      throws SQLException {
    tx.noteOwnBackend(c);
    Map<String, RunHead> heads = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(lockHeads)) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          heads.put(rs.getString(1), PgCodec.head(rs, 2));
        }
      }
    }
    Map<String, Map<String, RunEvent>> known = loadKnownKeys(c, batches, heads);
    Rows rows = new Rows();
    List<Moved> unchanged = new ArrayList<>();
    for (RunBatch b : batches) {
      RunHead head = heads.get(b.runId().value());
      List<RunEvent> toWrite =
          b.plan(Optional.ofNullable(head), known.getOrDefault(b.runId().value(), Map.of()));
      if (!toWrite.isEmpty()) {
        if (head == null) {
          // plan refuses every append to a run that does not exist
          throw new IllegalStateException(
              "planned events for run " + b.runId() + ", which does not exist");
        }
        rows.add(b, head, toWrite, b.headAfter());
      } else if (head != null && !head.archived()) {
        // (an archived head is not remembered: the fast path would only be refused by the row)
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
        ps.setArray(11, c.createArrayOf("text", rows.headHashes.toArray()));
        ps.setString(12, PgConfig.channel(schema));
        int movedHeads = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            movedHeads++;
          }
        } catch (SQLException e) {
          if (PgErrors.UNIQUE_VIOLATION.equals(e.getSQLState())) {
            // each run's row is locked and its stored keys were looked up: a clash means a stored
            // event lies beyond a run's cached head, which was damaged
            throw new StoreCorruptedException(
                tx.where()
                    + ": an append to "
                    + String.join(", ", rows.headIds)
                    + " clashed with a stored event ("
                    + tx.message(e)
                    + "): the store holds an event its run's cached head in table runs is"
                    + " behind",
                e);
          }
          throw e;
        }
        if (movedHeads != rows.headIds.size()) {
          throw new SQLException(
              "moved " + movedHeads + " of " + rows.headIds.size() + " run heads", "XX000");
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
          known
              .computeIfAbsent(runId, k -> new HashMap<>())
              .put(rs.getString(2), decodeEvent(tx.where(), runId, rs.getBytes(3)));
        }
      }
    }
    return known;
  }
}
