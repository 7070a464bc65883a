package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.OrchestratorListener;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.StepOptions;
import dev.runs.WorkflowException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Steps: retries, failures not retried, step ids used twice. The contract's {@code Steps} group
 * binds these tests to the store under test.
 */
abstract class OrchestratorStepsKit extends OrchestratorKit {
  OrchestratorStepsKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a retried step writes failed and retrying between attempts and completes on the third")
  void step_retries_writeFailedRetryingThenCompleted() throws Exception {
    List<String> finished = new CopyOnWriteArrayList<>();
    OrchestratorListener listener =
        new OrchestratorListener() {
          @Override
          public void stepFinished(
              RunId runId, String stepId, int attempt, Duration latency, boolean ok) {
            finished.add(stepId + "#" + attempt + (ok ? " ok" : " failed"));
          }
        };
    RunOrchestrator o =
        orchestrator(
            b ->
                b.listener(listener)
                    .workflow(
                        "retry",
                        "1",
                        ctx ->
                            ctx.step(
                                "fetch",
                                String.class,
                                StepOptions.retry(3, Duration.ofMillis(1)),
                                () -> {
                                  if (ran("fetch") < 3) {
                                    throw new WorkflowException("rate_limited", "try later", true);
                                  }
                                  return "page";
                                })));
    RunHandle h = o.start(request("retry").build());

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    List<RunEvent> steps =
        events(h.runId()).stream().filter(e -> e.type().name().startsWith("step.")).toList();
    assertThat(steps)
        .extracting(e -> e.type().name() + "#" + e.attempt().orElse(0))
        .containsExactly(
            "step.started#1",
            "step.failed#1",
            "step.retrying#1",
            "step.started#2",
            "step.failed#2",
            "step.retrying#2",
            "step.started#3",
            "step.completed#3");
    assertThat(steps.get(1).payload().toJsonNode().at("/error/code").asText())
        .isEqualTo("rate_limited");
    assertThat(steps.get(2).payload().toJsonNode().get("next_attempt").asInt()).isEqualTo(2);
    assertThat(finished).containsExactly("fetch#1 failed", "fetch#2 failed", "fetch#3 ok");
    assertNoDuplicates(h.runId());
  }

  @Test
  @DisplayName(
      "a failure marked not retryable is not retried; the run fails with reason step_failed")
  void step_notRetryable_failsRun() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "fatal",
            ctx ->
                ctx.step(
                    "fetch",
                    String.class,
                    StepOptions.retry(5, Duration.ZERO),
                    () -> {
                      ran("fetch");
                      throw new WorkflowException("not_found", "no such page", false);
                    }));
    RunHandle h = o.start(request("fatal").build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    assertThat(count("fetch")).isEqualTo(1);
    RunEvent failed = ofType(h.runId(), EventTypes.STEP_FAILED).get(0);
    assertThat(failed.payload().toJsonNode().at("/error/retryable").asBoolean()).isFalse();
    assertThat(ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().text("reason"))
        .contains("step_failed");
  }

  @Test
  @DisplayName("a step id used twice in one execution is a clear error")
  void step_duplicateId_isRefused() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "dup",
            ctx -> {
              ctx.step("same", String.class, () -> "1");
              return ctx.step("same", String.class, () -> "2");
            });
    RunHandle h = o.start(request("dup").build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    assertThat(
            ofType(h.runId(), EventTypes.RUN_FAILED)
                .get(0)
                .payload()
                .toJsonNode()
                .at("/error/message")
                .asText())
        .contains("'same' ran twice");
  }
}
