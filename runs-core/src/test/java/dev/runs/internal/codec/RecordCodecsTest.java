package dev.runs.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.runs.ConfigDiff;
import dev.runs.ConfigSnapshot;
import dev.runs.Lineage;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Run records and stage manifests read back from stored or imported JSON: an enum name that is not
 * one of its constants is a {@link ValidationException} naming the field, not an {@code
 * IllegalArgumentException} from {@code Enum.valueOf} (a damaged bundle header used to end so).
 */
final class RecordCodecsTest {
  private static final Instant T = Instant.parse("2026-12-07T03:00:00Z");

  @Test
  void constant_readsLowercaseNames_andRefusesOthersNamingTheFieldAndTheNames() {
    assertThat(JsonFields.constant(StageWrite.Status.class, "failed", "status"))
        .isEqualTo(StageWrite.Status.FAILED);
    for (String bad : List.of("COMPLETED", "Completed", "comaleted", "", "x".repeat(100))) {
      assertThatThrownBy(() -> JsonFields.constant(StageWrite.Status.class, bad, "manifest.status"))
          .as(bad)
          .isInstanceOfSatisfying(
              ValidationException.class, e -> assertThat(e.field()).isEqualTo("manifest.status"))
          .hasMessageContaining("must be one of [completed, failed] but was '")
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }
  }

  @Test
  void stageManifest_withAnUnknownStatus_isRefusedNamingIt() {
    StageManifest m =
        new StageManifest(
            RunId.of("run-1"),
            "fetch",
            1,
            1,
            StageWrite.Status.COMPLETED,
            Optional.empty(),
            T,
            List.of(new StageManifest.Entry("output.json", "output", 2, "0".repeat(64))));
    String json = StageManifestJson.encode(m);
    assertThat(StageManifestJson.decode(json)).isEqualTo(m);

    assertThatThrownBy(
            () -> StageManifestJson.decode(json.replace("\"completed\"", "\"comaleted\"")))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("manifest.status"));
  }

  @Test
  void runRecord_withAnUnknownRelationOrDiffOp_isRefusedNamingIt() {
    ConfigDiff diff =
        new ConfigDiff(
            List.of(
                new ConfigDiff.Change(
                    "model.name",
                    ConfigDiff.Op.CHANGED,
                    Optional.of(TextNode.valueOf("m-1")),
                    Optional.of(TextNode.valueOf("m-2")))));
    RunRecord r =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "t-1"))
            .id(RunId.of("run-2"))
            .createdAt(T)
            .lineage(new Lineage(RunId.of("run-1"), Lineage.Relation.RERUN, Optional.empty(), diff))
            .build();
    String json = RunRecordJson.encode(r);
    assertThat(RunRecordJson.decode(json)).isEqualTo(r);

    assertThatThrownBy(() -> RunRecordJson.decode(json.replace("\"rerun\"", "\"re-run\"")))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> assertThat(e.field()).isEqualTo("run record.lineage.relation"));
    assertThatThrownBy(() -> RunRecordJson.decode(json.replace("\"changed\"", "\"swap\"")))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("run record.diff.op"));
    // an op its values do not fit
    assertThatThrownBy(() -> RunRecordJson.decode(json.replace("\"changed\"", "\"added\"")))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("run record.diff"));
  }
}
