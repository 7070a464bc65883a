package dev.runs.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the SQLite benchmarks with the short profile (1 fork, 1 warm-up and 3 measured iterations
 * of 5 s) and prints each result beside its ceiling, with the ratios the store's targets are
 * stated in.
 *
 * <pre>{@code
 * java -cp runs-bench/target/benchmarks.jar dev.runs.bench.SqliteBenchReport [regex]
 * }</pre>
 *
 * <p>The optional regex narrows the benchmarks (default {@code Sqlite}); {@code
 * -Druns.bench.dir=<dir>} puts the databases on another disk.
 */
public final class SqliteBenchReport {
  private SqliteBenchReport() {}

  /**
   * @param args optional include regex
   * @throws RunnerException when JMH fails
   */
  public static void main(String[] args) throws RunnerException {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(args.length > 0 ? args[0] : "Sqlite")
        .forks(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.seconds(5))
        .measurementIterations(3)
        .measurementTime(TimeValue.seconds(5));
    String dir = System.getProperty("runs.bench.dir");
    if (dir != null) {
      options.jvmArgsAppend("-Druns.bench.dir=" + dir);
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    Map<String, Double> score = new HashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      score.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
    }
    System.out.println();
    System.out.println("SQLite store vs its ceilings (events/s; ratio = store / reference)");
    ratio(score, "storeOwnRun01", "rawTx001", "1 writer vs ceiling (one transaction per event)");
    for (String n : new String[] {"04", "16"}) {
      int w = Integer.parseInt(n);
      ratio(score, "storeHotRun" + n, "rawTx0" + n, "hot run, " + w + " writers, vs ceiling: " + w + " rows of one run per tx");
      ratio(score, "storeOwnRun" + n, "rawSpreadTx" + n, "own runs, " + w + " writers, vs ceiling: 1 row of each of " + w
          + " runs per tx");
      ratio(score, "storeOwnRun" + n, "rawTx0" + n, "own runs, " + w + " writers, vs " + w + " rows of one run per tx");
    }
    ratio(score, "storeHotRun16", "rawTx001", "hot run, 16 writers, vs one transaction per event (target >= 20)");
    ratio(score, "storeOwnRun16", "rawTx001", "own runs, 16 writers, vs one transaction per event (target >= 20)");
    ratio(score, "storePipelined256", "rawTx256", "pipelined, 256 in flight, vs ceiling at batch 256");
    ratio(score, "storePipelined256", "rawTx001", "pipelined, 256 in flight, vs one transaction per event");
    ratio(score, "storeReadRun", "rawSelect", "read a 1,000,000-event run, vs raw SELECT without decoding");
    if (score.containsKey("storeReadRun")) {
      System.out.printf(Locale.ROOT, "  read: %,.0f events/s (target >= 500,000)%n", score.get("storeReadRun"));
    }
  }

  private static void ratio(Map<String, Double> score, String ours, String reference, String what) {
    Double a = score.get(ours);
    Double b = score.get(reference);
    if (a == null || b == null) {
      return;
    }
    System.out.printf(Locale.ROOT, "  %-70s %,12.0f / %,12.0f = %6.2fx%n", what + ":", a, b, a / b);
  }
}
