package dev.runs.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.internal.MemoryEngine;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoreLocation;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.tck.MeterRegistryAssert;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Store errors, lease renewals and recoveries, and the append-latency percentiles. */
final class RunsMetricsErrorsAndLeasesTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** A memory engine whose commits throw a {@link StoreIoException} while {@code fail} is set. */
  private static StorageEngine failingEngine(AtomicBoolean fail) {
    MemoryEngine delegate = new MemoryEngine("failing:");
    return (StorageEngine)
        Proxy.newProxyInstance(
            StorageEngine.class.getClassLoader(),
            new Class<?>[] {StorageEngine.class},
            (proxy, method, args) -> {
              if (method.getName().equals("commit") && fail.get()) {
                throw new StoreIoException("disk on fire");
              }
              try {
                return method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static RunRecord record() {
    return RunRecord.builder(
            WorkflowRef.of("research", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
        .build();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s within 20 s", what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private double count(String name, String... tags) {
    Search s = registry.find(name).tags(tags);
    return s.counter() == null ? 0 : s.counter().count();
  }

  @Test
  void failedCommit_countsAStoreErrorByExceptionType() throws Exception {
    AtomicBoolean fail = new AtomicBoolean();
    try (RunStore store =
        RunStoreFactory.create(failingEngine(fail), StoreLocation.parse("failing:"))) {
      RunsMetrics metrics = RunsMetrics.builder(store).build();
      metrics.bindTo(registry);
      RunId id = store.create(record()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      fail.set(true);
      assertThatThrownBy(() -> store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED)))
          .isInstanceOf(StoreIoException.class);
      await(
          "runs.store.errors",
          () -> count("runs.store.errors", "exception", "StoreIoException") == 1);
      MeterRegistryAssert.assertThat(registry)
          .hasMeterWithNameAndTags("runs.store.errors", Tags.of("exception", "StoreIoException"));
      assertThat(registry.find("runs.store.errors").counters())
          .as("one meter: the exception's simple class name, no run id")
          .hasSize(1);
      metrics.close();
    }
  }

  @Test
  void runningExecution_renewsItsLease_andAppendLatencyHasPercentiles() throws Exception {
    try (RunStore store = dev.runs.RunStores.open("memory:")) {
      RunsMetrics metrics = RunsMetrics.builder(store).build();
      metrics.bindTo(registry);
      try (RunOrchestrator runs =
          RunOrchestrator.builder(store)
              .listener(metrics)
              .leaseTtl(Duration.ofMillis(300)) // renewed every 100 ms
              .workflow(
                  "research",
                  "1",
                  ctx ->
                      ctx.step(
                          "wait",
                          String.class,
                          () -> {
                            await(
                                "a lease renewal",
                                () -> count("runs.lease.renewals", "result", "renewed") >= 1);
                            return "renewed";
                          }))
              .build()) {
        RunStatus status =
            runs.start(
                    RunRequest.builder()
                        .workflow("research", "1")
                        .config(ConfigSnapshot.empty())
                        .trigger(Trigger.of(TriggerSource.TEST, "lease-1"))
                        .build())
                .completion()
                .join();
        assertThat(status).isEqualTo(RunStatus.COMPLETED);
      }
      MeterRegistryAssert.assertThat(registry)
          .hasMeterWithNameAndTags("runs.lease.renewals", Tags.of("result", "renewed"))
          .doesNotHaveMeterWithNameAndTags("runs.lease.renewals", Tags.of("result", "lost"));
      Timer latency = registry.get("runs.append.latency").tag("family", "step").timer();
      assertThat(
              Arrays.stream(latency.takeSnapshot().percentileValues())
                  .map(ValueAtPercentile::percentile))
          .containsExactly(0.5, 0.95, 0.99);
      metrics.close();
    }
  }

  @Test
  void recoverInterrupted_countsARecoveryPerRunWhoseOwnerStoppedRenewing() throws Exception {
    try (RunStore store = dev.runs.RunStores.open("memory:")) {
      RunsMetrics metrics = RunsMetrics.builder(store).build();
      metrics.bindTo(registry);
      RunId id = store.create(record()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      assertThat(store.acquireLease(id, "gone-instance", Duration.ofMillis(1))).isPresent();
      await("the lease to expire", () -> !store.expiredLeases(10).isEmpty());
      try (RunOrchestrator runs =
          RunOrchestrator.builder(store).listener(metrics).instanceId("survivor").build()) {
        assertThat(runs.recoverInterrupted()).containsExactly(id);
        assertThat(runs.recoverInterrupted()).as("once").isEmpty();
      }
      assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
      MeterRegistryAssert.assertThat(registry).hasMeterWithName("runs.lease.recoveries");
      assertThat(registry.get("runs.lease.recoveries").counter().count()).isEqualTo(1);
      metrics.close();
    }
  }
}
