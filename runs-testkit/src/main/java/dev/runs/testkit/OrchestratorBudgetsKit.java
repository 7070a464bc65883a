package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.BudgetExceededException;
import dev.runs.EventTypes;
import dev.runs.ModelGeneration;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.Workflow;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Budgets: token, cost and wall time budgets end the run failed. The contract's {@code Budgets}
 * group binds these tests to the store under test.
 */
abstract class OrchestratorBudgetsKit extends OrchestratorKit {
  OrchestratorBudgetsKit(OrchestratorContract contract) {
    super(contract);
  }

  private Workflow spender(int calls, long tokensEach, boolean swallow) {
    return ctx -> {
      for (int i = 0; i < calls; i++) {
        int n = i;
        ctx.step(
            "call-" + i,
            String.class,
            () -> {
              ModelGeneration g = ctx.model("acme", "m-1").started();
              try {
                g.completed(
                    g.completion().usage(tokensEach, 0).cost(new BigDecimal("0.10")).build());
              } catch (BudgetExceededException e) {
                if (!swallow) {
                  throw e;
                }
              }
              return "call " + n;
            });
      }
      return "spent";
    };
  }

  @Test
  @DisplayName(
      "crossing the token budget writes budget.exceeded and ends the run failed with reason"
          + " budget_exceeded")
  void tokens_crossed_failsRun() throws Exception {
    RunOrchestrator o = orchestrator("spend", spender(5, 40, false));
    RunHandle h = o.start(request("spend").budget(Budget.none().withMaxTokens(100)).build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    List<String> types = types(h.runId());
    assertThat(types.subList(types.size() - 4, types.size()))
        .containsExactly(
            "model.generation.completed", "budget.exceeded", "step.failed", "run.failed");
    JsonNode x = ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().toJsonNode();
    assertThat(x.get("dimension").asText()).isEqualTo("tokens");
    assertThat(x.get("limit").asLong()).isEqualTo(100);
    assertThat(x.get("actual").asLong()).isEqualTo(120);
    JsonNode failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().toJsonNode();
    assertThat(failed.get("reason").asText()).isEqualTo("budget_exceeded");
    assertThat(failed.at("/error/code").asText()).isEqualTo("budget_exceeded");
    assertThat(ofType(h.runId(), EventTypes.MODEL_GENERATION_STARTED)).hasSize(3);
  }

  @Test
  @DisplayName(
      "a workflow that swallows the budget exception still ends failed; cost budgets work alike")
  void cost_crossedAndSwallowed_stillFails() throws Exception {
    RunOrchestrator o = orchestrator("spend", spender(5, 1, true));
    RunHandle h =
        o.start(request("spend").budget(Budget.none().withMaxCost(new BigDecimal("0.25"))).build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    JsonNode x = ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().toJsonNode();
    assertThat(x.get("dimension").asText()).isEqualTo("cost");
    assertThat(x.get("actual").decimalValue()).isEqualByComparingTo("0.30");
    assertThat(ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().text("reason"))
        .contains("budget_exceeded");
    assertThat(ofType(h.runId(), EventTypes.MODEL_GENERATION_STARTED)).hasSize(3);
  }

  @Test
  @DisplayName("an execution longer than its wall time budget fails at the next step boundary")
  void wallTime_crossed_failsAtNextStep() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "slow",
            ctx -> {
              ctx.step(
                  "long",
                  String.class,
                  () -> {
                    clock().advance(Duration.ofMinutes(2));
                    return "done";
                  });
              return ctx.step(
                  "after",
                  String.class,
                  () -> {
                    ran("after");
                    return "never";
                  });
            });
    RunHandle h =
        o.start(
            request("slow").budget(Budget.none().withMaxWallTime(Duration.ofMinutes(1))).build());

    assertThat(await(h)).isEqualTo(RunStatus.FAILED);
    assertThat(count("after")).isZero();
    assertThat(ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().text("dimension"))
        .contains("wall_time");
    assertThat(
            o.get(h.runId())
                .orElseThrow()
                .config()
                .at("/budget/max_wall_time_ms")
                .orElseThrow()
                .asLong())
        .isEqualTo(60_000);
  }
}
