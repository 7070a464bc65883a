package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runs.Lease;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Leases: acquire, renew, expire, race, durability. The contract's {@code Leases} group binds these
 * tests to the store under test.
 */
abstract class RunStoreLeasesKit extends RunStoreKit {
  RunStoreLeasesKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("one owner holds a lease until it expires; then another may take it")
  void lease_acquireRenewExpire() {
    RunId id = startedRun();
    Lease a = store().acquireLease(id, "host-a", Duration.ofSeconds(30)).orElseThrow();
    assertThat(a.owner()).isEqualTo("host-a");
    assertThat(store().acquireLease(id, "host-b", Duration.ofSeconds(30))).isEmpty();
    assertThat(store().renewLease(id, "host-a", Duration.ofSeconds(60))).isPresent();
    assertThat(store().renewLease(id, "host-b", Duration.ofSeconds(60))).isEmpty();
    assertThat(store().expiredLeases(10)).isEmpty();

    clock().advance(Duration.ofSeconds(61));
    assertThat(store().expiredLeases(10)).extracting(Lease::runId).containsExactly(id);
    assertThat(store().acquireLease(id, "host-b", Duration.ofSeconds(30))).isPresent();
    assertThat(store().renewLease(id, "host-a", Duration.ofSeconds(30))).isEmpty();
    assertThat(store().lease(id).orElseThrow().owner()).isEqualTo("host-b");

    store().releaseLease(id, "host-a");
    assertThat(store().lease(id)).isPresent();
    store().releaseLease(id, "host-b");
    assertThat(store().lease(id)).isEmpty();
  }

  @Test
  @DisplayName("a release racing the owner's own renewals always leaves the run without a lease")
  void lease_releaseRacingRenewals_released() throws Exception {
    int renewers = 3;
    ExecutorService pool = Executors.newFixedThreadPool(renewers);
    try {
      for (int round = 0; round < 30; round++) {
        RunId id = startedRun();
        assertThat(store().acquireLease(id, "host-a", Duration.ofSeconds(30))).isPresent();
        CountDownLatch renewing = new CountDownLatch(renewers);
        AtomicInteger expiry = new AtomicInteger(60);
        List<Future<Boolean>> stopped = new ArrayList<>();
        for (int r = 0; r < renewers; r++) {
          stopped.add(
              pool.submit(
                  () -> {
                    // each renewal has another expiry, so a release's compare-and-set can miss it
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < deadline) {
                      Duration ttl = Duration.ofSeconds(expiry.incrementAndGet());
                      if (store().renewLease(id, "host-a", ttl).isEmpty()) {
                        return true;
                      }
                      renewing.countDown();
                    }
                    return false;
                  }));
        }
        assertThat(renewing.await(10, TimeUnit.SECONDS)).isTrue();
        store().releaseLease(id, "host-a");
        for (Future<Boolean> f : stopped) {
          assertThat(f.get(30, TimeUnit.SECONDS))
              .as("round %d: renewals stop once released", round)
              .isTrue();
        }
        assertThat(store().lease(id)).as("round %d", round).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("racing owners: exactly one acquires a free lease")
  void lease_race_oneWins() throws Exception {
    RunId id = startedRun();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int i = 0; i < 8; i++) {
        String owner = "host-" + i;
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return store().acquireLease(id, owner, Duration.ofMinutes(5)).isPresent();
                }));
      }
      go.countDown();
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(wins).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName(
      "leases of unknown runs are refused (releasing one does nothing), bad arguments are"
          + " validation errors")
  void lease_badInput() {
    assertThatThrownBy(() -> store().acquireLease(RunId.of("missing"), "h", Duration.ofSeconds(1)))
        .isInstanceOf(RunNotFoundException.class);
    RunId id = startedRun();
    assertThatThrownBy(() -> store().acquireLease(id, "h", Duration.ZERO))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> store().acquireLease(id, " ", Duration.ofSeconds(1)))
        .isInstanceOf(ValidationException.class);
    assertThat(store().lease(id)).isEmpty();
    store().releaseLease(RunId.of("missing"), "h");
    store().releaseLease(id, "nobody");
    assertThat(store().lease(RunId.of("missing"))).isEmpty();
  }

  @Test
  @DisplayName("leases survive close and reopen")
  void lease_durable() {
    assumeTrue(isDurable(), "store is not durable");
    RunId id = startedRun();
    store().acquireLease(id, "host-a", Duration.ofSeconds(30));
    reopen();
    assertThat(store().lease(id).orElseThrow().owner()).isEqualTo("host-a");
  }
}
