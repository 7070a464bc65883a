package dev.runs.bench;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.sqlite.SQLiteConfig;

/**
 * Read throughput of the {@code sqlite:} store over a run of 1,000,000 events (300-byte payloads),
 * in events per second: {@code storeReadRun} streams the whole log through {@link
 * RunStore#read(RunId, long)} (paged queries plus envelope decoding); {@code rawSelect} is the
 * ceiling of the medium, the same rows read as text through one raw sqlite-jdbc query without
 * decoding.
 *
 * <p>Short profile: {@code java -jar runs-bench/target/benchmarks.jar SqliteRead -f 1 -wi 1 -i 3 -r
 * 5s}. Filling the run takes a while before the first iteration.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Threads(1)
@State(Scope.Benchmark)
public class SqliteReadBenchmark {
  static final int EVENTS = 1_000_000;

  Path dir;
  Path db;
  RunStore store;
  RunId run;
  Connection raw;

  /** Writes the run (at durability normal, to fill it quickly), then reopens with the defaults. */
  @Setup(Level.Trial)
  public void fill() throws SQLException {
    dir = Bench.scratch("runs-read-");
    db = dir.resolve("bench.db");
    try (RunStore writer = RunStores.open("sqlite:" + db + "?durability=normal")) {
      run = writer.create(SqliteBench.record()).record().id();
      writer.append(run, EventDraft.of(EventTypes.RUN_STARTED));
      List<EventDraft> batch = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        batch.add(SqliteBench.DRAFT);
      }
      List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
      int remaining = Bench.events() - 2;
      while (remaining > 0) {
        List<EventDraft> drafts = remaining >= batch.size() ? batch : batch.subList(0, remaining);
        pending.add(writer.appendAsync(run, drafts, ExpectedSequence.any()));
        remaining -= drafts.size();
        if (pending.size() >= 16) {
          pending.remove(0).join();
        }
      }
      pending.forEach(CompletableFuture::join);
      if (writer.entry(run).orElseThrow().lastSequence() != Bench.events()) {
        throw new IllegalStateException("the run should hold " + Bench.events() + " events");
      }
    }
    store = RunStores.open("sqlite:" + db);
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    raw = config.createConnection("jdbc:sqlite:" + db);
  }

  /** Closes and deletes the database. */
  @TearDown(Level.Trial)
  public void close() throws SQLException {
    raw.close();
    store.close();
    Bench.delete(dir);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long storeReadRun(Blackhole bh) {
    long n = 0;
    try (EventStream s = store.read(run, 0)) {
      while (s.hasNext()) {
        bh.consume(s.next());
        n++;
      }
    }
    if (n != Bench.events()) {
      throw new IllegalStateException("read " + n + " events");
    }
    return n;
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long rawSelect(Blackhole bh) throws SQLException {
    long n = 0;
    try (PreparedStatement p =
        raw.prepareStatement("SELECT seq, envelope FROM events WHERE run_id = ? ORDER BY seq")) {
      p.setString(1, run.value());
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          bh.consume(rs.getLong(1));
          bh.consume(rs.getString(2));
          n++;
        }
      }
    }
    return n;
  }
}
