package dev.runs.examples;

import static dev.runs.testkit.RunAssertions.assertThatRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageManifest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class StagesExampleTest {
  @TempDir Path dir;

  @Test
  void run_onSqlite_writesThreeVerifiedStagesWithTheirFiles() {
    String uri = "sqlite:" + dir.resolve("stages.db") + "?durability=normal";
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    RunId id = StagesExample.run(uri, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);

    assertThat(out)
        .contains(
            "01-fetch attempt 1 completed",
            "02-analyze attempt 1 completed",
            "03-render attempt 1 completed",
            "<h1>Tides at brest, 2026-03-02</h1>")
        .doesNotContain("PROBLEMS", "DIFFERS");

    try (RunStore store = RunStores.open(uri)) {
      assertThatRun(store, id)
          .hasStatus(RunStatus.COMPLETED)
          .hasEventCount(EventTypes.STAGE_COMPLETED, 3)
          .hasEventCount(EventTypes.ARTIFACT_CREATED, 3)
          .isGapless();
      List<StageManifest> stages = store.stages(id);
      assertThat(stages)
          .extracting(StageManifest::directoryName)
          .containsExactly("01-fetch", "02-analyze", "03-render");
      assertThat(stages.get(0).files())
          .extracting(StageManifest.Entry::path)
          .containsExactly("input.json", "output.json", "artifacts/readings.csv");
      assertThat(stages.get(2).files())
          .extracting(StageManifest.Entry::path)
          .containsExactly(
              "input.json", "output.json", "artifacts/report.html", "artifacts/plots/heights.svg");
      for (StageManifest m : stages) {
        assertThat(store.verifyStage(id, m.stageKey(), m.attempt()).ok()).as(m.stageKey()).isTrue();
      }
      String output =
          new String(store.readStageFile(id, "analyze", 1, "output.json"), StandardCharsets.UTF_8);
      assertThat(output).contains("\"range_m\":5.8");
    }
  }
}
