package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class BenchReportObservabilityRowsTest {
  private static final Map<String, Double> JMH =
      Map.of(
          "ObservabilityOverheadBenchmark.ownRun16[observability=off]", 5000.0,
          "ObservabilityOverheadBenchmark.ownRun16[observability=on]", 4000.0,
          "ObservabilityOverheadBenchmark.ownRun16[observability=metrics]", 4800.0,
          "ObservabilityOverheadBenchmark.ownRun16[observability=traces]", 4500.0,
          "ObserverCostBenchmark.baseline", 2.0,
          "ObserverCostBenchmark.metrics", 400.0,
          "ObserverCostBenchmark.traces", 30.0);
  private static final LiveExportKeepUp.Result LIVE =
      new LiveExportKeepUp.Result(9999, 0, 101_071, 101_071, 11, 49_950);

  private static List<BenchReport.Row> rows(double pairedRatio) {
    return BenchReport.observabilityRows(
        JMH,
        LIVE,
        new ObservabilityPaired.Result(
            10_000, 10_000 * pairedRatio, pairedRatio, "0.970 ± 0.050", 1.04, 4));
  }

  private static BenchReport.Row paired(List<BenchReport.Row> rows) {
    return rows.stream()
        .filter(r -> r.scenario().contains("paired with neither"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no paired row in " + rows));
  }

  @Test
  void fivePercentTarget_isJudgedOnThePairedRounds_notOnTheNoisyJmhRow() {
    List<BenchReport.Row> rows = rows(0.97);
    BenchReport.Row paired = paired(rows);
    assertThat(paired.target()).isEqualTo(">= 0.95x");
    assertThat(paired.ours()).isEqualTo(9700.0);
    assertThat(paired.ceiling()).isEqualTo(10_000.0);
    assertThat(paired.verdict())
        .isEqualTo("met: median ratio 0.97x, mean 0.970 ± 0.050; CPU per event 1.04x");
    assertThat(rows)
        .filteredOn(r -> r.scenario().contains("metrics and live traces on (ceiling = neither)"))
        .singleElement()
        .satisfies(
            jmh -> {
              assertThat(jmh.target()).as("the JMH row judges nothing").isEmpty();
              assertThat(jmh.verdict()).startsWith("0.80x (JMH;");
            });
  }

  @Test
  void pairedRatioBelowTheTarget_isMissed() {
    assertThat(paired(rows(0.90)).verdict()).startsWith("missed: median ratio 0.90x");
  }
}
