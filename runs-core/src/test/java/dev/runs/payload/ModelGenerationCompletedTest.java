package dev.runs.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Payload;
import dev.runs.ValidationException;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ModelGenerationCompletedTest {

  @Test
  void builder_writesTheTaxonomyFieldNames() {
    ModelGenerationCompleted m =
        ModelGenerationCompleted.builder("openai", "gpt-4o-mini")
            .usage(812, 96)
            .cost(new BigDecimal("0.00018"))
            .latency(Duration.ofMillis(640))
            .finishReason("stop")
            .build();

    assertThat(m.toPayload().json())
        .isEqualTo(
            "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                + "\"usage\":{\"input_tokens\":812,\"output_tokens\":96},\"cost\":0.00018,"
                + "\"latency_ms\":640,\"finish_reason\":\"stop\"}");
  }

  @Test
  void builder_blankProvider_failsAtOnce() {
    assertThatThrownBy(() -> ModelGenerationCompleted.builder(" ", "m"))
        .isInstanceOf(ValidationException.class)
        .hasMessage("model.generation.completed: provider: must not be blank");
    assertThatThrownBy(() -> ModelGenerationCompleted.builder("p", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("model");
  }

  @Test
  void builder_nullOrNegativeSetting_failsAtOnce() {
    ModelGenerationCompleted.Builder b = ModelGenerationCompleted.builder("p", "m");

    assertThatThrownBy(() -> b.route(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("route");
    assertThatThrownBy(() -> b.finishReason(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("finishReason");
    assertThatThrownBy(() -> b.latencyMs(-1))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("latency_ms");
    assertThatThrownBy(() -> b.cost(new BigDecimal("-0.01")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("cost");
    assertThatThrownBy(() -> b.usage(1, -2))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("usage.output_tokens");
  }

  @Test
  void builder_copiesJsonWhenSet() {
    ObjectNode output = PayloadSamples.json("{\"text\":\"hi\"}").deepCopy();
    ModelGenerationCompleted.Builder b = ModelGenerationCompleted.builder("p", "m").output(output);
    output.put("text", "changed");

    assertThat(b.build().output()).contains(PayloadSamples.json("{\"text\":\"hi\"}"));
  }

  @Test
  void payloadWithFractionalLatency_isRefusedAsNotAnInteger() {
    assertThatThrownBy(
            () ->
                Payload.of("{\"provider\":\"p\",\"model\":\"m\",\"latency_ms\":12.5}")
                    .as(ModelGenerationCompleted.class))
        .isInstanceOf(ValidationException.class)
        .hasMessage("payload.latency_ms: must be an integer");
  }
}
