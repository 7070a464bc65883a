package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Leases and recovery: expired leases are recovered, leases are held and renewed, queued runs of
 * dead owners fail, close cancels running workflows. The contract's {@code Recovery} group binds
 * these tests to the store under test.
 */
abstract class OrchestratorRecoveryKit extends OrchestratorKit {
  OrchestratorRecoveryKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a run whose owner stops renewing is marked interrupted by another instance, then resumed to"
          + " completion")
  void recover_expiredLease_interruptedThenResumed() throws Exception {
    CountDownLatch inStep = latch();
    CountDownLatch release = latch();
    Workflow w =
        ctx -> {
          ctx.step(
              "one",
              String.class,
              () -> {
                ran("one");
                return "1";
              });
          ctx.step(
              "two",
              String.class,
              () -> {
                if (ran("two") == 1) {
                  inStep.countDown();
                  await(release);
                }
                return "2";
              });
          return ctx.step(
              "three",
              String.class,
              () -> {
                ran("three");
                return "3";
              });
        };
    RunOrchestrator a =
        orchestrator(
            b -> b.instanceId("owner-a").leaseTtl(Duration.ofHours(1)).workflow("w", "1", w));
    RunOrchestrator b = orchestrator(x -> x.instanceId("owner-b").workflow("w", "1", w));
    RunHandle h = a.start(request("w").build());
    await(inStep);
    assertThat(store().lease(h.runId()).orElseThrow().owner()).isEqualTo("owner-a");
    assertThat(b.recoverInterrupted()).isEmpty();

    clock().advance(Duration.ofHours(2));
    List<RunId> recovered = b.recoverInterrupted();

    assertThat(recovered).containsExactly(h.runId());
    RunEvent interrupted = ofType(h.runId(), EventTypes.RUN_INTERRUPTED).get(0);
    assertThat(interrupted.payload().text("reason")).contains("lease_expired");
    assertThat(interrupted.payload().text("owner")).contains("owner-a");
    assertThat(store().lease(h.runId())).isEmpty();
    release.countDown();
    assertThat(await(h)).isEqualTo(RunStatus.INTERRUPTED);

    RunHandle resumed = b.resume(h.runId(), trigger());
    assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
    assertThat(count("one")).isEqualTo(1);
    assertThat(count("two")).isEqualTo(2);
    assertThat(count("three")).isEqualTo(1);
    assertThat(ofType(h.runId(), EventTypes.STEP_STARTED))
        .extracting(e -> e.stepId().orElseThrow() + "#" + e.attempt().orElse(0))
        .containsExactly("one#1", "two#1", "two#2", "three#1");
    assertThat(ofType(h.runId(), EventTypes.RUN_INTERRUPTED)).hasSize(1);
    assertNoDuplicates(h.runId());
  }

  @Test
  @DisplayName("the executing instance holds the run's lease and renews it while the run executes")
  void lease_heldAndRenewedWhileRunning() throws Exception {
    CountDownLatch inStep = latch();
    CountDownLatch release = latch();
    RunOrchestrator o =
        orchestrator(
            b ->
                b.instanceId("renewer")
                    .leaseTtl(Duration.ofMillis(300))
                    .workflow(
                        "w",
                        "1",
                        ctx ->
                            ctx.step(
                                "wait",
                                String.class,
                                () -> {
                                  inStep.countDown();
                                  await(release);
                                  return "done";
                                })));
    RunHandle h = o.start(request("w").build());
    await(inStep);
    dev.runs.Lease first = store().lease(h.runId()).orElseThrow();
    assertThat(first.owner()).isEqualTo("renewer");

    waitUntil(
        "the lease is renewed",
        () ->
            store()
                .lease(h.runId())
                .map(l -> l.expiresAt().isAfter(first.expiresAt()))
                .orElse(false));
    release.countDown();

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    assertThat(store().lease(h.runId())).isEmpty();
  }

  @Test
  @DisplayName(
      "a queued run whose owner died is failed with reason lease_expired, and can be resumed")
  void recover_queuedRunOfDeadOwner_failed() throws Exception {
    HeldExecutor never = new HeldExecutor();
    RunOrchestrator a = orchestrator(b -> b.executor(never).workflow("w", "1", ctx -> "ok"));
    RunOrchestrator b = orchestrator("w", ctx -> "ok");
    RunHandle h = a.start(request("w").build());
    clock().advance(Duration.ofHours(1));

    assertThat(b.recoverInterrupted()).containsExactly(h.runId());

    RunEvent failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0);
    assertThat(failed.payload().text("reason")).contains("lease_expired");
    assertThat(await(b.resume(h.runId(), trigger()))).isEqualTo(RunStatus.COMPLETED);
    never.runAll();
    assertThat(ofType(h.runId(), EventTypes.RUN_STARTED)).isEmpty();
    assertThat(b.state(h.runId()).status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  @DisplayName("close cancels workflows still running after the timeout and releases their leases")
  void close_cancelsRunningWorkflows() throws Exception {
    CountDownLatch started = latch();
    RunOrchestrator o =
        orchestrator(
            b ->
                b.closeTimeout(Duration.ofMillis(100))
                    .workflow(
                        "w",
                        "1",
                        ctx ->
                            ctx.step(
                                "wait",
                                String.class,
                                () -> {
                                  started.countDown();
                                  while (true) {
                                    ctx.cancellation().throwIfCancelled();
                                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                                  }
                                })));
    RunHandle h = o.start(request("w").build());
    await(started);

    o.close();

    assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
    assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
        .contains("orchestrator_closed");
    assertThat(store().lease(h.runId())).isEmpty();
  }
}
