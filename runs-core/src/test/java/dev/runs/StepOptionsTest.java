package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class StepOptionsTest {
  @Test
  void delayAfter_growsByTheMultiplierUpToTheCap() {
    StepOptions o = StepOptions.retry(50, Duration.ofMillis(100));

    assertThat(o.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(o.delayAfter(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(o.delayAfter(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(o.delayAfter(40)).isEqualTo(StepOptions.MAX_BACKOFF);
    assertThat(o.withBackoffMultiplier(1).delayAfter(5)).isEqualTo(Duration.ofMillis(100));
    assertThat(StepOptions.defaults().maxAttempts()).isEqualTo(1);
  }

  @Test
  void invalidOptions_areRefused() {
    assertThatThrownBy(() -> StepOptions.retry(0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> StepOptions.retry(2, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StepOptions.defaults().withBackoffMultiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StepOptions.defaults().withBackoffMultiplier(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StepOptions.defaults().delayAfter(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
