package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example of docs/orchestrator.md, kept compiling and passing here. Keep both in step. */
final class OrchestratorExampleTest {
  record Page(String url, String text) {}

  @Test
  void documentedExample_completesWithSummary() {
    // --- docs/orchestrator.md example: begin
    try (RunStore store = RunStores.open("memory:");
        RunOrchestrator orchestrator =
            RunOrchestrator.builder(store)
                .workflow(
                    "summarize",
                    "1",
                    ctx -> {
                      String url = ctx.config().at("/inputs/url").orElseThrow().asText();
                      Page page =
                          ctx.step(
                              "fetch",
                              Page.class,
                              StepOptions.retry(3, Duration.ofMillis(200)),
                              () -> new Page(url, "Tides are caused mostly by the moon."));
                      ctx.checkpoint("fetched");
                      String summary =
                          ctx.step(
                              "summarize",
                              String.class,
                              () -> {
                                ModelGeneration gen =
                                    ctx.model("acme", "small-1")
                                        .param("temperature", 0.2)
                                        .started();
                                String text =
                                    "The moon causes tides."; // call the model with page.text()
                                // here
                                gen.completed(
                                    gen.completion()
                                        .usage(812, 9)
                                        .cost(new BigDecimal("0.002"))
                                        .finishReason("stop")
                                        .output(text)
                                        .build());
                                return text;
                              });
                      ctx.highlight("source", page.url());
                      return Map.of("summary", summary);
                    })
                .build()) {
      orchestrator.recoverInterrupted(); // at start-up: mark runs whose process died

      RunHandle run =
          orchestrator.start(
              RunRequest.builder()
                  .workflow("summarize", "1")
                  .config(
                      ConfigSnapshot.builder().input("url", "https://example.org/tides").build())
                  .budget(Budget.none().withMaxTokens(10_000).withMaxCost(new BigDecimal("0.50")))
                  .trigger(Trigger.of(TriggerSource.UI, "click-7f3a", "ada"))
                  .build());

      RunStatus status = run.completion().join(); // COMPLETED
      RunSummary summary = orchestrator.summary(run.runId()).orElseThrow();
      // --- docs/orchestrator.md example: end

      assertThat(status).isEqualTo(RunStatus.COMPLETED);
      assertThat(summary.usage().totalTokens()).isEqualTo(821);
      assertThat(summary.output().orElseThrow().get("summary").asText())
          .isEqualTo("The moon causes tides.");
      assertThat(summary.highlights().get("source").asText())
          .isEqualTo("https://example.org/tides");
      assertThat(orchestrator.events(run.runId(), 0, 100))
          .extracting(e -> e.type().name())
          .containsExactly(
              "run.created",
              "run.queued",
              "run.started",
              "step.started",
              "step.completed",
              "checkpoint.saved",
              "step.started",
              "model.generation.started",
              "model.generation.completed",
              "step.completed",
              "x.runs.highlight",
              "run.completed");
    }
  }
}
