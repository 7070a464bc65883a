package dev.runs.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.Payload;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store against the memory store as a model: the same random operations (creates with
 * repeated triggers, appends with idempotency keys, expected sequences and lifecycle events,
 * reopen) must give the same outcomes and the same logs, heads and listings.
 */
final class SqliteModelTest {
  @TempDir Path dir;

  @Test
  void randomOperations_matchTheMemoryStore() {
    Map<String, Integer> outcomes = new java.util.TreeMap<>();
    for (long seed = 1; seed <= 8; seed++) {
      run(seed, outcomes);
    }
    // the random mix must exercise writes and each kind of refusal, or the comparison proves little
    assertThat(outcomes.getOrDefault("written", 0)).as("%s", outcomes).isGreaterThan(300);
    assertThat(outcomes)
        .as("%s", outcomes)
        .containsKeys(
            "IllegalTransitionException",
            "SequenceConflictException",
            "RunNotFoundException",
            "false");
  }

  private RunStoreOptions options() {
    return RunStoreOptions.builder()
        .clock(TestClock.ticking(Instant.parse("2026-01-01T00:00:00Z"), Duration.ofMillis(1)))
        .build();
  }

  private void run(long seed, Map<String, Integer> outcomes) {
    Random random = new Random(seed);
    Path db = dir.resolve("model-" + seed + ".db");
    try (RunStore model = RunStores.open("memory:", options())) {
      List<RunId> runs;
      try (RunStore sqlite = RunStores.open("sqlite:" + db, options())) {
        runs = operate(random, seed, model, sqlite, outcomes);
        compare(model, sqlite, runs, "seed " + seed);
      }
      try (RunStore reopened = RunStores.open("sqlite:" + db, options())) {
        compare(model, reopened, runs, "seed " + seed + " after reopening");
      }
    }
  }

  private static List<RunId> operate(
      Random random, long seed, RunStore model, RunStore sqlite, Map<String, Integer> outcomes) {
    List<RunId> runs = new ArrayList<>();
    List<Trigger> triggers = new ArrayList<>();
    Payload reason = Payload.of(Map.of("reason", "model"));
    List<EventDraft> kinds =
        List.of(
            EventDraft.of(EventTypes.RUN_STARTED),
            EventDraft.of(EventTypes.RUN_QUEUED),
            EventDraft.of(EventTypes.RUN_COMPLETED),
            EventDraft.of(EventTypes.RUN_CANCELLED, reason),
            EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"x\"}}")),
            EventDraft.of(EventTypes.RUN_RESUMED),
            Fixtures.line("a"),
            Fixtures.line("b"),
            Fixtures.line("c"));
    for (int op = 0; op < 300; op++) {
      String context = "seed " + seed + " op " + op;
      int choice = random.nextInt(100);
      if (choice < 10 || runs.isEmpty()) {
        Trigger trigger =
            !triggers.isEmpty() && random.nextInt(4) == 0
                ? triggers.get(random.nextInt(triggers.size()))
                : Trigger.of(TriggerSource.TEST, "model-" + seed + "-" + op);
        RunRecord r =
            RunRecord.builder(WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), trigger)
                .namespace(random.nextBoolean() ? "ns/a" : "ns/b")
                .threadKey("t" + random.nextInt(3))
                .build();
        String a = outcome(() -> model.create(r).created());
        String b = outcome(() -> sqlite.create(r).created());
        assertThat(b).as(context).isEqualTo(a);
        outcomes.merge(a, 1, Integer::sum);
        if (a.equals("true")) {
          runs.add(r.id());
          triggers.add(trigger);
        }
      } else {
        RunId id =
            random.nextInt(20) == 0 ? RunId.of("missing") : runs.get(random.nextInt(runs.size()));
        List<EventDraft> batch = new ArrayList<>();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
          EventDraft d = kinds.get(random.nextInt(kinds.size()));
          if (random.nextInt(3) == 0) {
            d = d.withIdempotencyKey("k" + random.nextInt(6));
          }
          batch.add(d);
        }
        ExpectedSequence expected =
            random.nextInt(4) == 0
                ? ExpectedSequence.of(
                    Math.max(
                        1,
                        model.entry(id).map(RunEntry::lastSequence).orElse(1L) - random.nextInt(2)))
                : ExpectedSequence.any();
        String a = outcome(() -> seqs(model.append(id, batch, expected)));
        String b = outcome(() -> seqs(sqlite.append(id, batch, expected)));
        assertThat(b).as(context).isEqualTo(a);
        outcomes.merge(a.startsWith("[") ? "written" : a, 1, Integer::sum);
      }
    }
    return runs;
  }

  private static void compare(RunStore model, RunStore sqlite, List<RunId> runs, String context) {
    for (RunId id : runs) {
      assertThat(strip(all(sqlite, id)))
          .as("%s run %s", context, id)
          .isEqualTo(strip(all(model, id)));
      RunEntry a = model.entry(id).orElseThrow();
      RunEntry b = sqlite.entry(id).orElseThrow();
      assertThat(b.status()).isEqualTo(a.status());
      assertThat(b.lastSequence()).isEqualTo(a.lastSequence());
      assertThat(b.updatedAt()).isEqualTo(a.updatedAt());
      assertThat(sqlite.verify(id).ok()).isTrue();
    }
    for (RunQuery q :
        List.of(
            RunQuery.all(),
            RunQuery.builder().namespace("ns/a").build(),
            RunQuery.builder().threadKey("t1").limit(3).build(),
            RunQuery.builder().status(RunStatus.RUNNING).build(),
            RunQuery.builder()
                .status(RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CREATED)
                .build())) {
      assertThat(sqlite.list(q).runs())
          .extracting(RunEntry::id)
          .as("%s %s", context, q)
          .isEqualTo(model.list(q).runs().stream().map(RunEntry::id).toList());
    }
  }

  private static List<RunEvent> all(RunStore store, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * @return the events without their random ids
   */
  private static List<String> strip(List<RunEvent> events) {
    List<String> out = new ArrayList<>();
    for (RunEvent e : events) {
      out.add(
          e.sequence()
              + " "
              + e.type().name()
              + " "
              + e.time()
              + " "
              + e.idempotencyKey().orElse("-")
              + " "
              + e.payload().json());
    }
    return out;
  }

  private static String seqs(List<RunEvent> events) {
    return events.stream().map(e -> Long.toString(e.sequence())).toList().toString();
  }

  private static String outcome(java.util.concurrent.Callable<Object> action) {
    try {
      return String.valueOf(action.call());
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }
}
