package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.StepOptions;
import dev.runs.Workflow;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Cancelling runs: queued and running runs, cancels from another instance, cancellation tokens and
 * interrupts, cancel racing completion. The contract's {@code Cancelling} group binds these tests
 * to the store under test.
 */
abstract class OrchestratorCancellingKit extends OrchestratorKit {
  OrchestratorCancellingKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("a queued run ends cancelled at once and never starts")
  void cancel_queued_endsCancelledAtOnce() throws Exception {
    HeldExecutor held = new HeldExecutor();
    RunOrchestrator o =
        orchestrator(
            b ->
                b.executor(held)
                    .workflow(
                        "w",
                        "1",
                        ctx -> {
                          ran("body");
                          return null;
                        }));
    RunHandle h = o.start(request("w").build());
    assertThat(o.state(h.runId()).status()).isEqualTo(RunStatus.QUEUED);

    assertThat(o.cancel(h.runId(), "changed my mind")).isEqualTo(RunStatus.CANCELLED);
    assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
    held.runAll();

    assertThat(count("body")).isZero();
    assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.cancelled");
    assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
        .contains("changed my mind");
    assertThat(store().lease(h.runId())).isEmpty();
  }

  /** Step one signals {@code inStep} and waits for {@code release}; step two must never run. */
  private Workflow stopsAfterStepOne(CountDownLatch inStep, CountDownLatch release) {
    return ctx -> {
      ctx.step(
          "one",
          String.class,
          () -> {
            inStep.countDown();
            await(release);
            return "done";
          });
      return ctx.step(
          "two",
          String.class,
          () -> {
            ran("two");
            return "never";
          });
    };
  }

  @Test
  @DisplayName("a running run gets cancel_requested and ends cancelled at the next step boundary")
  void cancel_running_endsAtNextStepBoundary() throws Exception {
    CountDownLatch inStep = latch();
    CountDownLatch release = latch();
    RunOrchestrator o = orchestrator("w", stopsAfterStepOne(inStep, release));
    RunHandle h = o.start(request("w").build());
    await(inStep);

    assertThat(o.cancel(h.runId(), "user clicked stop")).isEqualTo(RunStatus.CANCEL_REQUESTED);
    release.countDown();

    assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
    assertThat(count("two")).isZero();
    assertThat(types(h.runId()))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "step.started",
            "run.cancel_requested",
            "step.completed",
            "run.cancelled");
    assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
        .contains("user clicked stop");
    assertThat(o.cancel(h.runId(), "again")).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  @DisplayName(
      "a cancel made by another instance is seen through the store at the next step boundary")
  void cancel_fromOtherInstance_seenThroughStore() throws Exception {
    CountDownLatch inStep = latch();
    CountDownLatch release = latch();
    RunOrchestrator a = orchestrator("w", stopsAfterStepOne(inStep, release));
    RunOrchestrator b = orchestrator("w", ctx -> null);
    RunHandle h = a.start(request("w").build());
    await(inStep);

    assertThat(b.cancel(h.runId(), "from b")).isEqualTo(RunStatus.CANCEL_REQUESTED);
    release.countDown();

    assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
    assertThat(count("two")).isZero();
    assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
        .contains("from b");
  }

  @Test
  @DisplayName(
      "a workflow checking its token stops inside a long step; interrupt-on-cancel wakes a blocked"
          + " step")
  void cancel_tokenAndInterrupt_stopInsideSteps() throws Exception {
    CountDownLatch polling = latch();
    CountDownLatch blocked = latch();
    RunOrchestrator o =
        orchestrator(
            b ->
                b.workflow(
                        "poll",
                        "1",
                        ctx ->
                            ctx.step(
                                "loop",
                                String.class,
                                () -> {
                                  polling.countDown();
                                  while (true) {
                                    ctx.cancellation().throwIfCancelled();
                                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                                  }
                                }))
                    .workflow(
                        "block",
                        "1",
                        ctx ->
                            ctx.step(
                                "sleep",
                                String.class,
                                StepOptions.defaults().withInterruptOnCancel(true),
                                () -> {
                                  blocked.countDown();
                                  new CountDownLatch(1).await();
                                  return "never";
                                })));
    RunHandle poll = o.start(request("poll").build());
    RunHandle block = o.start(request("block").build());
    await(polling);
    await(blocked);

    o.cancel(poll.runId(), "stop polling");
    o.cancel(block.runId(), "stop sleeping");

    assertThat(await(poll)).isEqualTo(RunStatus.CANCELLED);
    assertThat(await(block)).isEqualTo(RunStatus.CANCELLED);
    assertThat(
            ofType(block.runId(), EventTypes.STEP_FAILED)
                .get(0)
                .payload()
                .toJsonNode()
                .at("/error/code")
                .asText())
        .isEqualTo("cancelled");
  }

  @Test
  @DisplayName(
      "cancel racing completion, 200 times: one terminal event, and a recorded request always wins")
  void cancel_racingCompletion_isConsistent() throws Exception {
    RunOrchestrator o =
        orchestrator(
            b ->
                b.maxConcurrentRuns(4)
                    .workflow(
                        "quick",
                        "1",
                        ctx -> {
                          for (int i = 0; i < 3; i++) {
                            ctx.step("s" + i, Integer.class, () -> 1);
                          }
                          return "done";
                        }));
    for (int rep = 0; rep < 200; rep++) {
      RunHandle h = o.start(request("quick").build());
      int spin = ThreadLocalRandom.current().nextInt(0, 2000);
      for (int i = 0; i < spin; i++) {
        Thread.onSpinWait();
      }
      RunStatus answered = o.cancel(h.runId(), "race " + rep);
      RunStatus end = await(h);

      List<String> types = types(h.runId());
      assertThat(
              types.stream()
                  .filter(
                      t ->
                          t.equals("run.completed")
                              || t.equals("run.failed")
                              || t.equals("run.cancelled")
                              || t.equals("run.interrupted")))
          .as("terminal events of rep %d: %s", rep, types)
          .hasSize(1);
      assertThat(o.state(h.runId()).status()).as("rep %d", rep).isEqualTo(end);
      boolean requested = types.contains("run.cancel_requested");
      switch (answered) {
        case CANCELLED ->
            assertThat(end).as("rep %d %s", rep, types).isEqualTo(RunStatus.CANCELLED);
        case CANCEL_REQUESTED -> {
          assertThat(requested).as("rep %d %s", rep, types).isTrue();
          assertThat(end).as("rep %d %s", rep, types).isEqualTo(RunStatus.CANCELLED);
        }
        case COMPLETED -> {
          assertThat(requested).as("rep %d %s", rep, types).isFalse();
          assertThat(end).isEqualTo(RunStatus.COMPLETED);
        }
        default ->
            throw new AssertionError("rep " + rep + ": cancel answered " + answered + " " + types);
      }
      if (requested) {
        assertThat(types.get(types.size() - 1)).as("rep %d", rep).isEqualTo("run.cancelled");
      }
    }
  }
}
