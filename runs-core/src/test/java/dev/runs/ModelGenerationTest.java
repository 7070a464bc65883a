package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.payload.ModelGenerationCompleted;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelGeneration#completed} takes the typed payload of {@code model.generation.completed}.
 */
final class ModelGenerationTest {

  private static List<RunEvent> run(Workflow workflow) {
    try (RunStore store = RunStores.open("memory:");
        RunOrchestrator o = RunOrchestrator.builder(store).workflow("w", "1", workflow).build()) {
      RunHandle h =
          o.start(
              RunRequest.builder()
                  .workflow("w", "1")
                  .trigger(Trigger.of(TriggerSource.TEST, "t-1"))
                  .build());
      assertThat(h.completion().join()).isEqualTo(RunStatus.COMPLETED);
      return o.events(h.runId(), 0, 100);
    }
  }

  private static Payload completed(List<RunEvent> events) {
    return events.stream()
        .filter(e -> e.type().equals(EventTypes.MODEL_GENERATION_COMPLETED))
        .findFirst()
        .orElseThrow()
        .payload();
  }

  @Test
  void completion_fillsProviderModelAndRoute_andTheEventMeasuresLatency() {
    List<RunEvent> events =
        run(
            ctx ->
                ctx.step(
                    "s",
                    String.class,
                    () -> {
                      ModelGeneration g = ctx.model("acme", "m-1").route("region", "eu").started();
                      g.completed(
                          g.completion()
                              .usage(100, 20)
                              .cost(new BigDecimal("0.01"))
                              .finishReason("stop")
                              .output("hi")
                              .build());
                      return "ok";
                    }));

    ModelGenerationCompleted p = completed(events).as(ModelGenerationCompleted.class);
    assertThat(p.provider()).isEqualTo("acme");
    assertThat(p.model()).isEqualTo("m-1");
    assertThat(p.route().orElseThrow().get("region").asText()).isEqualTo("eu");
    assertThat(p.usage().orElseThrow().totalTokens()).isEqualTo(120);
    assertThat(p.latencyMs()).isPresent();
    assertThat(p.output().map(JsonNode::asText)).contains("hi");
  }

  @Test
  void completed_withAnotherModel_isRefusedAndTheGenerationCanStillEnd() {
    AtomicReference<Throwable> refused = new AtomicReference<>();
    List<RunEvent> events =
        run(
            ctx ->
                ctx.step(
                    "s",
                    String.class,
                    () -> {
                      ModelGeneration g = ctx.model("acme", "m-1").started();
                      try {
                        g.completed(
                            ModelGenerationCompleted.builder("acme", "m-2").latencyMs(5).build());
                      } catch (ValidationException e) {
                        refused.set(e);
                      }
                      g.completed(
                          ModelGenerationCompleted.builder("acme", "m-1").latencyMs(5).build());
                      return "ok";
                    }));

    assertThat(refused.get())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("m-2")
        .hasMessageContaining("completion()");
    assertThat(completed(events).get("latency_ms").orElseThrow().asLong()).isEqualTo(5);
    assertThat(events)
        .filteredOn(e -> e.type().equals(EventTypes.MODEL_GENERATION_COMPLETED))
        .hasSize(1);
  }
}
