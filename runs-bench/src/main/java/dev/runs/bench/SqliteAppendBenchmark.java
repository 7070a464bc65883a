package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.sqlite.SQLiteConfig;

/**
 * Durable append throughput of the {@code sqlite:} store, in events per second, beside the ceilings
 * of the medium. Every event carries a 300-byte JSON payload.
 *
 * <ul>
 *   <li>{@code storeOwnRunNN}: NN threads, each appending one event at a time to its own run and
 *       waiting until it is durable.
 *   <li>{@code storeHotRunNN}: NN threads appending to one shared run.
 *   <li>{@code storePipelined256}: one producer keeping 256 asynchronous appends in flight.
 *   <li>{@code rawTxNNN}: the ceiling for one run: raw sqlite-jdbc, one {@code BEGIN IMMEDIATE ...
 *       COMMIT} of NNN batched inserts of the same rows (one run, consecutive sequences) into the
 *       same schema at the same synchronous level. NN blocking writers can at best share an
 *       NN-event commit, so {@code storeHotRun16} compares with {@code rawTx016}; {@code rawTx001}
 *       is one transaction per event.
 *   <li>{@code rawSpreadTxNN}: the ceiling for NN runs: each transaction inserts one row into each
 *       of NN runs, the rows {@code storeOwnRunNN} writes. The log is clustered by run, so such a
 *       commit dirties at least NN B-tree leaf pages where a one-run commit dirties one or two;
 *       this, not the store, is what makes many-run commits slower.
 * </ul>
 *
 * <p>Short profile: {@code java -jar runs-bench/target/benchmarks.jar SqliteAppend -f 1 -wi 1 -i 3
 * -r 5s}; with ratios beside the other stores and the peer: {@code java -cp
 * runs-bench/target/benchmarks.jar dev.runs.bench.BenchReport}. The database lives under {@code
 * java.io.tmpdir} unless {@code -Druns.bench.dir=...} names another directory (use the disk you
 * deploy on).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class SqliteAppendBenchmark {

  /** The store under test: a new database per benchmark. */
  @State(Scope.Benchmark)
  public static class Store {
    /** SQLite synchronous level: full (the default) or normal. */
    @Param({"full"})
    public String durability;

    Path dir;
    RunStore store;
    RunId hot;

    /** Opens a new database and starts the shared run. */
    @Setup(Level.Trial)
    public void open() {
      dir = Bench.scratch("runs-append-");
      store = RunStores.open("sqlite:" + dir.resolve("bench.db") + "?durability=" + durability);
      hot = startedRun();
    }

    RunId startedRun() {
      RunId id = store.create(SqliteBench.record()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      return id;
    }

    /** Closes and deletes the database. */
    @TearDown(Level.Trial)
    public void close() {
      store.close();
      Bench.delete(dir);
    }
  }

  /** A run of the calling thread's own. */
  @State(Scope.Thread)
  public static class OwnRun {
    RunId id;

    /**
     * @param s the store
     */
    @Setup(Level.Trial)
    public void create(Store s) {
      id = s.startedRun();
    }
  }

  /** One producer's asynchronous appends, at most 256 in flight. */
  @State(Scope.Thread)
  public static class Pipeline {
    static final int IN_FLIGHT = 256;
    final Semaphore slots = new Semaphore(IN_FLIGHT);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    RunId id;

    /**
     * @param s the store
     */
    @Setup(Level.Trial)
    public void create(Store s) {
      id = s.startedRun();
    }

    /** Waits for the appends still in flight. */
    @TearDown(Level.Iteration)
    public void drain() throws InterruptedException {
      slots.acquire(IN_FLIGHT);
      slots.release(IN_FLIGHT);
      Throwable t = failure.get();
      if (t != null) {
        throw new IllegalStateException("an asynchronous append failed", t);
      }
    }
  }

  @Benchmark
  @Threads(1)
  public RunEvent storeOwnRun01(Store s, OwnRun r) {
    return s.store.append(r.id, SqliteBench.DRAFT);
  }

  @Benchmark
  @Threads(4)
  public RunEvent storeOwnRun04(Store s, OwnRun r) {
    return s.store.append(r.id, SqliteBench.DRAFT);
  }

  @Benchmark
  @Threads(16)
  public RunEvent storeOwnRun16(Store s, OwnRun r) {
    return s.store.append(r.id, SqliteBench.DRAFT);
  }

  @Benchmark
  @Threads(4)
  public RunEvent storeHotRun04(Store s) {
    return s.store.append(s.hot, SqliteBench.DRAFT);
  }

  @Benchmark
  @Threads(16)
  public RunEvent storeHotRun16(Store s) {
    return s.store.append(s.hot, SqliteBench.DRAFT);
  }

  @Benchmark
  @Threads(1)
  public void storePipelined256(Store s, Pipeline p) throws InterruptedException {
    p.slots.acquire();
    // completion is counted by the callback, which frees the slot
    var unused =
        s.store
            .appendAsync(p.id, SqliteBench.DRAFT)
            .whenComplete(
                (e, t) -> {
                  if (t != null) {
                    p.failure.compareAndSet(null, t);
                  }
                  p.slots.release();
                });
  }

  /** Raw sqlite-jdbc on a database with the store's schema: the medium's ceiling. */
  @State(Scope.Thread)
  public static class Raw {
    /** SQLite synchronous level, as for the store. */
    @Param({"full"})
    public String durability;

    private static final int ROWS = 4096;
    Path dir;
    Connection connection;
    PreparedStatement insert;
    Statement control;
    final String[] runIds = new String[16];
    final long[] sequences = new long[16];
    final String[] eventIds = new String[ROWS];
    final String[] envelopes = new String[ROWS];

    /** Creates the schema through the store, then opens a plain connection. */
    @Setup(Level.Trial)
    public void open() throws SQLException {
      dir = Bench.scratch("runs-raw-");
      Path db = dir.resolve("bench.db");
      RunId run = null;
      try (RunStore store = RunStores.open("sqlite:" + db)) {
        for (int i = 0; i < runIds.length; i++) {
          run = store.create(SqliteBench.record()).record().id();
          runIds[i] = run.value();
          sequences[i] = 1;
        }
      }
      for (int i = 0; i < ROWS; i++) {
        eventIds[i] = UUID.randomUUID().toString();
        envelopes[i] = SqliteBench.envelope(run, i + 2);
      }
      SQLiteConfig config = new SQLiteConfig();
      config.setBusyTimeout(10_000);
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(
          durability.equals("full")
              ? SQLiteConfig.SynchronousMode.FULL
              : SQLiteConfig.SynchronousMode.NORMAL);
      connection = config.createConnection("jdbc:sqlite:" + db);
      insert =
          connection.prepareStatement(
              "INSERT INTO events (run_id, seq, event_id, type, idem_key,"
                  + " envelope) VALUES (?, ?, ?, ?, ?, ?)");
      control = connection.createStatement();
    }

    void commit(int rows) throws SQLException {
      commit(rows, 1);
    }

    /** One transaction of {@code rows} rows spread round-robin over the first {@code runs} runs. */
    void commit(int rows, int runs) throws SQLException {
      control.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < rows; i++) {
        int run = i % runs;
        long seq = ++sequences[run];
        int slot = (int) (seq % ROWS);
        insert.setString(1, runIds[run]);
        insert.setLong(2, seq);
        insert.setString(3, eventIds[slot]);
        insert.setString(4, "console.line");
        insert.setNull(5, Types.VARCHAR);
        insert.setString(6, envelopes[slot]);
        insert.addBatch();
      }
      insert.executeBatch();
      control.execute("COMMIT");
    }

    /** Closes and deletes the database. */
    @TearDown(Level.Trial)
    public void close() throws SQLException {
      insert.close();
      control.close();
      connection.close();
      Bench.delete(dir);
    }
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(1)
  public void rawTx001(Raw r) throws SQLException {
    r.commit(1);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(4)
  public void rawTx004(Raw r) throws SQLException {
    r.commit(4);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(16)
  public void rawTx016(Raw r) throws SQLException {
    r.commit(16);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(256)
  public void rawTx256(Raw r) throws SQLException {
    r.commit(256);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(4)
  public void rawSpreadTx04(Raw r) throws SQLException {
    r.commit(4, 4);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(16)
  public void rawSpreadTx16(Raw r) throws SQLException {
    r.commit(16, 16);
  }
}
