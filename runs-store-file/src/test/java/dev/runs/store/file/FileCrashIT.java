package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageManifest;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM that appends (single events, small and large batches, pipelined appends),
 * writes stages and creates runs, at random moments, and checks after each kill that the reopened
 * store holds every acknowledged event at its acknowledged sequence, gapless, with at most a torn
 * tail cut, and every acknowledged stage and run intact.
 */
final class FileCrashIT {
  private static final int KILLS = 24;

  @TempDir Path tmp;

  @Test
  @Timeout(600)
  void sigkill_atRandomMoments_everyAcknowledgedEventSurvives() throws Exception {
    Path dir = tmp.resolve("store");
    RunId id;
    try (RunStore store = RunStores.open("file:" + dir)) {
      id =
          store
              .create(
                  RunRecord.builder(
                          WorkflowRef.of("crash", "1"),
                          ConfigSnapshot.empty(),
                          Trigger.of(TriggerSource.TEST, "crash-main"))
                      .build())
              .record()
              .id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    }
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Map<Long, String> acked = new HashMap<>();
    Set<String> stages = new HashSet<>();
    Set<RunId> runs = new HashSet<>();
    Path broken = dir.resolve("runs").resolve(id.value()).resolve("events.ndjson.broken");
    int cuts = 0;
    for (int round = 0; round < KILLS; round++) {
      int before = acked.size();
      int wanted = 1 + random.nextInt(400);
      try (ChildJvm child =
          FileStoreChild.start(
              tmp.resolve("logs"), "crash", dir.toString(), id.value(), "r" + round)) {
        child.awaitLine("ready", Duration.ofSeconds(60));
        int start = child.lines().size();
        // kill after `wanted` lines, and only once at least one of them acknowledges an append
        child.await(
            ls ->
                ls.size() - start >= wanted
                    && ls.subList(start, ls.size()).stream().anyMatch(l -> l.startsWith("ack ")),
            Duration.ofMinutes(2));
        child.kill();
        for (String line : child.lines()) {
          String[] f = line.split(" ", -1);
          switch (f[0]) {
            case "ack" -> {
              String previous = acked.put(Long.parseLong(f[1]), f[2]);
              assertThat(previous)
                  .as("seed %d: sequence %s acknowledged twice", seed, f[1])
                  .isNull();
            }
            case "stage" -> stages.add(f[1] + "#" + f[2]);
            case "run" -> runs.add(RunId.of(f[1]));
            default -> {}
          }
        }
      }
      long brokenBefore = Files.exists(broken) ? Files.size(broken) : 0;
      try (RunStore store = RunStores.open("file:" + dir)) {
        List<RunEvent> events;
        try (EventStream s = store.read(id, 0)) {
          events = s.stream().toList();
        }
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).sequence())
              .as("seed %d round %d: gapless", seed, round)
              .isEqualTo(i + 1);
        }
        for (Map.Entry<Long, String> a : acked.entrySet()) {
          assertThat(a.getKey())
              .as("seed %d round %d: acknowledged sequence present", seed, round)
              .isLessThanOrEqualTo(events.size());
          assertThat(events.get((int) (a.getKey() - 1)).payload().text("text"))
              .as("seed %d round %d: event at sequence %d", seed, round, a.getKey())
              .contains(a.getValue());
        }
        assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(events.size());
        assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        Set<String> stored = new HashSet<>();
        for (StageManifest m : store.stages(id)) {
          stored.add(m.stageKey() + "#" + m.attempt());
          assertThat(store.verifyStage(id, m.stageKey(), m.attempt()).ok())
              .as("seed %d: stage %s#%d verifies", seed, m.stageKey(), m.attempt())
              .isTrue();
        }
        assertThat(stored).as("seed %d: acknowledged stages", seed).containsAll(stages);
        List<RunEntry> listed =
            store.list(RunQuery.builder().namespace("crash").limit(1000).build()).runs();
        assertThat(listed)
            .extracting(RunEntry::id)
            .as("seed %d: acknowledged runs", seed)
            .containsAll(runs);
        for (RunEntry e : listed) {
          assertThat(e.lastSequence()).isGreaterThanOrEqualTo(1);
        }
      }
      long brokenAfter = Files.exists(broken) ? Files.size(broken) : 0;
      if (brokenAfter > brokenBefore) {
        cuts++;
      }
      assertThat(acked.size()).as("round %d acknowledged something", round).isGreaterThan(before);
    }
    System.out.printf(
        "FileCrashIT: seed %d, %d kills, %d acknowledged events, %d stages, %d runs, %d torn tails"
            + " cut%n",
        seed, KILLS, acked.size(), stages.size(), runs.size(), cuts);
  }
}
