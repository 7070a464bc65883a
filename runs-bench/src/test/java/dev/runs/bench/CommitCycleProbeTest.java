package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class CommitCycleProbeTest {
  @Test
  void measure_seesSerialCommitsOfAtMostOneAppendPerBlockingWriter() throws Exception {
    CommitCycleProbe.Result r = CommitCycleProbe.measure("memory", 3, 0.2, 0.5);

    assertThat(r.appends()).isPositive();
    assertThat(r.commits()).isPositive();
    // a blocking writer has one append in flight, so a commit carries 1 to 3 of them
    assertThat(r.appendsPerCommit()).isBetween(1.0, 3.0);
    // one run's commits are serial: the engine's time fits in the window (one commit at its edge)
    assertThat(r.engineNanos()).isLessThanOrEqualTo(r.windowNanos() + 50_000_000L);
    assertThat(r.cycleMicros()).isEqualTo(r.windowNanos() / 1000.0 / r.commits());
  }

  @Test
  void row_givesEachFigure() {
    CommitCycleProbe.Result r =
        new CommitCycleProbe.Result(
            16, 20_000, 1_500, 21_000, 700_000_000L, 1_000_000_000L, 1_100_000_000L);

    assertThat(r.row()).isEqualTo("| 16 | 20,000 | 14.00 | 667 µs | 467 µs | 55.0 µs | 1.10 |");
  }

  @Test
  void measure_refusesAnUnknownKindAndNoWriters() {
    assertThatThrownBy(() -> CommitCycleProbe.measure("redis", 1, 0, 0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'redis'");
    assertThatThrownBy(() -> CommitCycleProbe.measure("memory", 0, 0, 0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }
}
