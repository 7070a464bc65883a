package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventTypes;
import dev.runs.IllegalTransitionException;
import dev.runs.PreflightRefusedException;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Resuming runs: only the failed step runs again, a trigger resumes once, refusals, the execution
 * number. The contract's {@code Resuming} group binds these tests to the store under test.
 */
abstract class OrchestratorResumingKit extends OrchestratorKit {
  OrchestratorResumingKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "after step c fails, resume runs only c (attempt 2) and completes without duplicate events")
  void resume_afterFailure_runsOnlyFailedStep() throws Exception {
    RunOrchestrator o = orchestrator("three", threeSteps());
    RunHandle h = o.start(request("three").build());
    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    assertThat(count("a")).isEqualTo(1);
    assertThat(count("c")).isEqualTo(1);

    RunHandle resumed = o.resume(h.runId(), trigger());

    assertThat(resumed.created()).isTrue();
    assertThat(resumed.runId()).isEqualTo(h.runId());
    assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
    assertThat(count("a")).isEqualTo(1);
    assertThat(count("b")).isEqualTo(1);
    assertThat(count("c")).isEqualTo(2);
    assertThat(types(h.runId()))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "console.line",
            "step.started",
            "step.completed",
            "step.started",
            "step.completed",
            "step.started",
            "step.failed",
            "run.failed",
            "run.resumed",
            "step.started",
            "step.completed",
            "run.completed");
    List<RunEvent> c =
        events(h.runId()).stream().filter(e -> e.stepId().filter("c"::equals).isPresent()).toList();
    assertThat(c)
        .extracting(e -> e.type().name() + "#" + e.attempt().orElse(0))
        .containsExactly("step.started#1", "step.failed#1", "step.started#2", "step.completed#2");
    assertThat(o.summary(h.runId()).orElseThrow().output().orElseThrow().asText())
        .isEqualTo("https://example.org 1024");
    assertThat(o.summary(h.runId()).orElseThrow().executions()).isEqualTo(2);
    assertNoDuplicates(h.runId());
  }

  @Test
  @DisplayName(
      "on resume, a step whose recorded output the redactor masked runs again and its step.started"
          + " says why; the workflow gets the real value; a clean output is still reused")
  void resume_redactedOutput_runsStepAgain() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    RunOrchestrator o = orchestrator("paging", paging(seen));
    RunHandle h = o.start(request("paging").build());
    assertThat(await(h)).isEqualTo(RunStatus.FAILED);

    RunHandle resumed = o.resume(h.runId(), trigger());

    assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
    assertThat(seen).containsExactly("abc", "abc");
    assertThat(count("list")).isEqualTo(2);
    assertThat(count("count")).isEqualTo(1);
    List<RunEvent> list =
        events(h.runId()).stream()
            .filter(e -> e.stepId().filter("list"::equals).isPresent())
            .toList();
    assertThat(list)
        .extracting(e -> e.type().name() + "#" + e.attempt().orElse(0))
        .containsExactly(
            "step.started#1", "step.completed#1", "step.started#2", "step.completed#2");
    assertThat(list.get(1).payload().toJsonNode().at("/output/next_token").asText())
        .isEqualTo("[REDACTED]");
    assertThat(list.get(1).payload().toJsonNode().at("/output_redacted").booleanValue()).isTrue();
    assertThat(list.get(2).payload().toJsonNode().at("/not_reused/reason").asText())
        .isEqualTo("output_redacted");
    assertThat(list.get(2).payload().toJsonNode().at("/not_reused/event_id").asText())
        .isEqualTo(list.get(1).eventId().value());
    assertNoDuplicates(h.runId());
  }

  @Test
  @DisplayName("resume with a trigger already used returns the run without a second run.resumed")
  void resume_sameTriggerTwice_resumesOnce() throws Exception {
    RunOrchestrator o = orchestrator("three", threeSteps());
    RunHandle h = o.start(request("three").build());
    await(h);
    Trigger t = trigger();

    RunHandle first = o.resume(h.runId(), t);
    await(first);
    RunHandle again = o.resume(h.runId(), t);

    assertThat(again.created()).isFalse();
    assertThat(await(again)).isEqualTo(RunStatus.COMPLETED);
    assertThat(ofType(h.runId(), EventTypes.RUN_RESUMED)).hasSize(1);
  }

  @Test
  @DisplayName("a completed run cannot be resumed; a resume needs a trigger; nothing is written")
  @SuppressWarnings("NullAway") // passes null on purpose: the refusal names the trigger
  void resume_refusals() throws Exception {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
    RunHandle h = o.start(request("greeter").build());
    await(h);
    int before = events(h.runId()).size();

    assertThatThrownBy(() -> o.resume(h.runId(), trigger()))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessageContaining("completed");
    assertThatThrownBy(() -> o.resume(h.runId(), null))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("trigger_missing");
    assertThat(events(h.runId())).hasSize(before);
    assertThat(store().lease(h.runId())).isEmpty();
  }

  @Test
  @DisplayName("the context tells the execution number")
  void resume_attemptCountsExecutions() throws Exception {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    RunOrchestrator o =
        orchestrator(
            "w",
            ctx -> {
              attempts.add(ctx.attempt());
              if (ctx.attempt() == 1) {
                throw new IllegalStateException("first time fails");
              }
              return null;
            });
    RunHandle h = o.start(request("w").build());
    await(h);
    await(o.resume(h.runId(), trigger()));
    assertThat(attempts).containsExactly(1, 2);
  }
}
