package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StageArtifact;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.ValidationException;
import dev.runs.spi.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Stage artifacts: manifests, attempts, positions, unsafe names. The contract's {@code Stages}
 * group binds these tests to the store under test.
 */
abstract class RunStoreStagesKit extends RunStoreKit {
  RunStoreStagesKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("a stage round-trips with a manifest holding sha256 and size of every file")
  void writeStage_roundTrip() throws Exception {
    RunId id = startedRun();
    byte[] report = "<h1>report</h1>".getBytes(StandardCharsets.UTF_8);
    byte[] png = new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3};
    StageManifest m =
        store()
            .writeStage(
                id,
                StageWrite.of("fetch")
                    .withInput(Payload.of(Map.of("url", "https://example.test")))
                    .withOutput(Payload.of(Map.of("rows", 42)))
                    .withArtifact(StageArtifact.of("report.html", "report", report))
                    .withArtifact(StageArtifact.of("plots/loss.png", "image", png)));

    assertThat(m.position()).isEqualTo(1);
    assertThat(m.attempt()).isEqualTo(1);
    assertThat(m.directoryName()).isEqualTo("01-fetch");
    assertThat(m.files())
        .extracting(StageManifest.Entry::path)
        .containsExactly(
            "input.json", "output.json", "artifacts/report.html", "artifacts/plots/loss.png");
    assertThat(m.file("artifacts/report.html").orElseThrow().sha256())
        .isEqualTo(Sha256.hex(report));
    assertThat(m.file("artifacts/plots/loss.png").orElseThrow().size()).isEqualTo(png.length);
    assertThat(store().readArtifact(id, "fetch", 1, "report.html")).isEqualTo(report);
    assertThat(store().readArtifact(id, "fetch", 1, "plots/loss.png")).isEqualTo(png);
    assertThat(
            new String(
                store().readStageFile(id, "fetch", 1, "output.json"), StandardCharsets.UTF_8))
        .isEqualTo("{\"rows\":42}");
    assertThat(store().verifyStage(id, "fetch", 1).ok()).isTrue();
    assertThat(store().stages(id)).containsExactly(m);
  }

  @Test
  @DisplayName("attempts are never overwritten; new attempts and new stages are numbered")
  void writeStage_attemptsAndPositions() {
    RunId id = startedRun();
    store().writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("try", 1))));
    assertThatThrownBy(() -> store().writeStage(id, StageWrite.of("fetch").withAttempt(1)))
        .isInstanceOf(StageExistsException.class)
        .hasMessageContaining("attempt 1");
    StageManifest second =
        store().writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("try", 2))));
    StageManifest train = store().writeStage(id, StageWrite.of("train"));
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.position()).isEqualTo(1);
    assertThat(train.position()).isEqualTo(2);
    assertThat(store().stages(id))
        .extracting(m -> m.stageKey() + "#" + m.attempt())
        .containsExactly("fetch#1", "fetch#2", "train#1");
    assertThat(
            new String(
                store().readStageFile(id, "fetch", 1, "output.json"), StandardCharsets.UTF_8))
        .contains("\"try\":1");
  }

  @Test
  @DisplayName("unsafe stage keys and artifact names are refused before anything is written")
  void writeStage_unsafeNames_refused() {
    RunId id = startedRun();
    for (String bad : List.of("../etc", "a/b", "", "A", ".hidden", "x\u0000y")) {
      assertThatThrownBy(() -> StageWrite.of(bad))
          .as("stage key %s", bad)
          .isInstanceOf(ValidationException.class);
    }
    for (String bad : List.of("../x", "/abs", "a//b", "a\\b", "", "a/../b", ".", "x\u0000")) {
      assertThatThrownBy(() -> StageArtifact.of(bad, "k", new byte[0]))
          .as("artifact %s", bad)
          .isInstanceOf(ValidationException.class);
    }
    assertThatThrownBy(() -> store().readStageFile(id, "fetch", 1, "../../run.json"))
        .isInstanceOf(ValidationException.class);
    assertThat(store().stages(id)).isEmpty();
  }

  @Test
  @DisplayName("stages of unknown runs and unknown files are clear errors")
  void stages_unknown() {
    RunId id = startedRun();
    store().writeStage(id, StageWrite.of("fetch"));
    assertThatThrownBy(() -> store().writeStage(RunId.of("missing"), StageWrite.of("x")))
        .isInstanceOf(RunNotFoundException.class);
    assertThatThrownBy(() -> store().readArtifact(id, "fetch", 1, "nope.txt"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("nope.txt");
    assertThatThrownBy(() -> store().readArtifact(id, "fetch", 7, "nope.txt"))
        .isInstanceOf(ValidationException.class);
  }
}
