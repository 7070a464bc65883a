package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class StageIntegrityTest {
  private static final RunId RUN = RunId.of("r1");

  private static final StageWrite WRITE =
      StageWrite.of("train")
          .withInput(Payload.of(Map.of("a", 1)))
          .withArtifact(StageArtifact.of("one.txt", "text", bytes("one")))
          .withArtifact(StageArtifact.of("two.txt", "text", bytes("two")));
  private static final StageManifest MANIFEST =
      StageManifest.compute(RUN, WRITE, 1, 1, Instant.EPOCH);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, byte[]> intact() {
    Map<String, byte[]> files = new HashMap<>();
    for (StageWrite.StageFile f : WRITE.files()) {
      files.put(f.path(), f.content());
    }
    return files;
  }

  @Test
  void read_intactFile_returnsItsBytes() {
    byte[] read =
        StageIntegrity.read(
            MANIFEST, "artifacts/one.txt", "test store", StageIntegrity.Source.of(intact()));
    assertThat(read).isEqualTo(bytes("one"));
  }

  @Test
  void read_damagedFiles_throwCorruptedNamingTheFile() {
    Map<String, byte[]> files = intact();
    files.put("artifacts/one.txt", bytes("ONE"));
    files.put("artifacts/two.txt", bytes("two and more"));
    files.remove("input.json");
    StageIntegrity.Source source = StageIntegrity.Source.of(files);
    assertThatThrownBy(() -> StageIntegrity.read(MANIFEST, "artifacts/one.txt", "test", source))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("test")
        .hasMessageContaining("run r1 stage 'train' attempt 1")
        .hasMessageContaining("artifacts/one.txt")
        .hasMessageContaining("sha256 " + Sha256.hex("ONE"));
    assertThatThrownBy(() -> StageIntegrity.read(MANIFEST, "artifacts/two.txt", "test", source))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("has 12 bytes")
        .hasMessageContaining("says 3");
    assertThatThrownBy(() -> StageIntegrity.read(MANIFEST, "input.json", "test store", source))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void read_pathNotInManifest_isValidationError() {
    assertThatThrownBy(
            () ->
                StageIntegrity.read(
                    MANIFEST, "output.json", "test store", StageIntegrity.Source.of(intact())))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("has no file 'output.json'");
  }

  @Test
  void read_failingSource_throwsStoreIo() {
    StageIntegrity.Source failing =
        path -> {
          throw new IOException("disk gone");
        };
    assertThatThrownBy(() -> StageIntegrity.read(MANIFEST, "input.json", "test store", failing))
        .isInstanceOf(StoreIoException.class)
        .hasMessageContaining("disk gone")
        .hasMessageContaining("input.json");
  }

  @Test
  void verify_intact_isOk() {
    Map<String, byte[]> files = intact();
    assertThat(
            StageIntegrity.verify(
                    MANIFEST, files.keySet(), "test store", StageIntegrity.Source.of(files))
                .ok())
        .isTrue();
  }

  @Test
  void verify_reportsEveryProblem() {
    Map<String, byte[]> files = intact();
    files.put("artifacts/one.txt", bytes("ONE"));
    files.put("artifacts/two.txt", bytes("two and more"));
    files.remove("input.json");
    files.put("artifacts/extra.txt", bytes("x"));
    files.put(StageIntegrity.MANIFEST, bytes("{}"));
    StageVerification v =
        StageIntegrity.verify(
            MANIFEST, files.keySet(), "test store", StageIntegrity.Source.of(files));
    assertThat(v.ok()).isFalse();
    assertThat(v.problems())
        .extracting(p -> p.path() + ":" + p.kind())
        .containsExactly(
            "input.json:MISSING",
            "artifacts/one.txt:HASH_MISMATCH",
            "artifacts/two.txt:SIZE_MISMATCH",
            "artifacts/extra.txt:UNLISTED");
  }

  @Test
  void verify_unsafePathInManifest_isReportedNotOpened() {
    StageManifest tampered =
        new StageManifest(
            RUN,
            "train",
            1,
            1,
            StageWrite.Status.COMPLETED,
            java.util.Optional.empty(),
            Instant.EPOCH,
            List.of(new StageManifest.Entry("../../run.json", "input", 1, Sha256.hex("x"))));
    StageVerification v =
        StageIntegrity.verify(
            tampered,
            List.of(),
            "test store",
            path -> {
              throw new AssertionError("opened " + path);
            });
    assertThat(v.problems())
        .extracting(StageVerification.Problem::kind)
        .containsExactly(StageVerification.Kind.MANIFEST_UNREADABLE);
  }

  @Test
  void unreadableManifest_hasOneManifestProblem() {
    StageVerification v = StageIntegrity.unreadableManifest(RUN, "train", 2, "not JSON");
    assertThat(v.attempt()).isEqualTo(2);
    assertThat(v.problems())
        .extracting(p -> p.path() + ":" + p.kind() + ":" + p.detail())
        .containsExactly("manifest.json:MANIFEST_UNREADABLE:not JSON");
  }

  @Test
  void checkPath_acceptsStageFilesOnly() {
    StageIntegrity.checkPath("input.json");
    StageIntegrity.checkPath("output.json");
    StageIntegrity.checkPath("artifacts/report/a.html");
    assertThatThrownBy(() -> StageIntegrity.checkPath("run.json"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("run.json");
    assertThatThrownBy(() -> StageIntegrity.checkPath("artifacts/../../run.json"))
        .isInstanceOf(ValidationException.class);
  }

  @Test
  void noSuchAttempt_namesRunStageAndAttempt() {
    assertThat(StageIntegrity.noSuchAttempt(RUN, "train", 3))
        .hasMessageContaining("run r1 has no stage 'train' attempt 3");
  }
}
