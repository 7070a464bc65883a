package dev.runs.examples;

import static dev.runs.testkit.RunAssertions.assertThatRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.EventTypes;
import dev.runs.GuardrailStage;
import dev.runs.ModelGeneration;
import dev.runs.PreflightRefusedException;
import dev.runs.RunContext;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.Workflow;
import dev.runs.payload.RunFailed;
import dev.runs.payload.ToolCallCompleted;
import dev.runs.testkit.RunAssertions;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a host application unit-tests its own workflow with Runs: a fresh in-memory store per test,
 * the real orchestrator, a fake for the host's own dependency, and the testkit's {@link
 * RunAssertions} on the events the run recorded. The code under test, {@link TicketRouter}, would
 * live in the host's {@code src/main}.
 *
 * <p>Run it with {@code mvn -q -pl examples -am verify -Dtest=HostUnitTestExample
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
final class HostUnitTestExample {

  /** The host's code: classify a support ticket with a model, then ask the team directory. */
  static final class TicketRouter implements Workflow {
    /** The host's own dependency, faked in the test. */
    interface TeamDirectory {
      String teamFor(String product) throws IOException;
    }

    private final TeamDirectory directory;

    TicketRouter(TeamDirectory directory) {
      this.directory = directory;
    }

    @Override
    public Object run(RunContext ctx) throws Exception {
      String ticket = ctx.config().at("/inputs/ticket").orElseThrow().asText();
      String product =
          ctx.step(
              "classify",
              String.class,
              () -> {
                ModelGeneration gen =
                    ctx.model("acme", "small-1").param("temperature", 0).started();
                String label =
                    ticket.contains("invoice") ? "billing" : "lamps"; // the model's answer
                gen.completed(
                    gen.completion().usage(120, 2).finishReason("stop").output(label).build());
                return label;
              });
      String team =
          ctx.step(
              "route",
              String.class,
              () ->
                  ctx.tool(
                      "team_directory",
                      "1",
                      Map.of("product", product),
                      () -> directory.teamFor(product)));
      ctx.guardrail("team-known", GuardrailStage.OUTPUT, !team.isBlank(), Map.of("team", team));
      return Map.of("product", product, "team", team);
    }
  }

  private RunStore store;
  private RunOrchestrator orchestrator;
  private boolean directoryDown;

  @BeforeEach
  void open() {
    store = RunStores.open("memory:");
    orchestrator =
        RunOrchestrator.builder(store)
            .workflow(
                "ticket-router",
                "1",
                new TicketRouter(
                    product -> {
                      if (directoryDown) {
                        throw new IOException("team directory unavailable");
                      }
                      return product + "-team";
                    }))
            .build();
  }

  @AfterEach
  void close() {
    orchestrator.close();
    store.close();
  }

  private RunHandle start(String ticket, String triggerId) {
    return orchestrator.start(
        RunRequest.builder()
            .workflow("ticket-router", "1")
            .config(ConfigSnapshot.builder().input("ticket", ticket).build())
            .trigger(Trigger.of(TriggerSource.TEST, triggerId))
            .build());
  }

  @Test
  void route_invoiceTicket_recordsModelThenToolAndCompletes() {
    RunHandle run = start("My invoice shows the lamp twice", "ticket-1");
    assertThat(run.completion().join()).isEqualTo(RunStatus.COMPLETED);
    RunId id = run.runId();

    assertThatRun(store, id)
        .hasStatus(RunStatus.COMPLETED)
        .hasEventTypesInOrder(
            "run.started",
            "step.started",
            "model.generation.started",
            "model.generation.completed",
            "step.completed",
            "step.started",
            "tool.call.started",
            "tool.call.completed",
            "step.completed",
            "guardrail.checked",
            "run.completed")
        .hasEventCount(EventTypes.MODEL_GENERATION_COMPLETED, 1)
        .hasNoEventOfType(EventTypes.STEP_FAILED)
        .isGapless();
    ToolCallCompleted call =
        RunAssertions.eventsOfType(store, id, EventTypes.TOOL_CALL_COMPLETED)
            .get(0)
            .payload()
            .as(ToolCallCompleted.class);
    assertThat(call.result())
        .hasValueSatisfying(r -> assertThat(r.asText()).isEqualTo("billing-team"));
    assertThat(orchestrator.summary(id).orElseThrow().output().orElseThrow().get("team").asText())
        .isEqualTo("billing-team");
  }

  @Test
  void route_directoryDown_failsWithTheToolErrorAndRoutesNothing() {
    directoryDown = true;
    RunHandle run = start("The lamp flickers", "ticket-2");
    assertThat(run.completion().join()).isEqualTo(RunStatus.FAILED);

    assertThatRun(store, run.runId())
        .hasStatus(RunStatus.FAILED)
        .hasEventTypesInOrder("tool.call.started", "tool.call.failed", "step.failed", "run.failed")
        .hasNoEventOfType(EventTypes.GUARDRAIL_CHECKED)
        .isGapless();
    RunFailed failed =
        RunAssertions.eventsOfType(store, run.runId(), EventTypes.RUN_FAILED)
            .get(0)
            .payload()
            .as(RunFailed.class);
    assertThat(failed.error().message()).contains("team directory unavailable");
  }

  @Test
  void route_sameTriggerTwice_recordsOneRun() {
    RunHandle first = start("My invoice is wrong", "click-42");
    first.completion().join();
    RunHandle second = start("My invoice is wrong", "click-42");

    assertThat(second.created()).isFalse();
    assertThat(second.runId()).isEqualTo(first.runId());
    assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
  }

  @Test
  void route_withoutTrigger_isRefusedAndWritesNothing() {
    RunRequest noTrigger =
        RunRequest.builder()
            .workflow("ticket-router", "1")
            .config(ConfigSnapshot.builder().input("ticket", "hello").build())
            .build();

    assertThatThrownBy(() -> orchestrator.start(noTrigger))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("trigger_missing");
    assertThat(store.list(RunQuery.all()).runs()).isEmpty();
  }
}
