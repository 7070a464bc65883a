package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Lease;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.CollectingSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover at the store level (the orchestrator-level test comes with the orchestrator): instance
 * A, a child JVM, leases a run and works through steps; it is SIGKILLed mid-way. Instance B (this
 * JVM) cannot take the lease while it holds, sees it expire, takes it over, records the run as
 * interrupted and resumed, and finishes the steps A had not completed. Every step is completed
 * exactly once, and B's tail saw A's events in order, none twice.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresFailoverIT {
  private static final Duration TTL = Duration.ofSeconds(6);
  private static final int STEPS = 12;

  @TempDir Path dir;
  private final String schema = PgTestDatabase.newSchemaName("failover");
  private ChildJvm child;

  @AfterEach
  void cleanUp() {
    if (child != null) {
      child.close();
    }
    PgTestDatabase.dropSchema(schema);
  }

  @Test
  @Timeout(180)
  void killedLeaseHolder_leaseExpires_otherInstanceTakesOverAndFinishes() throws Exception {
    try (RunStore b = RunStores.open(PgTestDatabase.uri(schema))) {
      RunId id =
          b.create(
                  RunRecord.builder(
                          WorkflowRef.of("failover", "1"),
                          ConfigSnapshot.empty(),
                          Trigger.of(TriggerSource.TEST, "failover-" + UUID.randomUUID()))
                      .build())
              .record()
              .id();
      b.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      CollectingSubscriber tail = new CollectingSubscriber(Long.MAX_VALUE);
      b.subscribe(id, 0, dev.runs.SubscribeOptions.defaults().withFollowResumed(true))
          .subscribe(tail);

      child =
          StoreChildProcess.start(
              "instance-a",
              PgTestDatabase.uri(schema),
              dir,
              "lease",
              "instance-a",
              Long.toString(TTL.toMillis()),
              Integer.toString(STEPS),
              id.value());
      child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      child.send("GO");
      child.awaitLine("LEASED"::equals, Duration.ofSeconds(60));
      child.awaitLine(l -> l.startsWith("STEP s3 DONE"), Duration.ofSeconds(60));
      child.kill();

      // A's lease still holds: B cannot take it
      Lease held = b.lease(id).orElseThrow();
      assertThat(held.owner()).isEqualTo("instance-a");
      assertThat(held.expiresAt()).isAfter(Instant.now().plusSeconds(1));
      assertThat(b.acquireLease(id, "instance-b", TTL)).isEmpty();
      assertThat(b.expiredLeases(10)).extracting(Lease::runId).doesNotContain(id);

      // ... until it expires
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (b.expiredLeases(10).stream().noneMatch(l -> l.runId().equals(id))) {
        assertThat(System.nanoTime()).as("lease expiry within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(Instant.now()).isAfterOrEqualTo(held.expiresAt());
      Lease mine = b.acquireLease(id, "instance-b", TTL).orElseThrow();
      assertThat(mine.owner()).isEqualTo("instance-b");
      assertThat(b.expiredLeases(10)).extracting(Lease::runId).doesNotContain(id);

      // recovery: interrupted, resumed, then the steps A did not complete
      assertThat(b.entry(id).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
      b.append(
          id,
          List.of(
              EventDraft.of(
                  EventTypes.RUN_INTERRUPTED,
                  Payload.of(Map.of("reason", "lease of instance-a expired"))),
              EventDraft.of(EventTypes.RUN_RESUMED)));
      var state = b.state(id);
      int completedByA = 0;
      for (int k = 1; k <= STEPS; k++) {
        String step = "s" + k;
        Optional<dev.runs.StepState> s = state.step(step);
        if (s.isPresent() && s.get().isCompleted()) {
          completedByA++;
          continue;
        }
        int attempt = s.map(x -> x.attempt() + 1).orElse(1);
        b.append(
            id,
            List.of(
                EventDraft.of(EventTypes.STEP_STARTED).withStep(step).withAttempt(attempt),
                EventDraft.of(
                        EventTypes.STEP_COMPLETED,
                        Payload.of(Map.of("output", Map.of("step", step, "by", "instance-b"))))
                    .withStep(step)
                    .withAttempt(attempt)));
      }
      b.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      b.releaseLease(id, "instance-b");

      assertThat(completedByA).isBetween(3, STEPS - 1);
      List<RunEvent> events = b.read(id, 0, 10_000);
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).sequence()).isEqualTo(i + 1);
      }
      for (int k = 1; k <= STEPS; k++) {
        String step = "s" + k;
        assertThat(events)
            .filteredOn(
                e ->
                    e.type().equals(EventTypes.STEP_COMPLETED)
                        && e.stepId().equals(Optional.of(step)))
            .as("completions of %s", step)
            .hasSize(1);
      }
      assertThat(b.state(id).status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(b.verify(id).ok()).isTrue();
      assertThat(b.lease(id)).isEmpty();

      // (a tail that follows resumes stays open even after run.completed, so wait for the count)
      tail.awaitCount(events.size(), Duration.ofSeconds(30));
      assertThat(tail.error()).isNull();
      assertThat(tail.events()).containsExactlyElementsOf(events);
      tail.cancel();
    }
  }
}
