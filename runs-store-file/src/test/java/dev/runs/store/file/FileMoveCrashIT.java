package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventStream;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.StageManifest;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM that imports, archives, restores and deletes runs ({@link FileMoveChild}) at
 * random moments, and checks after each kill that every run the child touched is, in a store opened
 * afterwards, exactly in the state its last finished operation left or the one its interrupted
 * operation aimed at: whole (every event, gapless, hash chain intact, stages verified, trigger
 * mapped), an archive stub (head kept, no events, no stages), or absent (no record, no trigger),
 * and that no staging, trash or half-renamed file survives the reopening.
 */
final class FileMoveCrashIT {
  private static final int KILLS = 12;
  private static final int EVENTS = 3000;

  @TempDir Path tmp;

  /** What a run should be after an operation. */
  enum State {
    ABSENT,
    WHOLE,
    STUB
  }

  /** What the child said about one run. */
  static final class Run {
    final RunId id;
    final String trigger;
    final long last;
    final int stages;
    State done = State.ABSENT;
    State inFlight;

    Run(RunId id, String trigger, long last, int stages) {
      this.id = id;
      this.trigger = trigger;
      this.last = last;
      this.stages = stages;
    }
  }

  static State after(String op) {
    return switch (op) {
      case "import", "restore" -> State.WHOLE;
      case "stub" -> State.STUB;
      case "delete" -> State.ABSENT;
      default -> throw new IllegalArgumentException(op);
    };
  }

  @Test
  @Timeout(900)
  void sigkill_duringMoves_everyRunWholeStubOrAbsent() throws Exception {
    Path dir = tmp.resolve("store");
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Map<RunId, Run> runs = new LinkedHashMap<>();
    Map<State, Integer> seen = new HashMap<>();
    int interrupted = 0;
    for (int round = 0; round < KILLS; round++) {
      int wanted = 3 + random.nextInt(40);
      try (ChildJvm child =
          FileMoveChild.start(tmp.resolve("logs"), dir.toString(), "r" + round, EVENTS)) {
        child.awaitLine("ready", Duration.ofSeconds(60));
        int start = child.lines().size();
        child.await(ls -> ls.size() - start >= wanted, Duration.ofMinutes(3));
        child.kill();
        Map<RunId, Run> thisRound = new HashMap<>();
        for (String line : child.lines()) {
          String[] f = line.split(" ", -1);
          switch (f[0]) {
            case "plan" -> {
              Run r = new Run(RunId.of(f[1]), f[2], Long.parseLong(f[3]), Integer.parseInt(f[4]));
              runs.put(r.id, r);
              thisRound.put(r.id, r);
            }
            case "begin" -> runs.get(RunId.of(f[2])).inFlight = after(f[1]);
            case "done" -> {
              Run r = runs.get(RunId.of(f[2]));
              r.done = after(f[1]);
              r.inFlight = null;
            }
            default -> {}
          }
        }
        if (thisRound.values().stream().anyMatch(r -> r.inFlight != null)) {
          interrupted++;
        }
      }

      StoreLocation loc = StoreLocation.parse("file:" + dir + "?poll_ms=0");
      FileEngine engine = FileRunStoreProvider.openEngine(loc, ChannelOpener.DEFAULT);
      try (RunStore store = RunStoreFactory.create(engine, loc)) {
        assertThat(DurableFs.list(dir.resolve(".staging")))
            .as("seed %d round %d: staging left", seed, round)
            .isEmpty();
        assertThat(DurableFs.list(dir.resolve(".trash")))
            .as("seed %d round %d: trash left", seed, round)
            .isEmpty();
        for (Run r : runs.values()) {
          State actual = check(engine, store, r, dir, seed, round);
          List<State> allowed = new ArrayList<>(List.of(r.done));
          if (r.inFlight != null) {
            allowed.add(r.inFlight);
          }
          assertThat(allowed)
              .as("seed %d round %d: run %s is %s", seed, round, r.id, actual)
              .contains(actual);
          seen.merge(actual, 1, Integer::sum);
          // the store decides: an interrupted operation either happened or did not
          r.done = actual;
          r.inFlight = null;
        }
        assertThat(leftovers(dir.resolve("runs")))
            .as("seed %d round %d: half-renamed or temporary files", seed, round)
            .isEmpty();
        long listed =
            store.list(RunQuery.builder().limit(1000).build()).runs().stream()
                .filter(e -> runs.containsKey(e.id()))
                .count();
        assertThat(listed)
            .as("seed %d round %d: listed runs", seed, round)
            .isEqualTo(runs.values().stream().filter(r -> r.done != State.ABSENT).count());
      }
    }
    assertThat(interrupted).as("seed %d: kills that landed inside an operation", seed).isPositive();
    System.out.printf(
        "FileMoveCrashIT: seed %d, %d kills (%d inside an operation), %d runs; states seen: %s%n",
        seed, KILLS, interrupted, runs.size(), seen);
  }

  private static State check(
      FileEngine engine, RunStore store, Run r, Path dir, long seed, int round) throws IOException {
    String what = "seed " + seed + " round " + round + " run " + r.id;
    Path runDir = dir.resolve("runs").resolve(r.id.value());
    if (store.get(r.id).isEmpty()) {
      assertThat(store.findByTrigger(r.trigger)).as(what).isEmpty();
      assertThat(store.entry(r.id)).as(what).isEmpty();
      assertThat(Files.exists(runDir.resolve("run.json"))).as(what).isFalse();
      assertThat(store.lease(r.id)).as(what).isEmpty();
      return State.ABSENT;
    }
    assertThat(store.findByTrigger(r.trigger).orElseThrow().id()).as(what).isEqualTo(r.id);
    RunEntry entry = store.entry(r.id).orElseThrow();
    assertThat(entry.lastSequence()).as(what).isEqualTo(r.last);
    assertThat(entry.status()).as(what).isEqualTo(RunStatus.COMPLETED);
    if (engine.stub(r.id).isPresent()) {
      assertThat(engine.stub(r.id)).as(what).contains(FileMoveChild.stubJson(r.id.value()));
      try (EventStream s = engine.read(r.id, 0)) {
        assertThat(s.hasNext()).as(what).isFalse();
      }
      assertThat(engine.stages(r.id)).as(what).isEmpty();
      assertThat(Files.exists(runDir.resolve("events.ndjson"))).as(what).isFalse();
      assertThat(Files.exists(runDir.resolve("stages"))).as(what).isFalse();
      return State.STUB;
    }
    List<RunEvent> events;
    try (EventStream s = store.read(r.id, 0)) {
      events = s.stream().toList();
    }
    assertThat(events).as(what).hasSize((int) r.last);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).sequence()).as(what).isEqualTo(i + 1);
    }
    assertThat(store.verify(r.id).ok()).as(what + ": hash chain").isTrue();
    List<StageManifest> stages = store.stages(r.id);
    assertThat(stages).as(what).hasSize(r.stages);
    for (StageManifest m : stages) {
      assertThat(store.verifyStage(r.id, m.stageKey(), m.attempt()).ok()).as(what).isTrue();
    }
    return State.WHOLE;
  }

  /** Files a finished move never leaves in run directories. */
  private static List<Path> leftovers(Path runs) throws IOException {
    if (!Files.exists(runs)) {
      return List.of();
    }
    Set<String> half = Set.of(Layout.STUBBING, Layout.RESTORING);
    try (Stream<Path> s = Files.walk(runs)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return half.contains(n) || n.endsWith(DurableFs.TMP_SUFFIX);
              })
          .toList();
    }
  }
}
