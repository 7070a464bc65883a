package com.example.host;

import static dev.runs.testkit.RunAssertions.assertThatRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.payload.RunFailed;
import dev.runs.payload.StepCompleted;
import dev.runs.testkit.RunAssertions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host's test of its own service with the Runs testkit: the real orchestrator on a SQLite store
 * in a temporary directory, a fake for the host's sales system, and {@link RunAssertions} on what
 * the run recorded.
 */
final class DailyReportTest {
  @TempDir Path dir;

  private RunStore openStore() {
    return RunStores.open("sqlite:" + dir.resolve("runs.db"));
  }

  @Test
  void start_recordsFetchThenSummarize_andTheRunSurvivesReopeningTheStore() {
    RunId id;
    try (RunStore store = openStore();
        DailyReport reports = new DailyReport(store, day -> List.of(1250L, 2000L, 1000L))) {
      RunHandle run = reports.start("2026-01-05");
      assertThat(run.completion().join()).isEqualTo(RunStatus.COMPLETED);
      id = run.runId();
    }

    try (RunStore reopened = openStore()) {
      assertThatRun(reopened, id)
          .hasStatus(RunStatus.COMPLETED)
          .hasEventTypesInOrder(
              "run.started",
              "step.started",
              "tool.call.started",
              "tool.call.completed",
              "step.completed",
              "step.started",
              "step.completed",
              "run.completed")
          .hasEventCount(EventTypes.STEP_COMPLETED, 2)
          .hasNoEventOfType(EventTypes.STEP_FAILED)
          .isGapless();
      StepCompleted summarize =
          RunAssertions.eventsOfType(reopened, id, EventTypes.STEP_COMPLETED).stream()
              .filter(e -> e.stepId().orElse("").equals("summarize"))
              .findFirst()
              .orElseThrow()
              .payload()
              .as(StepCompleted.class);
      assertThat(summarize.output().orElseThrow().asText())
          .isEqualTo("2026-01-05: 3 sales, 42.50 total");
    }
  }

  @Test
  void start_salesSystemDown_failsTheRunWithItsError() {
    try (RunStore store = openStore();
        DailyReport reports =
            new DailyReport(
                store,
                day -> {
                  throw new IOException("sales system unreachable");
                })) {
      RunHandle run = reports.start("2026-01-06");
      assertThat(run.completion().join()).isEqualTo(RunStatus.FAILED);

      assertThatRun(store, run.runId())
          .hasStatus(RunStatus.FAILED)
          .hasEventTypesInOrder(
              "tool.call.started", "tool.call.failed", "step.failed", "run.failed")
          .hasNoEventOfType(EventTypes.STEP_COMPLETED)
          .isGapless();
      RunFailed failed =
          RunAssertions.eventsOfType(store, run.runId(), EventTypes.RUN_FAILED)
              .get(0)
              .payload()
              .as(RunFailed.class);
      assertThat(failed.error().message()).contains("sales system unreachable");
    }
  }

  @Test
  void start_sameDayTwice_recordsOneRun() {
    try (RunStore store = openStore();
        DailyReport reports = new DailyReport(store, day -> List.of(500L))) {
      RunHandle first = reports.start("2026-01-07");
      first.completion().join();
      RunHandle second = reports.start("2026-01-07");

      assertThat(second.created()).isFalse();
      assertThat(second.runId()).isEqualTo(first.runId());
      assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
    }
  }
}
