import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fills a store with runs for the {@code runs ls} timing: each run has a record and five events
 * (created, queued, started, two console lines). Run with the tool's jar on the class path:
 * {@code java -cp runs-cli-*-all.jar SeedRuns.java sqlite:/tmp/runs-100k.db 100000}.
 */
public final class SeedRuns {
  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int count = Integer.parseInt(args[1]);
    long t0 = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (RunStore store = RunStores.open(uri)) {
      for (int t = 0; t < 16; t++) {
        pool.submit(
            () -> {
              int i;
              while ((i = next.getAndIncrement()) < count) {
                RunRecord r =
                    RunRecord.builder(
                            WorkflowRef.of(i % 3 == 0 ? "etl" : "agent", "2"),
                            ConfigSnapshot.builder().input("n", i).build(),
                            Trigger.of(TriggerSource.TEST, "seed-" + i))
                        .label("team", i % 2 == 0 ? "data" : "web")
                        .build();
                RunId id = store.create(r).record().id();
                store.append(
                    id,
                    List.of(
                        EventDraft.of(EventType.of("run.queued"), Payload.empty()),
                        EventDraft.of(EventType.of("run.started"), Payload.empty()),
                        EventDraft.of("console.line", Map.of("stream", "stdout", "text", "hello")),
                        EventDraft.of("console.line", Map.of("stream", "stdout", "text", "bye"))));
              }
              return null;
            });
      }
      pool.shutdown();
      pool.awaitTermination(1, TimeUnit.HOURS);
    }
    System.out.printf("seeded %d runs in %.1f s%n", count, (System.nanoTime() - t0) / 1e9);
  }
}
