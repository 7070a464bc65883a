package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.SubscribeOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.CollectingSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs append concurrently to the same 20 runs, while this JVM tails every run. Afterwards
 * every run is gapless, every idempotency key is stored once per run, every event a child had
 * acknowledged is stored as acknowledged, and each tail saw every event once, in order.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresMultiInstanceIT {
  private static final int CHILDREN = 3;
  private static final int RUNS = 20;
  private static final int PER_RUN = 30;
  private static final int THREADS = 4;

  @TempDir Path dir;
  private final String schema = PgTestDatabase.newSchemaName("multi");
  private final List<ChildJvm> children = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    children.forEach(ChildJvm::close);
    PgTestDatabase.dropSchema(schema);
  }

  @Test
  @Timeout(300)
  void threeInstances_appendToTwentyRuns_gaplessDeduplicatedNothingLost() throws Exception {
    // poll_ms=0 and a long subscriber poll: the tails here follow the children through NOTIFY alone
    try (RunStore store = RunStores.open(PgTestDatabase.uri(schema, "poll_ms=0"))) {
      List<RunId> runs = new ArrayList<>();
      for (int i = 0; i < RUNS; i++) {
        RunRecord r =
            RunRecord.builder(
                    WorkflowRef.of("multi", "1"),
                    ConfigSnapshot.empty(),
                    Trigger.of(TriggerSource.TEST, "multi-" + UUID.randomUUID()))
                .namespace("multi")
                .build();
        RunId id = store.create(r).record().id();
        store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
        runs.add(id);
      }
      Map<RunId, CollectingSubscriber> tails = new LinkedHashMap<>();
      SubscribeOptions options = SubscribeOptions.defaults().withPollInterval(Duration.ofHours(1));
      for (RunId id : runs) {
        CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
        store.subscribe(id, 0, options).subscribe(sub);
        tails.put(id, sub);
      }
      for (CollectingSubscriber sub : tails.values()) {
        sub.awaitCount(2, Duration.ofSeconds(30));
      }

      List<String> args =
          new ArrayList<>(
              List.of("append", "0", Integer.toString(PER_RUN), Integer.toString(THREADS)));
      runs.forEach(r -> args.add(r.value()));
      for (int c = 0; c < CHILDREN; c++) {
        args.set(1, Integer.toString(c));
        children.add(
            StoreChildProcess.start(
                "writer-" + c, PgTestDatabase.uri(schema), dir, args.toArray(new String[0])));
      }
      for (ChildJvm child : children) {
        child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      }
      for (ChildJvm child : children) {
        child.send("GO");
      }
      for (ChildJvm child : children) {
        child.awaitLine("DONE"::equals, Duration.ofMinutes(4));
        assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit code of %s", child).isZero();
      }

      // every run: gapless, one event per key, the expected count
      int keyless = (PER_RUN + 4) / 5;
      int expectedPerRun = 2 + CHILDREN * PER_RUN + PER_RUN + CHILDREN * keyless;
      Map<RunId, List<RunEvent>> logs = new HashMap<>();
      for (RunId id : runs) {
        List<RunEvent> events = store.read(id, 0, 100_000);
        logs.put(id, events);
        assertThat(events).as("events of %s", id).hasSize(expectedPerRun);
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).sequence())
              .as("sequence at index %d of %s", i, id)
              .isEqualTo(i + 1);
        }
        Set<String> keys = new HashSet<>();
        for (RunEvent e : events) {
          e.idempotencyKey()
              .ifPresent(k -> assertThat(keys.add(k)).as("key %s in %s once", k, id).isTrue());
        }
        assertThat(keys).hasSize(CHILDREN * PER_RUN + PER_RUN);
        assertThat(store.verify(id).ok()).isTrue();
      }

      // every acknowledged event is stored at its sequence with its id
      int acks = 0;
      for (ChildJvm child : children) {
        for (String line : child.lines()) {
          if (!line.startsWith("ACK ")) {
            continue;
          }
          String[] p = line.split(" ", -1);
          RunEvent stored = logs.get(RunId.of(p[1])).get(Integer.parseInt(p[2]) - 1);
          assertThat(stored.eventId().value()).as(line).isEqualTo(p[3]);
          assertThat(stored.idempotencyKey().orElse("-")).as(line).isEqualTo(p[4]);
          acks++;
        }
      }
      assertThat(acks).isEqualTo(CHILDREN * RUNS * (2 * PER_RUN + keyless));

      // each tail saw the children's events once, in order; run.completed from here ends it
      for (RunId id : runs) {
        store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      }
      for (Map.Entry<RunId, CollectingSubscriber> t : tails.entrySet()) {
        CollectingSubscriber sub = t.getValue();
        sub.awaitDone(Duration.ofSeconds(60));
        assertThat(sub.error()).isNull();
        List<RunEvent> stored = logs.get(t.getKey());
        List<RunEvent> seen = sub.events();
        assertThat(seen).hasSize(stored.size() + 1);
        assertThat(seen.subList(0, stored.size())).containsExactlyElementsOf(stored);
        assertThat(seen.get(stored.size()).type()).isEqualTo(EventTypes.RUN_COMPLETED);
      }
    }
  }
}
