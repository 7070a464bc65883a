package dev.runs.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ValidationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class StepCompletedTest {

  @Test
  void builder_setsEachField() {
    StepCompleted s =
        StepCompleted.builder()
            .outputRef("stage:fetch/1/output.json")
            .outputSha256("abc")
            .duration(Duration.ofSeconds(2))
            .build();

    assertThat(s.toPayload().json())
        .isEqualTo(
            "{\"output_sha256\":\"abc\","
                + "\"output_ref\":\"stage:fetch/1/output.json\",\"duration_ms\":2000}");
  }

  @Test
  void builder_nullOrNegativeSetting_failsAtOnce() {
    StepCompleted.Builder b = StepCompleted.builder();

    assertThatThrownBy(() -> b.output(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("output");
    assertThatThrownBy(() -> b.outputSha256(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("outputSha256");
    assertThatThrownBy(() -> b.durationMs(-5))
        .isInstanceOf(ValidationException.class)
        .hasMessage("step.completed: duration_ms: must not be negative but was -5");
  }

  @Test
  void of_withNothing_isAnEmptyPayload() {
    assertThat(StepCompleted.of().toPayload().isEmpty()).isTrue();
    assertThat(StepCompleted.builder().build()).isEqualTo(StepCompleted.of());
  }
}
