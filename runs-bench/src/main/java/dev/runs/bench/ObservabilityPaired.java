package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The append path's cost of observability where it can be seen: {@link
 * ObservabilityOverheadBenchmark} on the fsync-bound {@code sqlite:} store varies by ±50% from one
 * iteration to the next, more than the effect. Here the store is CPU-bound ({@code memory:}, or
 * {@code sqlite:} with {@code durability=normal}, which does not sync at each commit), and each
 * round runs one window of every variant back to back in a rotating order ({@code off}: a bare
 * store; {@code on}: metrics and live traces; {@code metrics}; {@code traces}), so load drifting
 * over minutes hits all variants alike. Each window opens a fresh store (the memory store keeps
 * every event) with the variant's modules, and runs {@code writers} threads, each appending
 * agent-shaped runs (LiveExportKeepUp's 98 events: steps with model calls, the run ending, then a
 * new run) one blocking append at a time. Reported: the median events/s of each variant, and the
 * ratio to {@code off} of the same round as a median and a mean with its 95% confidence interval;
 * and the same for the process's CPU time per appended event (taken once the live trace export has
 * folded the window's events), which other processes' load disturbs far less than throughput.
 *
 * <pre>
 * java -Xmx4g -cp runs-bench/target/benchmarks.jar dev.runs.bench.ObservabilityPaired \
 *     [store=memory|sqlite-normal|sqlite] [seconds per window=2] [rounds=8] [writers=16]
 * </pre>
 */
public final class ObservabilityPaired {
  private static final String[] VARIANTS = {"off", "on", "metrics", "traces"};

  private ObservabilityPaired() {}

  /**
   * Runs the comparison.
   *
   * @param args store kind, seconds per window, measured rounds, writer threads
   * @throws Exception when a run fails
   */
  public static void main(String[] args) throws Exception {
    String kind = args.length > 0 ? args[0] : "memory";
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int writers = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    measure(kind, seconds, rounds, writers, true);
  }

  /**
   * The comparison's figures for {@code on} (both modules) against {@code off}.
   *
   * @param offRate median events/s without the modules
   * @param onRate median events/s with both modules on
   * @param ratio median of the rounds' on/off throughput ratios
   * @param ratioMean the mean of those ratios with its 95% confidence half-width, as text
   * @param cpuRatio median of the rounds' on/off ratios of process CPU time per event
   * @param rounds measured rounds
   */
  record Result(
      double offRate, double onRate, double ratio, String ratioMean, double cpuRatio, int rounds) {}

  /**
   * Runs the comparison: two warm-up rounds, then {@code rounds} measured ones.
   *
   * @param kind {@code memory}, {@code sqlite-normal} or {@code sqlite}
   * @param seconds length of each variant's window
   * @param rounds measured rounds (at least 2)
   * @param writers writer threads
   * @param print whether to print each round and the table
   * @return the figures of {@code on} against {@code off}
   * @throws Exception when a run fails
   */
  static Result measure(String kind, double seconds, int rounds, int writers, boolean print)
      throws Exception {
    if (rounds < 2) {
      throw new IllegalArgumentException("rounds must be at least 2 but was " + rounds);
    }
    List<EventDraft> drafts = LiveExportKeepUp.runDrafts();
    double[][] rates = new double[VARIANTS.length][rounds];
    double[][] cpu = new double[VARIANTS.length][rounds];
    for (int round = -2; round < rounds; round++) { // two rounds warm up
      for (int k = 0; k < VARIANTS.length; k++) {
        int v = Math.floorMod(k + round, VARIANTS.length); // rotate the order each round
        double[] measured = window(kind, VARIANTS[v], drafts, writers, seconds);
        if (round >= 0) {
          rates[v][round] = measured[0];
          cpu[v][round] = measured[1];
        }
      }
      if (round >= 0 && print) {
        System.out.printf(
            Locale.ROOT,
            "round %d: off %.0f on %.0f metrics %.0f traces %.0f events/s; cpu/event off %.1f on"
                + " %.1f metrics %.1f traces %.1f us%n",
            round,
            rates[0][round],
            rates[1][round],
            rates[2][round],
            rates[3][round],
            cpu[0][round] / 1e3,
            cpu[1][round] / 1e3,
            cpu[2][round] / 1e3,
            cpu[3][round] / 1e3);
      }
    }
    if (print) {
      System.out.printf(
          Locale.ROOT,
          "%nstore=%s writers=%d rounds=%d window=%.1f s (agent-shaped runs, blocking appends)%n",
          kind,
          writers,
          rounds,
          seconds);
      System.out.printf(
          Locale.ROOT,
          "%-8s %10s %7s %17s %12s %7s %17s%n",
          "variant",
          "events/s",
          "ratio",
          "mean ± 95%",
          "cpu/event",
          "ratio",
          "mean ± 95%");
    }
    Result on = null;
    for (int v = 0; v < VARIANTS.length; v++) {
      double[] ratio = new double[rounds];
      double[] cpuRatio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = rates[v][r] / rates[0][r];
        cpuRatio[r] = cpu[v][r] / cpu[0][r];
      }
      if (VARIANTS[v].equals("on")) {
        on =
            new Result(
                median(rates[0]),
                median(rates[v]),
                median(ratio),
                meanWithError(ratio),
                median(cpuRatio),
                rounds);
      }
      if (print) {
        System.out.printf(
            Locale.ROOT,
            "%-8s %10.0f %7.3f %17s %9.2f us %7.3f %17s%n",
            VARIANTS[v],
            median(rates[v]),
            median(ratio),
            meanWithError(ratio),
            median(cpu[v]) / 1e3,
            median(cpuRatio),
            meanWithError(cpuRatio));
      }
    }
    if (print) {
      System.out.println(
          "(ratio: to off in the same round; cpu/event: the process's CPU time per appended"
              + " event)");
    }
    return java.util.Objects.requireNonNull(on, "the on variant");
  }

  private static String meanWithError(double[] x) {
    double mean = Arrays.stream(x).average().orElse(Double.NaN);
    double var = Arrays.stream(x).map(d -> (d - mean) * (d - mean)).sum() / (x.length - 1);
    double half = tQuantile975(x.length - 1) * Math.sqrt(var / x.length);
    return String.format(Locale.ROOT, "%.3f ± %.3f", mean, half);
  }

  /** Returns events per second and process CPU nanoseconds per event. */
  private static double[] window(
      String kind, String variant, List<EventDraft> drafts, int writers, double seconds)
      throws Exception {
    Path dir = Bench.scratch("runs-observability-paired-");
    String uri =
        switch (kind) {
          case "memory" -> "memory:";
          case "sqlite-normal" -> "sqlite:" + dir.resolve("bench.db") + "?durability=normal";
          case "sqlite" -> "sqlite:" + dir.resolve("bench.db");
          default ->
              throw new IllegalArgumentException("store must be memory, sqlite-normal or sqlite");
        };
    try (RunStore store = RunStores.open(uri)) {
      Observability modules =
          variant.equals("off")
              ? null
              : new Observability(store, !variant.equals("traces"), !variant.equals("metrics"));
      try {
        LongAdder total = new LongAdder();
        LongAdder created = new LongAdder();
        List<Throwable> errors = new ArrayList<>();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          Thread t =
              new Thread(
                  () -> {
                    try {
                      long n = 0;
                      RunId run = store.create(SqliteBench.record()).record().id();
                      created.increment();
                      int position = 0;
                      while (System.nanoTime() < deadline) {
                        store.append(run, drafts.get(position));
                        n++;
                        if (++position == drafts.size()) {
                          position = 0;
                          run = store.create(SqliteBench.record()).record().id();
                          created.increment();
                        }
                      }
                      total.add(n);
                    } catch (Throwable e) {
                      synchronized (errors) {
                        errors.add(e);
                      }
                    }
                  });
          threads.add(t);
        }
        long began = System.nanoTime();
        long cpuBefore = Bench.processCpuNanos();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
          t.join();
        }
        double elapsed = (System.nanoTime() - began) / 1e9;
        if (modules != null && !variant.equals("metrics")) { // count the exporter's backlog too
          long expected = total.sum() + created.sum();
          long wait = System.nanoTime() + 30_000_000_000L;
          while (modules.traces.liveEvents() < expected
              && modules.traces.droppedEvents() == 0
              && System.nanoTime() < wait) {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
          }
        }
        long cpuNanos = Bench.processCpuNanos() - cpuBefore;
        if (!errors.isEmpty()) {
          throw new IllegalStateException("a writer failed", errors.get(0));
        }
        return new double[] {total.sum() / elapsed, (double) cpuNanos / total.sum()};
      } finally {
        if (modules != null) {
          modules.close();
        }
      }
    } finally {
      Bench.delete(dir);
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** Student's t 97.5% quantile for small degrees of freedom (normal beyond 30). */
  private static double tQuantile975(int df) {
    double[] t = {
      Double.NaN,
      12.706,
      4.303,
      3.182,
      2.776,
      2.571,
      2.447,
      2.365,
      2.306,
      2.262,
      2.228,
      2.201,
      2.179,
      2.160,
      2.145,
      2.131,
      2.120,
      2.110,
      2.101,
      2.093,
      2.086,
      2.080,
      2.074,
      2.069,
      2.064,
      2.060,
      2.056,
      2.052,
      2.048,
      2.045,
      2.042
    };
    return df < t.length ? t[df] : 1.96;
  }
}
