package dev.runs.examples;

import static dev.runs.testkit.RunAssertions.assertThatRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunSummary;
import dev.runs.payload.TableSummary;
import dev.runs.payload.ValidationSummary;
import dev.runs.testkit.RunAssertions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class PipelineExampleTest {
  @TempDir Path dir;

  @Test
  void run_onSqlite_persistsPhasesConsoleTablesValidationAndSummary() {
    String uri = "sqlite:" + dir.resolve("pipeline.db") + "?durability=normal";
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    RunId id = PipelineExample.run(uri, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);

    assertThat(out)
        .contains(
            ": completed",
            "[stderr] quarantined o-1004",
            "table orders_clean       6 rows",
            "validation orders_clean  passed, 4 checks, 0 failures",
            "-- persisted summary",
            "output {\"rows_loaded\":6,\"rows_quarantined\":1}");

    // A second store instance on the same file: what the example printed was really persisted.
    try (RunStore store = RunStores.open(uri)) {
      assertThatRun(store, id)
          .hasStatus(RunStatus.COMPLETED)
          .hasEventTypesInOrder(
              "phase.started",
              "step.started",
              "step.completed",
              "phase.completed",
              "phase.started",
              "table.summary",
              "table.summary",
              "table.summary",
              "validation.summary",
              "phase.completed",
              "run.completed")
          .hasEventCount(EventTypes.CONSOLE_LINE, 9)
          .isGapless();
      List<String> tables =
          RunAssertions.eventsOfType(store, id, EventTypes.TABLE_SUMMARY).stream()
              .map(
                  e ->
                      e.payload().as(TableSummary.class).table()
                          + "="
                          + e.payload().as(TableSummary.class).rows().orElse(-1))
              .toList();
      assertThat(tables).containsExactly("orders_raw=8", "orders_clean=6", "orders_quarantine=1");
      ValidationSummary v =
          RunAssertions.eventsOfType(store, id, EventTypes.VALIDATION_SUMMARY)
              .get(0)
              .payload()
              .as(ValidationSummary.class);
      assertThat(v.passed()).isTrue();
      assertThat(v.checks()).hasValue(4);

      List<RunEvent> completed = RunAssertions.eventsOfType(store, id, EventTypes.RUN_COMPLETED);
      RunSummary summary =
          RunSummary.fromJson(completed.get(0).payload().get("summary").orElseThrow());
      assertThat(summary.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(summary.steps())
          .extracting(RunSummary.StepSummary::stepId)
          .containsExactly(
              "build",
              "build/compile",
              "build/check-target",
              "run",
              "run/extract",
              "run/transform",
              "run/validate",
              "run/load");
      assertThat(summary.highlights().get("rows_loaded").asInt()).isEqualTo(6);
      assertThat(summary.output().orElseThrow().get("rows_quarantined").asInt()).isEqualTo(1);
    }
  }
}
