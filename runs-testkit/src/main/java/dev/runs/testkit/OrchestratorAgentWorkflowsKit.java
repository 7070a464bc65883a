package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventTypes;
import dev.runs.GuardrailStage;
import dev.runs.ModelGeneration;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import dev.runs.StageManifest;
import dev.runs.spi.Sha256;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Agent workflows: model, tool, handoff, guardrail, console and stage events in their exact order
 * with parent links; phases and failing tools. The contract's {@code AgentWorkflows} group binds
 * these tests to the store under test.
 */
abstract class OrchestratorAgentWorkflowsKit extends OrchestratorKit {
  OrchestratorAgentWorkflowsKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "model, tool, handoff, guardrails, console and a stage produce the exact event sequence with"
          + " parent links")
  void agentWorkflow_exactEventSequenceAndParents() throws Exception {
    byte[] report = "# Tides\nThe moon pulls.".getBytes(StandardCharsets.UTF_8);
    byte[] table = "k,v\nmoon,1\n".getBytes(StandardCharsets.UTF_8);
    RunOrchestrator o =
        orchestrator(
            "agent",
            ctx -> {
              String plan =
                  ctx.step(
                      "plan",
                      String.class,
                      () -> {
                        ModelGeneration g =
                            ctx.model("acme", "m-1")
                                .param("temperature", 0.2)
                                .route("region", "eu")
                                .started();
                        g.completed(
                            g.completion()
                                .usage(100, 20)
                                .cost(new BigDecimal("0.01"))
                                .finishReason("stop")
                                .output("search tides")
                                .build());
                        return "search tides";
                      });
              String found =
                  ctx.step(
                      "search",
                      String.class,
                      () -> ctx.tool("web_search", "2", Map.of("q", plan), () -> "the moon"));
              ctx.handoff("planner", "writer", "plan ready");
              ctx.guardrail("pii", GuardrailStage.INPUT, true, Map.of("checked", 3));
              ctx.guardrail("toxicity", GuardrailStage.OUTPUT, false, "flagged word");
              ctx.console("stdout", "writing report");
              ctx.console("stderr", "short answer");
              ctx.step(
                  "report",
                  String.class,
                  () ->
                      ctx.stage("report")
                          .input(Map.of("topic", "tides"))
                          .output(Map.of("answer", found))
                          .artifact("report.md", "report", report)
                          .artifact("data.csv", "table", table)
                          .write()
                          .sha256());
              ctx.highlight("answer", found);
              return Map.of("answer", found);
            });
    RunHandle h = o.start(request("agent").build());

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    RunId id = h.runId();
    assertThat(types(id))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "step.started",
            "model.generation.started",
            "model.generation.completed",
            "step.completed",
            "step.started",
            "tool.call.started",
            "tool.call.completed",
            "step.completed",
            "agent.handoff",
            "guardrail.checked",
            "guardrail.checked",
            "console.line",
            "console.line",
            "step.started",
            "artifact.created",
            "artifact.created",
            "stage.completed",
            "step.completed",
            "x.runs.highlight",
            "run.completed");
    List<RunEvent> ev = events(id);
    assertThat(ev.get(5).parentEventId()).contains(ev.get(4).eventId());
    assertThat(ev.get(4).stepId()).contains("plan");
    assertThat(ev.get(4).attempt()).hasValue(1);
    JsonNode model = ev.get(5).payload().toJsonNode();
    assertThat(model.get("provider").asText()).isEqualTo("acme");
    assertThat(model.at("/usage/input_tokens").asLong()).isEqualTo(100);
    assertThat(model.at("/route/region").asText()).isEqualTo("eu");
    assertThat(model.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(ev.get(4).payload().toJsonNode().at("/params/temperature").asDouble())
        .isEqualTo(0.2);
    assertThat(ev.get(9).parentEventId()).contains(ev.get(8).eventId());
    assertThat(ev.get(8).payload().toJsonNode().at("/arguments/q").asText())
        .isEqualTo("search tides");
    assertThat(ev.get(9).payload().text("result")).contains("the moon");
    assertThat(ev.get(11).payload().text("to_agent")).contains("writer");
    assertThat(ev.get(12).payload().text("verdict")).contains("passed");
    assertThat(ev.get(12).payload().text("stage")).contains("input");
    assertThat(ev.get(13).payload().text("verdict")).contains("tripped");
    assertThat(ev.get(15).payload().text("stream")).contains("stderr");
    StageManifest manifest = store().stages(id).get(0);
    assertThat(ev.get(17).payload().text("sha256")).contains(Sha256.hex(report));
    assertThat(ev.get(17).payload().text("path")).contains("artifacts/report.md");
    assertThat(ev.get(18).payload().text("sha256")).contains(Sha256.hex(table));
    assertThat(ev.get(19).payload().text("manifest_sha256")).contains(manifest.sha256());
    assertThat(ev.get(20).payload().text("output")).contains(manifest.sha256());
    assertThat(store().readArtifact(id, "report", manifest.attempt(), "report.md"))
        .isEqualTo(report);

    RunSummary s = o.summary(id).orElseThrow();
    assertThat(s.usage().inputTokens()).isEqualTo(100);
    assertThat(s.usage().outputTokens()).isEqualTo(20);
    assertThat(s.cost()).isEqualByComparingTo("0.01");
    assertThat(s.artifacts())
        .extracting(RunSummary.ArtifactSummary::path)
        .containsExactly("artifacts/report.md", "artifacts/data.csv");
    assertThat(s.highlights())
        .hasEntrySatisfying("answer", answer -> assertThat(answer.asText()).isEqualTo("the moon"));
    assertThat(s.output().orElseThrow().get("answer").asText()).isEqualTo("the moon");
    assertThat(s.steps())
        .extracting(RunSummary.StepSummary::stepId)
        .containsExactly("plan", "search", "report");
    assertThat(s.count(EventTypes.GUARDRAIL_CHECKED)).isEqualTo(2);
    assertThat(s.count(EventTypes.RUN_COMPLETED)).isEqualTo(1);
    assertNoDuplicates(id);
  }

  @Test
  @DisplayName("phases prefix the ids of their steps; a failing tool call is recorded and rethrown")
  void phasesAndToolFailures() throws Exception {
    RunOrchestrator o =
        orchestrator(
            "phased",
            ctx -> {
              ctx.phase(
                  "build",
                  () -> {
                    ctx.step("compile", String.class, () -> "ok");
                    try {
                      ctx.tool(
                          "linter",
                          "1",
                          null,
                          () -> {
                            throw new IllegalStateException("linter crashed");
                          });
                    } catch (IllegalStateException expected) {
                      ctx.console("stderr", "lint skipped");
                    }
                  });
              return null;
            });
    RunHandle h = o.start(request("phased").build());

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    List<RunEvent> ev = events(h.runId());
    assertThat(types(h.runId()))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "phase.started",
            "step.started",
            "step.completed",
            "tool.call.started",
            "tool.call.failed",
            "console.line",
            "phase.completed",
            "run.completed");
    assertThat(ev.get(3).stepId()).contains("build");
    assertThat(ev.get(4).stepId()).contains("build/compile");
    assertThat(ev.get(7).parentEventId()).contains(ev.get(6).eventId());
    assertThat(ev.get(7).payload().toJsonNode().at("/error/message").asText())
        .isEqualTo("linter crashed");
    assertThat(ev.get(8).stepId()).contains("build");
  }
}
