package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import dev.runs.StoreClosedException;
import dev.runs.ValidationException;
import dev.runs.WorkflowException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Starting runs: the lifecycle events, trigger ids, preflight blockers and warnings, failing
 * workflows, bad input, starts after close. The contract's {@code Starting} group binds these tests
 * to the store under test.
 */
abstract class OrchestratorStartingKit extends OrchestratorKit {
  OrchestratorStartingKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a run goes created, queued, started, its steps, completed, all written by the orchestrator")
  void start_runsWorkflow_writesLifecycleInOrder() throws Exception {
    RunOrchestrator o =
        orchestrator("greeter", ctx -> ctx.step("greet", String.class, () -> "hello"));
    RunHandle h =
        o.start(
            request("greeter").namespace("acme/kit").threadKey("t-1").label("team", "kit").build());

    assertThat(h.created()).isTrue();
    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    assertThat(types(h.runId()))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "step.started",
            "step.completed",
            "run.completed");
    List<RunEvent> events = events(h.runId());
    assertThat(events.subList(1, events.size()))
        .allSatisfy(
            e -> {
              assertThat(e.source()).isEqualTo("orchestrator");
              assertThat(e.idempotencyKey()).isPresent();
            });
    assertThat(events.get(3).stepId()).contains("greet");
    assertThat(events.get(3).attempt()).hasValue(1);
    assertThat(events.get(4).payload().text("output")).contains("hello");
    RunRecord r = o.get(h.runId()).orElseThrow();
    assertThat(r.namespace()).isEqualTo("acme/kit");
    assertThat(r.threadKey()).contains("t-1");
    assertThat(r.labels()).containsEntry("team", "kit");
    assertThat(h.record().id()).isEqualTo(h.runId());
    assertThat(o.state(h.runId()).status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(o.summary(h.runId()).orElseThrow().output().orElseThrow().asText())
        .isEqualTo("hello");
    assertThat(store().lease(h.runId())).isEmpty();
    assertNoDuplicates(h.runId());
  }

  @Test
  @DisplayName(
      "a request without a trigger is refused with a report naming trigger_missing, and nothing is"
          + " written")
  void start_withoutTrigger_refusedWithReport() {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
    RunRequest noTrigger = RunRequest.builder().workflow("greeter", "1").config(config()).build();

    PreflightReport report = o.preflight(noTrigger);
    assertThat(report.ready()).isFalse();
    assertThat(report.hasBlocker("trigger_missing")).isTrue();
    assertThatThrownBy(() -> o.start(noTrigger))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("trigger_missing")
        .satisfies(
            e ->
                assertThat(((PreflightRefusedException) e).report().hasBlocker("trigger_missing"))
                    .isTrue());
    assertThat(store().list(RunQuery.all()).runs()).isEmpty();
  }

  @Test
  @DisplayName(
      "a repeated trigger id returns the existing run with created() false and existing() true,"
          + " and starts nothing")
  void start_repeatedTrigger_returnsExistingRun() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "greeter",
            ctx ->
                ctx.step(
                    "greet",
                    String.class,
                    () -> {
                      ran("greet");
                      return "hello";
                    }));
    RunRequest req = request("greeter").build();
    RunHandle first = o.start(req);
    RunHandle second = o.start(req);

    assertThat(first.created()).isTrue();
    assertThat(first.existing()).isFalse();
    assertThat(second.created()).isFalse();
    assertThat(second.existing()).isTrue();
    assertThat(second.runId()).isEqualTo(first.runId());
    assertThat(await(second)).isEqualTo(RunStatus.COMPLETED);
    assertThat(await(first)).isEqualTo(RunStatus.COMPLETED);
    RunHandle afterTheEnd = o.start(req);
    assertThat(afterTheEnd.existing()).isTrue();
    assertThat(afterTheEnd.runId()).isEqualTo(first.runId());
    assertThat(await(afterTheEnd)).isEqualTo(RunStatus.COMPLETED);
    assertThat(store().list(RunQuery.all()).runs()).hasSize(1);
    assertThat(count("greet")).isEqualTo(1);
  }

  @Test
  @DisplayName("blockers from host checks refuse the start with the report; warnings do not")
  void start_hostBlocker_refusedWithReport() throws Exception {
    RunOrchestrator o =
        orchestrator(
            b ->
                b.workflow("greeter", "1", ctx -> "hi")
                    .preflightCheck(
                        (req, f) -> {
                          if (req.labels().containsKey("over-quota")) {
                            f.blocker("quota_exhausted", "the namespace used its quota");
                          }
                          f.warning("kit_warning", "just so you know");
                        }));

    assertThatThrownBy(() -> o.start(request("greeter").label("over-quota", "yes").build()))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("quota_exhausted");
    assertThat(store().list(RunQuery.all()).runs()).isEmpty();

    PreflightReport ok = o.preflight(request("greeter").build());
    assertThat(ok.ready()).isTrue();
    assertThat(ok.hasWarning("kit_warning")).isTrue();
    assertThat(await(o.start(request("greeter").build()))).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  @DisplayName(
      "preflight reports unknown workflows, invalid labels, missing budgets, and normalizes the"
          + " budget into the config")
  void preflight_reportsBuiltInChecks() {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");

    PreflightReport unknown =
        o.preflight(RunRequest.builder().workflow("nope", "9").trigger(trigger()).build());
    assertThat(unknown.hasBlocker("workflow_not_registered")).isTrue();
    assertThat(
            o.preflight(RunRequest.builder().trigger(trigger()).build())
                .hasBlocker("workflow_missing"))
        .isTrue();
    PreflightReport badLabel = o.preflight(request("greeter").label("Bad Key", "x").build());
    assertThat(badLabel.hasBlocker("request_invalid")).isTrue();
    PreflightReport noBudget =
        o.preflight(RunRequest.builder().workflow("greeter", "1").trigger(trigger()).build());
    assertThat(noBudget.ready()).isTrue();
    assertThat(noBudget.hasWarning("budget_missing")).isTrue();
    PreflightReport badBudget =
        o.preflight(
            RunRequest.builder()
                .workflow("greeter", "1")
                .trigger(trigger())
                .config(ConfigSnapshot.parse("{\"budget\":{\"max_tokens\":-5}}"))
                .build());
    assertThat(badBudget.hasBlocker("budget_invalid")).isTrue();
    PreflightReport withBudget =
        o.preflight(request("greeter").budget(Budget.none().withMaxTokens(500)).build());
    assertThat(
            withBudget
                .normalizedConfig()
                .orElseThrow()
                .at("/budget/max_tokens")
                .orElseThrow()
                .asLong())
        .isEqualTo(500);
    assertThat(withBudget.normalizedConfig().orElseThrow().at("/model/name").orElseThrow().asText())
        .isEqualTo("m-1");
  }

  @Test
  @DisplayName("a failing workflow ends the run failed with the error and reason")
  void start_workflowThrows_runFails() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "boom",
            ctx -> {
              throw new WorkflowException("bad_input", "the topic is empty", false);
            });
    RunHandle h = o.start(request("boom").build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    RunEvent failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0);
    JsonNode p = failed.payload().toJsonNode();
    assertThat(p.get("reason").asText()).isEqualTo("workflow_error");
    assertThat(p.at("/error/message").asText()).isEqualTo("the topic is empty");
    assertThat(p.at("/error/code").asText()).isEqualTo("bad_input");
    assertThat(o.summary(h.runId()).orElseThrow().errors())
        .extracting(RunSummary.ErrorSummary::eventType)
        .containsExactly("run.failed");
  }

  @Test
  @DisplayName(
      "bad input from a workflow (run.* drafts, non-x custom types) is refused with a typed error"
          + " and nothing is written")
  void emitters_badInput_refusedAndNothingWritten() throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    RunOrchestrator o =
        orchestrator(
            "bad",
            ctx -> {
              long before = store().state(ctx.runId()).lastSequence();
              try {
                ctx.emit(EventDraft.of(EventTypes.RUN_COMPLETED));
              } catch (ValidationException e) {
                errors.add(e);
              }
              try {
                ctx.custom("acme.score", Map.of("v", 1));
              } catch (ValidationException e) {
                errors.add(e);
              }
              try {
                ctx.emit(
                    EventDraft.of(
                        EventTypes.TOOL_CALL_STARTED, Payload.of(Map.of("arguments", 1))));
              } catch (ValidationException e) {
                errors.add(e);
              }
              try {
                ctx.step("bad id!", String.class, () -> "x");
              } catch (ValidationException e) {
                errors.add(e);
              }
              assertThat(store().state(ctx.runId()).lastSequence()).isEqualTo(before);
              return null;
            });
    RunHandle h = o.start(request("bad").build());

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    assertThat(errors).hasSize(4);
    assertThat(errors.get(0)).hasMessageContaining("lifecycle");
    assertThat(errors.get(1)).hasMessageContaining("x.<namespace>.<name>");
    assertThat(errors.get(2)).hasMessageContaining("payload.tool_name");
    assertThat(errors.get(3)).hasMessageContaining("step_id");
    assertThat(types(h.runId()))
        .containsExactly("run.created", "run.queued", "run.started", "run.completed");
  }

  @Test
  @DisplayName("after close, starting is refused")
  void start_afterClose_isRefused() {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
    o.close();
    assertThatThrownBy(() -> o.start(request("greeter").build()))
        .isInstanceOf(StoreClosedException.class)
        .hasMessageContaining("closed");
    assertThat(store().list(RunQuery.all()).runs()).isEmpty();
  }
}
