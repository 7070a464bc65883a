package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Listing one thread's runs among many: the list-view query of a chat or job UI. The store holds
 * {@link Bench#runs()} runs (100,000 by default), 100 per thread key; each call lists the newest 50
 * runs of one thread. SQLite answers from an index; the file store from its listing index ({@code
 * runs.index}, held in memory), opening only the 51 run directories it reads heads from.
 *
 * <p>{@link #listByLabel} asks the same of a label that each thread's runs carry ({@code
 * customer}), and {@link #listByWorkflow} of their workflow (one per thread): SQLite walks its
 * {@code run_labels} table or its workflow index, the file store reads its listing index in memory.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class ListByThreadBenchmark {
  @Param({"sqlite", "file"})
  public String store;

  Path dir;
  RunStore runs;
  int threads;
  int next;

  /**
   * Creates the runs (without fsync, to fill quickly), writes them to disk ({@code sync}: the
   * listings would otherwise be timed beside the kernel's write-back of 100,000 new run
   * directories), then reopens with the defaults.
   */
  @Setup(Level.Trial)
  public void fill() {
    dir = Bench.scratch("list-by-thread-");
    String uri =
        store.equals("sqlite") ? "sqlite:" + dir.resolve("runs.db") : "file:" + dir.resolve("runs");
    String fast = uri + (store.equals("sqlite") ? "?durability=normal" : "?durability=none");
    threads =
        Math.max(1, Bench.runs() / 100); // 100 runs per thread: 1,000 threads for 100,000 runs
    try (RunStore writer = RunStores.open(fast)) {
      for (int i = 0; i < Bench.runs(); i++) {
        writer.create(
            RunRecord.builder(
                    WorkflowRef.of("wf-" + (i % threads), "1"),
                    ConfigSnapshot.empty(),
                    Trigger.of(TriggerSource.TEST, "list-" + i))
                .namespace("bench")
                .threadKey("thread-" + (i % threads))
                .label("customer", "c-" + (i % threads))
                .build());
      }
    }
    Bench.syncFileSystems();
    runs = RunStores.open(uri);
    runs.list(RunQuery.builder().threadKey("thread-0").limit(1).build());
  }

  /** Closes and deletes the store. */
  @TearDown(Level.Trial)
  public void close() {
    runs.close();
    Bench.delete(dir);
  }

  /**
   * @return the newest 50 runs of one thread
   */
  @Benchmark
  public RunPage listByThread() {
    next = (next + 7) % threads;
    return page(RunQuery.builder().threadKey("thread-" + next), "thread-" + next);
  }

  /**
   * @return the newest 50 runs carrying one customer label (as many runs as a thread has)
   */
  @Benchmark
  public RunPage listByLabel() {
    next = (next + 7) % threads;
    return page(RunQuery.builder().label("customer", "c-" + next), "customer c-" + next);
  }

  /**
   * @return the newest 50 runs of one workflow (as many runs as a thread has)
   */
  @Benchmark
  public RunPage listByWorkflow() {
    next = (next + 7) % threads;
    return page(RunQuery.builder().workflow("wf-" + next), "workflow wf-" + next);
  }

  /** Lists the newest 50 runs a query selects, which must be some. */
  private RunPage page(RunQuery.Builder query, String what) {
    RunPage page = runs.list(query.limit(50).build());
    if (page.runs().isEmpty()) {
      throw new IllegalStateException(what + " has no runs");
    }
    return page;
  }
}
