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
    for (String n : new String[] {"01", "04", "16"}) {
      String raw = "rawTx0" + n;
      ratio(score, "storeOwnRun" + n, raw, "own run, " + Integer.parseInt(n) + " writer(s), vs ceiling at batch "
          + Integer.parseInt(n));
      if (!n.equals("01")) {
        ratio(score, "storeHotRun" + n, raw, "hot run, " + Integer.parseInt(n) + " writers, vs ceiling at batch "
            + Integer.parseInt(n));
      }
    }
    ratio(score, "storeOwnRun16", "rawTx001", "own run, 16 writers, vs one transaction per event (target >= 20)");
    ratio(score, "storeHotRun16", "rawTx001", "hot run, 16 writers, vs one transaction per event");
    ratio(score, "storeOwnRun16", "rawTx016", "own run, 16 writers, vs ceiling (target >= 0.7)");
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
