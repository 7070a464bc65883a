package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.Lease;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.internal.GroupCommitTest.ControlledEngine;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Releasing a lease while its owner's renewal thread renews it. */
final class LeaseReleaseTest {

  @Test
  void release_renewedBetweenReadAndCompareAndSet_stillReleases() {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      assertThat(store.acquireLease(id, "host-a", Duration.ofSeconds(30))).isPresent();
      // the owner's renewal lands after the release read the lease and before it swaps it out
      engine.beforeLeaseCas.set(
          () -> assertThat(store.renewLease(id, "host-a", Duration.ofSeconds(90))).isPresent());

      store.releaseLease(id, "host-a");

      assertThat(engine.beforeLeaseCas.get()).as("the racing renewal ran").isNull();
      assertThat(store.lease(id)).isEmpty();
    }
  }

  @Test
  void release_takenByAnotherOwnerMeanwhile_leavesTheirLease() {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      assertThat(store.acquireLease(id, "host-a", Duration.ofSeconds(30))).isPresent();
      Lease taken = new Lease(id, "host-b", Instant.parse("2100-01-01T00:00:00Z"));
      // host-a's lease expired and host-b took it after the release read host-a's lease
      engine.beforeLeaseCas.set(
          () ->
              assertThat(
                      engine.delegate.compareAndSetLease(
                          id, engine.delegate.readLease(id), Optional.of(taken)))
                  .isTrue());

      store.releaseLease(id, "host-a");

      assertThat(engine.beforeLeaseCas.get()).as("the racing take-over ran").isNull();
      assertThat(store.lease(id)).contains(taken);
    }
  }
}
