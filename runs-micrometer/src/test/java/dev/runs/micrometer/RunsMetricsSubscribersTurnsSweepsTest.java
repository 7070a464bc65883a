package dev.runs.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.SweepReport;
import dev.runs.TransferReport;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.tck.MeterRegistryAssert;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subscriber gauges, agent-turn durations and archive-sweep meters. */
final class RunsMetricsSubscribersTurnsSweepsTest {
  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final RunStore store =
      RunStores.open("memory:", RunStoreOptions.builder().clock(clock).build());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() {
    store.close();
  }

  /** A clock the test moves. */
  private static final class SettableClock extends Clock {
    private final AtomicReference<Instant> now;

    SettableClock(Instant start) {
      now = new AtomicReference<>(start);
    }

    void at(long seconds) {
      now.set(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seconds));
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  private RunId newRun() {
    RunRecord r =
        RunRecord.builder(
                WorkflowRef.of("wf", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()))
            .build();
    RunId id = store.create(r).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  private static void waitUntil(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  /** A subscriber that takes nothing until told to. */
  private static final class Lazy implements Flow.Subscriber<RunEvent> {
    final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    final AtomicLong last = new AtomicLong();

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.set(s);
    }

    @Override
    public void onNext(RunEvent item) {
      last.set(item.sequence());
    }

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  @Test
  void subscribers_countAndLag_followSubscriptionsAndDelivery() throws Exception {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    assertThat(gauge("runs.subscribers")).isZero();
    RunId run = newRun(); // sequences 1, 2
    Lazy slow = new Lazy();
    Lazy fast = new Lazy();
    store.subscribe(run, 0).subscribe(slow);
    store.subscribe(run, 2).subscribe(fast);
    assertThat(gauge("runs.subscribers")).isEqualTo(2);
    fast.subscription.get().request(Long.MAX_VALUE);
    for (int i = 0; i < 5; i++) {
      store.append(
          run,
          EventDraft.of(
              EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "x"))));
    }
    waitUntil("the fast subscriber has all 7 events", () -> fast.last.get() == 7);
    // the slow one took nothing: 7 events behind; the fast one none
    waitUntil("the lag gauges settle", () -> gauge("runs.subscriber.lag.max") == 7);
    assertThat(gauge("runs.subscriber.lag.total")).isEqualTo(7);

    slow.subscription.get().request(3);
    waitUntil("the slow subscriber took 3", () -> slow.last.get() == 3);
    waitUntil("its lag shrank to 4", () -> gauge("runs.subscriber.lag.max") == 4);

    slow.subscription.get().cancel();
    assertThat(gauge("runs.subscribers")).isEqualTo(1);
    assertThat(gauge("runs.subscriber.lag.max")).isZero();
    store.append(run, EventDraft.of(EventTypes.RUN_COMPLETED));
    waitUntil("the completed run ends the fast subscription", () -> gauge("runs.subscribers") == 0);
    metrics.close();
  }

  @Test
  void subscribers_storeClosed_countsNone() throws Exception {
    RunStore other = RunStores.open("memory:");
    RunsMetrics metrics = RunsMetrics.builder(other).build();
    metrics.bindTo(registry);
    RunRecord r =
        RunRecord.builder(
                WorkflowRef.of("wf", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "t-close"))
            .build();
    RunId id = other.create(r).record().id();
    other.subscribe(id, 0).subscribe(new Lazy());
    assertThat(gauge("runs.subscribers")).isEqualTo(1);
    other.close();
    assertThat(gauge("runs.subscribers")).isZero();
  }

  @Test
  void agentTurns_handoffStepEndAndRunEnd_timeEachTurnByAgent() {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    RunId run = newRun();
    clock.at(10);
    store.append(run, EventDraft.of(EventTypes.STEP_STARTED).withStep("plan").withAttempt(1));
    store.append(
        run,
        EventDraft.of(EventTypes.AGENT_INVOKED, Payload.of(Map.of("agent", "planner")))
            .withStep("plan"));
    clock.at(13);
    store.append(
        run,
        EventDraft.of(
                EventTypes.AGENT_HANDOFF,
                Payload.of(Map.of("from_agent", "planner", "to_agent", "writer")))
            .withStep("plan"));
    clock.at(20);
    store.append(run, EventDraft.of(EventTypes.STEP_COMPLETED).withStep("plan").withAttempt(1));
    clock.at(21);
    store.append(run, EventDraft.of(EventTypes.AGENT_INVOKED, Payload.of(Map.of("agent", "solo"))));
    clock.at(25);
    store.append(run, EventDraft.of(EventTypes.RUN_COMPLETED));
    metrics.close();

    MeterRegistryAssert.assertThat(registry)
        .hasTimerWithNameAndTags(
            "runs.agent.turn.duration",
            Tags.of("gen_ai.operation.name", "invoke_agent", "gen_ai.agent.name", "planner"));
    assertThat(turn("planner").count()).isEqualTo(1);
    assertThat(turn("planner").totalTime(TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(turn("writer").count()).isEqualTo(1);
    assertThat(turn("writer").totalTime(TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(turn("solo").count()).isEqualTo(1);
    assertThat(turn("solo").totalTime(TimeUnit.SECONDS)).isEqualTo(4);
  }

  @Test
  void agentTurns_nestedStepEnds_endTheInnerTurnOnly() {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    RunId run = newRun();
    clock.at(1);
    store.append(run, EventDraft.of(EventTypes.STEP_STARTED).withStep("plan").withAttempt(1));
    store.append(
        run,
        EventDraft.of(EventTypes.AGENT_INVOKED, Payload.of(Map.of("agent", "outer")))
            .withStep("plan"));
    store.append(
        run, EventDraft.of(EventTypes.STEP_STARTED).withStep("plan/search").withAttempt(1));
    store.append(
        run,
        EventDraft.of(EventTypes.AGENT_INVOKED, Payload.of(Map.of("agent", "inner")))
            .withStep("plan/search"));
    clock.at(3);
    store.append(
        run,
        EventDraft.of(
                EventTypes.STEP_FAILED,
                Payload.of("{\"error\":{\"code\":\"boom\",\"message\":\"it broke\"}}"))
            .withStep("plan/search")
            .withAttempt(1));
    assertThat(turn("inner").count()).isEqualTo(1);
    assertThat(turn("inner").totalTime(TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(registry.find("runs.agent.turn.duration").tag("gen_ai.agent.name", "outer").timer())
        .isNull();
    clock.at(6);
    store.append(run, EventDraft.of(EventTypes.STEP_COMPLETED).withStep("plan").withAttempt(1));
    assertThat(turn("outer").totalTime(TimeUnit.SECONDS)).isEqualTo(5);
    metrics.close();
  }

  @Test
  void agentTurns_manyAgentNames_areBounded() {
    RunsMetrics metrics = RunsMetrics.builder(store).maxTagValues(2).build();
    metrics.bindTo(registry);
    RunId run = newRun();
    for (String agent : List.of("a", "b", "c", "d")) {
      store.append(
          run, EventDraft.of(EventTypes.AGENT_INVOKED, Payload.of(Map.of("agent", agent))));
    }
    store.append(run, EventDraft.of(EventTypes.RUN_COMPLETED));
    metrics.close();
    assertThat(registry.find("runs.agent.turn.duration").timers())
        .extracting(t -> t.getId().getTag("gen_ai.agent.name"))
        .containsExactlyInAnyOrder("a", "b", "other");
    assertThat(turn("other").count()).isEqualTo(2);
  }

  private io.micrometer.core.instrument.Timer turn(String agent) {
    return registry.get("runs.agent.turn.duration").tag("gen_ai.agent.name", agent).timer();
  }

  @Test
  void recordSweep_reports_countRunsEventsBytesAndSweeps() {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.recordSweep(new SweepReport(9, 9, 9, 9, 9, Duration.ofSeconds(1), List.of()));
    metrics.bindTo(registry); // before binding: nothing recorded
    metrics.recordSweep(
        new SweepReport(
            2,
            1,
            1,
            40,
            1234,
            Duration.ofMillis(50),
            List.of(new TransferReport.Failure("r", "boom"))));
    metrics.recordSweep(new SweepReport(3, 0, 0, 60, 766, Duration.ofMillis(150), List.of()));
    metrics.close();

    assertThat(registry.get("runs.archive.sweeps").timer().count()).isEqualTo(2);
    assertThat(registry.get("runs.archive.sweeps").timer().totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(200);
    assertThat(archived("archived")).isEqualTo(5);
    assertThat(archived("skipped")).isEqualTo(1);
    assertThat(archived("failed")).isEqualTo(1);
    assertThat(registry.get("runs.archive.events").counter().count()).isEqualTo(100);
    assertThat(registry.get("runs.archive.bytes").counter().count()).isEqualTo(2000);
  }

  @Test
  void recordSweep_realArchiver_countsTheArchivedRun(@TempDir Path dir) {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    RunId run = newRun();
    store.append(run, EventDraft.of(EventTypes.RUN_COMPLETED));
    clock.at(3600);
    try (ArchiveStore archive = ArchiveStores.open("dir:" + dir)) {
      RunArchiver archiver =
          RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ofMinutes(1)));
      SweepReport report = archiver.sweep();
      metrics.recordSweep(report);
      assertThat(report.archived()).isEqualTo(1);
      assertThat(archived("archived")).isEqualTo(1);
      assertThat(registry.get("runs.archive.events").counter().count())
          .isEqualTo((double) report.events())
          .isPositive();
      assertThat(registry.get("runs.archive.bytes").counter().count())
          .isEqualTo((double) report.bytes())
          .isPositive();
    }
    metrics.close();
  }

  private double archived(String result) {
    return registry.get("runs.archive.runs").tag("result", result).counter().count();
  }
}
