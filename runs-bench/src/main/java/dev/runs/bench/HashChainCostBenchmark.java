package dev.runs.bench;

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
 * What the hash chain costs: 16 threads appending one event at a time (blocking) to their own runs,
 * with {@code hash_chain=on} and {@code off} side by side on each store. The durable stores show
 * the cost as users see it; {@code memory} (no I/O at all) shows the CPU the links take, the worst
 * case. Scores are events per second; the ratio on/off is the figure to read.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class HashChainCostBenchmark {

  /** One store per trial. */
  @State(Scope.Benchmark)
  public static class Store {
    @Param({"sqlite", "file", "memory"})
    String store;

    @Param({"on", "off"})
    String chain;

    Path dir;
    RunStore opened;

    @Setup(Level.Trial)
    public void open() {
      dir = Bench.scratch("hash-chain-");
      String uri =
          switch (store) {
            case "sqlite" -> "sqlite:" + dir.resolve("bench.db");
            case "file" -> "file:" + dir.resolve("store");
            default -> "memory:";
          };
      opened = RunStores.open(uri + "?hash_chain=" + chain);
    }

    @TearDown(Level.Trial)
    public void close() {
      opened.close();
      Bench.delete(dir);
    }
  }

  /** A run of the calling thread. */
  @State(Scope.Thread)
  public static class OwnRun {
    RunId id;

    @Setup(Level.Trial)
    public void create(Store s) {
      id = BenchFiles.startedRun(s.opened, "bench");
    }
  }

  /**
   * @param s the store
   * @param run the thread's run
   * @return the event, so the append is not optimised away
   */
  @Benchmark
  @Threads(16)
  public RunEvent append_ownRun_16(Store s, OwnRun run) {
    return s.opened.append(run.id, Bench.EVENT);
  }
}
