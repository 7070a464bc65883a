package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Does the live trace export keep up with 10,000 events per second at its default queue size?
 * Appends agent-shaped runs (per run: {@code run.started}, then 24 steps each with a model call,
 * then {@code run.completed}: 98 events) at a paced rate, 50 runs at a time, asynchronously, with
 * both observability modules on ({@link Observability}), and reports the rate reached, the events
 * the live queue dropped, how long after the last append the exporter had folded everything, and
 * the spans exported.
 *
 * <p>Run: {@code java -cp runs-bench/target/benchmarks.jar dev.runs.bench.LiveExportKeepUp
 * [eventsPerSecond=10000] [seconds=10] [store=sqlite]} ({@code sqlite} or {@code memory}).
 */
public final class LiveExportKeepUp {
  private static final Payload MODEL_STARTED =
      Payload.of(Map.of("provider", "openai", "model", "gpt-4o"));
  private static final Payload MODEL_COMPLETED =
      Payload.of(
          Map.of(
              "provider",
              "openai",
              "model",
              "gpt-4o",
              "usage",
              Map.of("input_tokens", 812, "output_tokens", 96)));

  private LiveExportKeepUp() {}

  static List<EventDraft> runDrafts() {
    List<EventDraft> d = new ArrayList<>();
    d.add(EventDraft.of(EventTypes.RUN_STARTED));
    for (int s = 0; s < 24; s++) {
      String step = "step-" + s;
      d.add(EventDraft.of(EventTypes.STEP_STARTED).withStep(step).withAttempt(1));
      d.add(EventDraft.of(EventTypes.MODEL_GENERATION_STARTED, MODEL_STARTED).withStep(step));
      d.add(EventDraft.of(EventTypes.MODEL_GENERATION_COMPLETED, MODEL_COMPLETED).withStep(step));
      d.add(EventDraft.of(EventTypes.STEP_COMPLETED).withStep(step).withAttempt(1));
    }
    d.add(EventDraft.of(EventTypes.RUN_COMPLETED));
    return d;
  }

  /**
   * @param args events per second, seconds, store kind
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String kind = args.length > 2 ? args[2] : "sqlite";
    measure(rate, seconds, kind, true);
  }

  /**
   * What one run reached.
   *
   * @param rate events per second appended
   * @param dropped events the live queue dropped
   * @param folded events the exporter folded
   * @param expected events it should have folded
   * @param caughtUpMillis how long after the last append it had folded them all
   * @param spans spans exported
   */
  record Result(
      double rate, long dropped, long folded, long expected, double caughtUpMillis, long spans) {}

  /**
   * Runs the check.
   *
   * @param rate target events per second
   * @param seconds how long to append
   * @param kind {@code sqlite} or {@code memory}
   * @param print whether to print the figures
   * @return the figures
   * @throws Exception on failure
   */
  static Result measure(int rate, int seconds, String kind, boolean print) throws Exception {
    List<EventDraft> drafts = runDrafts();
    long total = (long) rate * seconds;
    int runCount = (int) ((total + drafts.size() - 1) / drafts.size()) + 50;
    Path dir = Bench.scratch("runs-live-export-");
    String uri = kind.equals("memory") ? "memory:" : "sqlite:" + dir.resolve("bench.db");
    try (RunStore store = RunStores.open(uri);
        Observability modules = new Observability(store)) {
      List<RunId> runs = new ArrayList<>(runCount);
      for (int i = 0; i < runCount; i++) { // created while live: the exporter hears of each
        runs.add(store.create(SqliteBench.record()).record().id());
      }
      AtomicLong failed = new AtomicLong();
      int window = 50;
      int[] position = new int[window];
      int[] run = new int[window];
      for (int w = 0; w < window; w++) {
        run[w] = w;
      }
      int nextRun = window;
      long began = System.nanoTime();
      long sent = 0;
      while (sent < total) {
        long due = (System.nanoTime() - began) * rate / 1_000_000_000L;
        while (sent < Math.min(due, total)) {
          int w = (int) (sent % window);
          var unused =
              store
                  .appendAsync(runs.get(run[w]), drafts.get(position[w]))
                  .whenComplete(
                      (e, t) -> {
                        if (t != null) {
                          failed.incrementAndGet();
                        }
                      });
          sent++;
          if (++position[w] == drafts.size()) {
            position[w] = 0;
            run[w] = nextRun++;
          }
        }
        LockSupport.parkNanos(200_000);
      }
      long appendNanos = System.nanoTime() - began;
      long deadline = System.nanoTime() + 60_000_000_000L;
      // every appended event plus each run's run.created (delivered when the run was created)
      long expected = sent - failed.get() + runCount;
      while (modules.traces.liveEvents() < expected
          && modules.traces.droppedEvents() == 0
          && System.nanoTime() < deadline) {
        LockSupport.parkNanos(1_000_000);
      }
      long caughtUp = System.nanoTime() - began - appendNanos;
      modules
          .sdk
          .getSdkTracerProvider()
          .forceFlush()
          .join(10, java.util.concurrent.TimeUnit.SECONDS);
      Result result =
          new Result(
              sent / (appendNanos / 1e9),
              modules.traces.droppedEvents(),
              modules.traces.liveEvents(),
              expected,
              caughtUp / 1e6,
              modules.exportedSpans.get());
      if (!print) {
        return result;
      }
      System.out.printf(
          "store=%s target=%d events/s sent=%d in %.2f s (%.0f events/s) failed=%d%n",
          kind, rate, sent, appendNanos / 1e9, sent / (appendNanos / 1e9), failed.get());
      System.out.printf(
          "live export: folded=%d of %d dropped=%d (queue 65,536) caught up %.0f ms after the"
              + " last append%n",
          modules.traces.liveEvents(), expected, modules.traces.droppedEvents(), caughtUp / 1e6);
      System.out.printf("spans exported: %d%n", modules.exportedSpans.get());
      return result;
    } finally {
      Bench.delete(dir);
    }
  }
}
