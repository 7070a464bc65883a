package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

final class ReplayPointTest {
  @Test
  void labels_parseBack() {
    for (ReplayPoint p :
        new ReplayPoint[] {
          ReplayPoint.start(),
          ReplayPoint.step("build/compile"),
          ReplayPoint.checkpoint("after:search")
        }) {
      assertThat(ReplayPoint.parse(p.label())).isEqualTo(p);
    }
    assertThat(ReplayPoint.step("a").label()).isEqualTo("step:a");
    assertThat(ReplayPoint.checkpoint("mid").label()).isEqualTo("checkpoint:mid");
    assertThat(ReplayPoint.start().label()).isEqualTo("start");
  }

  @Test
  void malformedPoints_areValidationErrors() {
    assertThatThrownBy(() -> ReplayPoint.parse("middle"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("checkpoint:<checkpoint id>");
    assertThatThrownBy(() -> ReplayPoint.step(" ")).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> new ReplayPoint(ReplayPoint.Kind.START, Optional.of("x")))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> new ReplayPoint(ReplayPoint.Kind.CHECKPOINT, Optional.empty()))
        .isInstanceOf(ValidationException.class);
  }
}
