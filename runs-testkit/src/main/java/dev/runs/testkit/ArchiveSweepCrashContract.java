package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that archives and restores runs, again and again at random points, and checks
 * after each kill that every run is readable and whole: from the store or from the archive, never
 * neither, never half. A store module's crash IT extends it with its URI.
 *
 * <pre>{@code
 * class SqliteArchiveCrashIT extends ArchiveSweepCrashContract {
 *   protected String storeUri(Path dir) { return "sqlite:" + dir.resolve("runs.db"); }
 * }
 * }</pre>
 */
public abstract class ArchiveSweepCrashContract {
  private static final int RUNS = 12;
  private static final int KILLS = 20;

  /** Where the store and the archive live. */
  @TempDir protected Path dir;

  /**
   * @param dir a directory for the store
   * @return the URI of a durable store in it, shared by this process and the child
   */
  protected abstract String storeUri(Path dir);

  private record Expected(List<RunEvent> events, Map<String, byte[]> files) {}

  @Test
  void sweepKilledAtRandomPoints_everyRunStaysReadable() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String archiveUri = "dir:" + dir.resolve("archive");
    Map<RunId, Expected> expected = new HashMap<>();
    try (RunStore store = RunStores.open(storeUri(dir))) {
      for (int i = 0; i < RUNS; i++) {
        RunId id =
            MovingRuns.write(
                store,
                dev.runs.RunRecord.builder(
                        dev.runs.WorkflowRef.of("crash-sweep", "1"),
                        dev.runs.ConfigSnapshot.builder().model("acme", "m-1").build(),
                        dev.runs.Trigger.of(
                            dev.runs.TriggerSource.TEST,
                            "sweep-" + java.util.UUID.randomUUID(),
                            "kit"))
                    .build(),
                20 + random.nextInt(200),
                random,
                i % 3 == 0 ? EventTypes.RUN_FAILED : EventTypes.RUN_COMPLETED);
        expected.put(
            id, new Expected(RunStoreKit.all(store, id), MovingRuns.stageFiles(store, id)));
      }
    }
    List<Integer> archivedCounts = new ArrayList<>();
    for (int kill = 0; kill < KILLS; kill++) {
      try (ChildJvm child =
          ChildJvm.builder(SweepChild.class)
              .name("sweep-child")
              .args(storeUri(dir), archiveUri)
              .stderrDirectory(dir.resolve("stderr"))
              .start()) {
        child.awaitLine("ready", Duration.ofSeconds(60));
        if (random.nextBoolean()) {
          int cycle = 1 + random.nextInt(2);
          child.awaitLine(line -> line.equals("cycle " + cycle), Duration.ofMinutes(2));
        }
        // a random point inside the next round: the delay picks where the kill lands
        Thread.sleep(random.nextInt(400));
      }
      int archived = 0;
      try (ArchiveStore archive = ArchiveStores.open(archiveUri);
          RunStore store =
              RunStores.open(storeUri(dir), RunStoreOptions.builder().archive(archive).build())) {
        for (Map.Entry<RunId, Expected> e : expected.entrySet()) {
          RunId id = e.getKey();
          String context = "seed " + seed + ", kill " + kill + ", run " + id;
          assertThat(RunStoreKit.all(store, id)).as(context).isEqualTo(e.getValue().events());
          assertThat(MovingRuns.stageFiles(store, id))
              .as(context)
              .containsExactlyEntriesOf(e.getValue().files());
          assertThat(store.verify(id).ok()).as(context).isTrue();
          if (store.archived(id).isPresent()) {
            archived++;
          }
        }
      }
      archivedCounts.add(archived);
    }
    System.out.println(
        "archive sweep crash: seed " + seed + ", archived after each kill " + archivedCounts);
  }
}
