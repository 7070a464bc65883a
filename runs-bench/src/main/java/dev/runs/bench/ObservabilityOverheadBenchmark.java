package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The append path's cost of observability: 16 threads, each appending one event at a time to its
 * own run on the {@code sqlite:} store and waiting until it is durable (as {@code
 * SqliteAppendBenchmark.storeOwnRun16}), with {@code observability=off} and {@code on} (the metrics
 * binder and the live trace exporter both registered, see {@link Observability}). The target is at
 * most 5% fewer events per second with both on. The fsync-bound writers vary by ±45% and more
 * between iterations, more than the effect: {@link ObservabilityPaired} (CPU-bound stores, variants
 * alternating, CPU time per event) and {@link ObserverCostBenchmark} resolve it.
 *
 * <p>Short profile: {@code java -jar runs-bench/target/benchmarks.jar ObservabilityOverhead -f 1
 * -wi 1 -i 3 -r 5s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class ObservabilityOverheadBenchmark {

  /** The store, with or without both observability modules. */
  @State(Scope.Benchmark)
  public static class Store {
    /**
     * {@code off}: a bare store; {@code on}: metrics and live traces registered; {@code metrics},
     * {@code traces}: one of them.
     */
    @Param({"off", "on", "metrics", "traces"})
    public String observability;

    Path dir;
    RunStore store;
    Observability modules;

    /** Opens a new database and registers the modules when asked. */
    @Setup(Level.Trial)
    public void open() {
      dir = Bench.scratch("runs-observability-");
      store = RunStores.open("sqlite:" + dir.resolve("bench.db"));
      modules =
          observability.equals("off")
              ? null
              : new Observability(
                  store, !observability.equals("traces"), !observability.equals("metrics"));
    }

    RunId startedRun() {
      RunId id = store.create(SqliteBench.record()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      return id;
    }

    /** Closes and deletes the database. */
    @TearDown(Level.Trial)
    public void close() {
      if (modules != null) {
        modules.close();
      }
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

  /**
   * @param s the store
   * @param r the thread's run
   * @return the appended event
   */
  @Benchmark
  @Threads(16)
  public RunEvent ownRun16(Store s, OwnRun r) {
    return s.store.append(r.id, SqliteBench.DRAFT);
  }
}
