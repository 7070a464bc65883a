package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

final class CliLsTimingTest {
  @Test
  void row_reportsMinMedianMax_andTheVerdictAgainstOneSecond() {
    BenchReport.Row fast =
        BenchReport.cliLsRow(new CliLsTiming.Result(100_000, List.of(540L, 553L, 600L), 0.1));
    BenchReport.Row slow =
        BenchReport.cliLsRow(new CliLsTiming.Result(100_000, List.of(1140L, 1653L, 2700L), 9.5));

    assertThat(fast.scenario()).contains("`runs ls`").contains("100,000 runs").contains("3 timed");
    assertThat(fast.ours()).isEqualTo(553.0);
    assertThat(fast.verdict())
        .isEqualTo("min 540, median 553, max 600 ms at load average 0.1 — met");
    assertThat(slow.ours()).isEqualTo(1653.0);
    assertThat(slow.verdict()).endsWith("load average 9.5 — missed");
  }
}
