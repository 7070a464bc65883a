package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite store's ratios to its ceilings, measured in pairs: the store's workload and its
 * ceiling alternate in short slices (1.5 s for appends, one full pass for reads), several rounds,
 * and the median of the per-round ratios is reported. On a shared machine the disk's fsync latency
 * drifts by several times within minutes, so two JMH runs minutes apart do not give a meaningful
 * ratio; interleaving cancels the drift. The workloads are those of {@link SqliteAppendBenchmark}
 * and {@link SqliteReadBenchmark}.
 *
 * <pre>{@code
 * java -cp runs-bench/target/benchmarks.jar dev.runs.bench.SqlitePairedComparison [rounds]
 * }</pre>
 */
public final class SqlitePairedComparison {
  private static final long SLICE_NANOS = 1_500_000_000L;
  private static final int READ_EVENTS = 1_000_000;

  private SqlitePairedComparison() {}

  /** Events done in a slice and the time it took. */
  private record Slice(long events, long nanos) {
    double rate() {
      return events * 1e9 / nanos;
    }
  }

  /** One side of a pair. */
  private interface Workload {
    Slice run() throws Exception;
  }

  private final Path dir = Bench.scratch("runs-paired-");
  private RunStore store;
  private Connection raw;
  private PreparedStatement insert;
  private Statement control;
  private final String[] rawRuns = new String[16];
  private final long[] rawSeq = new long[16];
  private final String[] envelopes = new String[4096];
  private final String[] eventIds = new String[4096];

  /**
   * @param args optional number of rounds per pair (default 6, the first is warm-up)
   * @throws Exception when a workload fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    SqlitePairedComparison c = new SqlitePairedComparison();
    try {
      c.open();
      c.compare(rounds);
    } finally {
      c.close();
    }
  }

  private void open() throws SQLException {
    store = RunStores.open("sqlite:" + dir.resolve("store.db"));
    Path rawDb = dir.resolve("raw.db");
    RunId first = null;
    try (RunStore s = RunStores.open("sqlite:" + rawDb)) {
      for (int i = 0; i < rawRuns.length; i++) {
        RunId id = s.create(SqliteBench.record()).record().id();
        first = first == null ? id : first;
        rawRuns[i] = id.value();
        rawSeq[i] = 1;
      }
    }
    for (int i = 0; i < envelopes.length; i++) {
      envelopes[i] = SqliteBench.envelope(first, i + 2);
      eventIds[i] = UUID.randomUUID().toString();
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(10_000);
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    raw = config.createConnection("jdbc:sqlite:" + rawDb);
    insert =
        raw.prepareStatement(
            "INSERT INTO events (run_id, seq, event_id, type, idem_key, envelope)"
                + " VALUES (?, ?, ?, ?, ?, ?)");
    control = raw.createStatement();
  }

  private void close() throws SQLException {
    if (store != null) {
      store.close();
    }
    if (raw != null) {
      insert.close();
      control.close();
      raw.close();
    }
    Bench.delete(dir);
  }

  private RunId startedRun() {
    RunId id = store.create(SqliteBench.record()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  private void compare(int rounds) throws Exception {
    List<RunId> own = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      own.add(startedRun());
    }
    RunId hot = startedRun();
    RunId pipelined = startedRun();
    System.out.printf(
        Locale.ROOT,
        "SQLite store vs ceilings, durability full, %d rounds per pair (first is warm-up)%n",
        rounds);
    pair("1 writer / raw 1 row per tx", writers(own.subList(0, 1)), rawTx(1, 1), rounds);
    pair(
        "4 writers, own runs / raw 1 row of each of 4 runs per tx",
        writers(own.subList(0, 4)),
        rawTx(4, 4),
        rounds);
    pair(
        "4 writers, hot run / raw 4 rows of 1 run per tx",
        writers(List.of(hot, hot, hot, hot)),
        rawTx(4, 1),
        rounds);
    pair(
        "16 writers, own runs / raw 1 row of each of 16 runs per tx",
        writers(own),
        rawTx(16, 16),
        rounds);
    List<RunId> hot16 = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      hot16.add(hot);
    }
    pair("16 writers, hot run / raw 16 rows of 1 run per tx", writers(hot16), rawTx(16, 1), rounds);
    pair("16 writers, own runs / raw one tx per event", writers(own), rawTx(1, 1), rounds);
    pair("16 writers, hot run / raw one tx per event", writers(hot16), rawTx(1, 1), rounds);
    pair(
        "pipelined 256 in flight / raw 256 rows of 1 run per tx",
        pipeline(pipelined),
        rawTx(256, 1),
        rounds);
    pair(
        "pipelined 256 in flight / raw one tx per event", pipeline(pipelined), rawTx(1, 1), rounds);
    RunId big = fill();
    pair(
        "read 1,000,000 events / raw SELECT of the same rows, no decoding",
        read(big),
        rawRead(big, false),
        Math.max(3, rounds - 2));
    pair(
        "read 1,000,000 events / raw SELECT + EventCodec.decode per row",
        read(big),
        rawRead(big, true),
        Math.max(3, rounds - 2));
  }

  private void pair(String name, Workload ours, Workload ceiling, int rounds) throws Exception {
    double[] ratios = new double[rounds - 1];
    double[] a = new double[rounds - 1];
    double[] b = new double[rounds - 1];
    for (int r = 0; r < rounds; r++) {
      Slice x;
      Slice y;
      if (r % 2 == 0) {
        x = ours.run();
        y = ceiling.run();
      } else {
        y = ceiling.run();
        x = ours.run();
      }
      if (r > 0) {
        a[r - 1] = x.rate();
        b[r - 1] = y.rate();
        ratios[r - 1] = x.rate() / y.rate();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  %-64s %,10.0f / %,10.0f events/s = %5.2fx (rounds %.2f..%.2f)%n",
        name,
        median(a),
        median(b),
        median(ratios),
        Arrays.stream(ratios).min().orElse(0),
        Arrays.stream(ratios).max().orElse(0));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Blocking writers, one per entry of {@code runs} (repeat a run for a hot run). */
  private Workload writers(List<RunId> runs) {
    return () -> {
      AtomicLong events = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime();
      long deadline = start + SLICE_NANOS;
      List<Thread> threads = new ArrayList<>();
      for (RunId id : runs) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    while (System.nanoTime() < deadline) {
                      store.append(id, SqliteBench.DRAFT);
                      events.incrementAndGet();
                    }
                  } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                  }
                });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
      if (failure.get() != null) {
        throw new IllegalStateException("an append failed", failure.get());
      }
      return new Slice(events.get(), System.nanoTime() - start);
    };
  }

  private Workload pipeline(RunId id) {
    return () -> {
      Semaphore slots = new Semaphore(256);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime();
      long events = 0;
      while (System.nanoTime() - start < SLICE_NANOS) {
        slots.acquire();
        // completion is counted by the callback, which frees the slot
        var unused =
            store
                .appendAsync(id, SqliteBench.DRAFT)
                .whenComplete(
                    (e, t) -> {
                      if (t != null) {
                        failure.compareAndSet(null, t);
                      }
                      slots.release();
                    });
        events++;
      }
      slots.acquire(256);
      if (failure.get() != null) {
        throw new IllegalStateException("an append failed", failure.get());
      }
      return new Slice(events, System.nanoTime() - start);
    };
  }

  /** Raw transactions of {@code rows} rows spread round-robin over {@code runs} runs. */
  private Workload rawTx(int rows, int runs) {
    return () -> {
      long start = System.nanoTime();
      long events = 0;
      while (System.nanoTime() - start < SLICE_NANOS) {
        control.execute("BEGIN IMMEDIATE");
        for (int i = 0; i < rows; i++) {
          int run = i % runs;
          long seq = ++rawSeq[run];
          int slot = (int) (seq % envelopes.length);
          insert.setString(1, rawRuns[run]);
          insert.setLong(2, seq);
          insert.setString(3, eventIds[slot]);
          insert.setString(4, "console.line");
          insert.setNull(5, Types.VARCHAR);
          insert.setString(6, envelopes[slot]);
          insert.addBatch();
        }
        insert.executeBatch();
        control.execute("COMMIT");
        events += rows;
      }
      return new Slice(events, System.nanoTime() - start);
    };
  }

  private RunId fill() {
    RunId id = startedRun();
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      batch.add(SqliteBench.DRAFT);
    }
    List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
    for (int remaining = READ_EVENTS - 2; remaining > 0; remaining -= 1000) {
      pending.add(
          store.appendAsync(
              id, remaining >= 1000 ? batch : batch.subList(0, remaining), ExpectedSequence.any()));
      if (pending.size() >= 16) {
        pending.remove(0).join();
      }
    }
    pending.forEach(CompletableFuture::join);
    return id;
  }

  private Workload read(RunId id) {
    return () -> {
      long start = System.nanoTime();
      long n = 0;
      long check = 0;
      try (EventStream s = store.read(id, 0)) {
        while (s.hasNext()) {
          check += s.next().sequence();
          n++;
        }
      }
      if (n != READ_EVENTS || check == 0) {
        throw new IllegalStateException("read " + n + " events");
      }
      return new Slice(n, System.nanoTime() - start);
    };
  }

  private Workload rawRead(RunId id, boolean decode) {
    return () -> {
      long start = System.nanoTime();
      long n = 0;
      long check = 0;
      SQLiteConfig config = new SQLiteConfig();
      config.setReadOnly(true);
      try (Connection c = config.createConnection("jdbc:sqlite:" + dir.resolve("store.db"));
          PreparedStatement p =
              c.prepareStatement(
                  "SELECT seq, envelope FROM events WHERE run_id = ? ORDER BY seq")) {
        p.setString(1, id.value());
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            String envelope = rs.getString(2);
            check +=
                rs.getLong(1)
                    + (decode ? EventCodec.decode(envelope).sequence() : envelope.length());
            n++;
          }
        }
      }
      if (n != READ_EVENTS || check == 0) {
        throw new IllegalStateException("read " + n + " rows");
      }
      return new Slice(n, System.nanoTime() - start);
    };
  }
}
