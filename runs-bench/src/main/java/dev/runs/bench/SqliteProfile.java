package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@link SqlitePairedComparison} store workload alone for a fixed time, to run under a profiler
 * (the comparison alternates many workloads, which mixes their profiles):
 *
 * <pre>
 * java -XX:StartFlightRecording=filename=own4.jfr,settings=profile \
 *     -cp runs-bench/target/benchmarks.jar dev.runs.bench.SqliteProfile own4 20
 * </pre>
 *
 * Scenarios: {@code own4} (4 writers, each appending to its own run), {@code hot16} (16 writers
 * appending to one run), {@code own16}. Prints the events per second reached.
 */
public final class SqliteProfile {
  private SqliteProfile() {}

  /**
   * @param args scenario, seconds (default 20)
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    String scenario = args.length > 0 ? args[0] : "own4";
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 20;
    Path dir = Bench.scratch("runs-sqlite-profile-");
    try (RunStore store = RunStores.open("sqlite:" + dir.resolve("store.db"))) {
      int writers =
          switch (scenario) {
            case "own4" -> 4;
            case "hot16", "own16" -> 16;
            default -> throw new IllegalArgumentException("scenario: own4, hot16 or own16");
          };
      List<RunId> runs = new ArrayList<>();
      RunId hot = started(store);
      for (int i = 0; i < writers; i++) {
        runs.add(scenario.startsWith("hot") ? hot : started(store));
      }
      AtomicLong events = new AtomicLong();
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      List<Thread> threads = new ArrayList<>();
      long began = System.nanoTime();
      for (RunId id : runs) {
        Thread t =
            new Thread(
                () -> {
                  while (System.nanoTime() < deadline) {
                    store.append(id, SqliteBench.DRAFT);
                    events.incrementAndGet();
                  }
                },
                "writer");
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      double s = (System.nanoTime() - began) / 1e9;
      System.out.printf("%s: %.0f events/s%n", scenario, events.get() / s);
    } finally {
      Bench.delete(dir);
    }
  }

  private static RunId started(RunStore store) {
    RunId id = store.create(SqliteBench.record()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }
}
