package dev.runs.bench;

import dev.runs.CommitReport;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StoreObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Where a hot run's time goes: N threads append one event at a time (blocking) to one run, and an
 * observer counts the commits, the appends they carry and the time the engine took for each ({@link
 * CommitReport#latency()}). Since one run's commits are serial, the window divided by the commits
 * is one commit cycle, of which the engine's commit is a part; the rest is completing and waking
 * the callers and taking their next appends. The process's CPU time per append says whether the
 * cycle is CPU-bound.
 *
 * <p>A plain program, not JMH: it reports figures JMH does not see.
 *
 * <pre>
 * java -cp runs-bench/target/benchmarks.jar dev.runs.bench.CommitCycleProbe \
 *     [memory|sqlite|file] [seconds] [writer counts...]
 * </pre>
 */
public final class CommitCycleProbe {
  private CommitCycleProbe() {}

  /**
   * One measured window.
   *
   * @param writers blocking writer threads, all on one run
   * @param appends appends acknowledged in the window
   * @param commits commits observed in the window
   * @param committedAppends appends those commits carried
   * @param engineNanos the engine's time for those commits, summed
   * @param windowNanos the window
   * @param cpuNanos the process's CPU time in the window, or -1 when the JVM does not say
   */
  public record Result(
      int writers,
      long appends,
      long commits,
      long committedAppends,
      long engineNanos,
      long windowNanos,
      long cpuNanos) {
    /**
     * @return appends acknowledged per second
     */
    public double appendsPerSecond() {
      return appends * 1e9 / windowNanos;
    }

    /**
     * @return appends per commit
     */
    public double appendsPerCommit() {
      return commits == 0 ? 0 : (double) committedAppends / commits;
    }

    /**
     * @return the engine's mean time per commit, µs
     */
    public double engineMicrosPerCommit() {
      return commits == 0 ? 0 : engineNanos / 1000.0 / commits;
    }

    /**
     * @return the window per commit, µs: one commit cycle, since one run's commits are serial
     */
    public double cycleMicros() {
      return commits == 0 ? 0 : windowNanos / 1000.0 / commits;
    }

    /**
     * @return the process's CPU time per acknowledged append, µs, or NaN when unknown
     */
    public double cpuMicrosPerAppend() {
      return cpuNanos < 0 || appends == 0 ? Double.NaN : cpuNanos / 1000.0 / appends;
    }

    /**
     * @return a Markdown table row
     */
    public String row() {
      return String.format(
          Locale.ROOT,
          "| %d | %,.0f | %.2f | %.0f µs | %.0f µs | %.1f µs | %.2f |",
          writers,
          appendsPerSecond(),
          appendsPerCommit(),
          cycleMicros(),
          engineMicrosPerCommit(),
          cpuMicrosPerAppend(),
          cpuNanos < 0 ? Double.NaN : (double) cpuNanos / windowNanos);
    }
  }

  /**
   * Measures one writer count on a new store of the kind.
   *
   * @param kind memory, sqlite or file (fsync durability, the default)
   * @param writers blocking writer threads on one run
   * @param warmupSeconds appends before the window
   * @param seconds the window
   * @return what the window saw
   * @throws InterruptedException when interrupted
   */
  public static Result measure(String kind, int writers, double warmupSeconds, double seconds)
      throws InterruptedException {
    if (writers < 1) {
      throw new IllegalArgumentException("writers must be at least 1, not " + writers);
    }
    Path dir = Bench.scratch("commit-cycle-");
    try {
      return measureOn(uri(kind, dir), writers, warmupSeconds, seconds);
    } finally {
      Bench.delete(dir);
    }
  }

  private static String uri(String kind, Path dir) {
    return switch (kind) {
      case "memory" -> "memory:";
      case "sqlite" -> "sqlite:" + dir.resolve("bench.db");
      case "file" -> "file:" + dir.resolve("store");
      default ->
          throw new IllegalArgumentException(
              "unknown store kind '" + kind + "'; use memory, sqlite or file");
    };
  }

  private static Result measureOn(String uri, int writers, double warmupSeconds, double seconds)
      throws InterruptedException {
    try (RunStore store = RunStores.open(uri)) {
      RunId run = BenchFiles.startedRun(store, "bench");
      AtomicLong commits = new AtomicLong();
      AtomicLong committedAppends = new AtomicLong();
      AtomicLong engineNanos = new AtomicLong();
      store.observe(
          new StoreObserver() {
            @Override
            public void committed(CommitReport commit) {
              commits.incrementAndGet();
              committedAppends.addAndGet(commit.appends());
              engineNanos.addAndGet(commit.latency().toNanos());
            }
          });
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong appends = new AtomicLong();
      AtomicReference<RuntimeException> failed = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    while (!stop.get()) {
                      store.append(run, Bench.EVENT);
                      appends.incrementAndGet();
                    }
                  } catch (RuntimeException e) {
                    failed.compareAndSet(null, e);
                  }
                },
                "commit-cycle-writer-" + i);
        threads.add(t);
        t.start();
      }
      try {
        Thread.sleep((long) (warmupSeconds * 1000));
        Supplier<Counts> counts =
            () ->
                new Counts(
                    appends.get(),
                    commits.get(),
                    committedAppends.get(),
                    engineNanos.get(),
                    Bench.processCpuNanos(),
                    System.nanoTime());
        Counts before = counts.get();
        Thread.sleep((long) (seconds * 1000));
        Counts after = counts.get();
        RuntimeException failure = failed.get();
        if (failure != null) {
          throw new IllegalStateException("a writer failed, so the window is void", failure);
        }
        return new Result(
            writers,
            after.appends - before.appends,
            after.commits - before.commits,
            after.committedAppends - before.committedAppends,
            after.engineNanos - before.engineNanos,
            after.nanos - before.nanos,
            before.cpuNanos < 0 || after.cpuNanos < 0 ? -1 : after.cpuNanos - before.cpuNanos);
      } finally {
        stop.set(true);
        for (Thread t : threads) {
          t.join();
        }
      }
    }
  }

  /** The counters at one moment. */
  private record Counts(
      long appends,
      long commits,
      long committedAppends,
      long engineNanos,
      long cpuNanos,
      long nanos) {}

  /**
   * Prints a Markdown table.
   *
   * @param args [memory|sqlite|file] (default file), [seconds] (default 5), [writer counts...]
   *     (default 1 4 16)
   * @throws InterruptedException when interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    String kind = args.length > 0 ? args[0] : "file";
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
    List<Integer> counts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      counts.add(Integer.parseInt(args[i]));
    }
    if (counts.isEmpty()) {
      counts = List.of(1, 4, 16);
    }
    System.out.println(
        "| writers on one run | appends/s | appends per commit | commit cycle | engine's commit"
            + " | CPU per append | cores busy |");
    System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (int n : counts) {
      System.out.println(measure(kind, n, 1, seconds).row());
    }
  }
}
