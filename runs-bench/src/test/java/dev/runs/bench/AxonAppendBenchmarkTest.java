package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Smoke run: every benchmark method and parameter for one short iteration, so none of them rots.
 */
final class AxonAppendBenchmarkTest {
  @Test
  void everyScenario_runsOneShortIteration_andAppendsEvents() throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include(Pattern.quote(AxonAppendBenchmark.class.getName()) + "\\.")
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.seconds(1))
            .forks(0)
            .shouldFailOnError(true)
            .build();

    Collection<RunResult> results = new Runner(options).run();

    List<String> runs = new ArrayList<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark().replaceFirst(".*\\.", "");
      String threads = r.getParams().getParam("threads");
      runs.add(threads == null ? method : method + "@" + threads);
      assertThat(r.getPrimaryResult().getScore()).as(method).isPositive();
      assertThat(r.getPrimaryResult().getScoreUnit()).isEqualTo("ops/s");
      if (method.startsWith("appendSyncHotAggregate")) {
        assertThat(r.getSecondaryResults()).containsKey("conflicts");
      }
    }
    assertThat(runs)
        .containsExactlyInAnyOrder(
            "appendBatch256",
            "appendSyncHotAggregate@1",
            "appendSyncHotAggregate@4",
            "appendSyncHotAggregate@16",
            "appendSyncHotAggregateOptimistic@1",
            "appendSyncHotAggregateOptimistic@4",
            "appendSyncHotAggregateOptimistic@16",
            "appendSyncOwnAggregate@1",
            "appendSyncOwnAggregate@4",
            "appendSyncOwnAggregate@16");
  }
}
