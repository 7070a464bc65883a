package dev.runs.examples;

import static dev.runs.testkit.RunAssertions.assertThatRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.runs.ConfigDiff;
import dev.runs.PreflightIssue;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.TriggerSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class AdvisorExampleTest {
  @TempDir Path dir;

  @Test
  void run_onSqlite_startsOnlyFromTheTriggerAndLinksRunToRecommendation() {
    String uri = "sqlite:" + dir.resolve("advisor.db") + "?durability=normal";
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    AdvisorExample.Outcome o =
        AdvisorExample.run(uri, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);

    assertThat(o.blockedPreflight().blockers())
        .extracting(PreflightIssue::code)
        .containsExactlyInAnyOrder("trigger_missing", "spend_limit");
    assertThat(o.readyPreflight().ready()).isTrue();
    assertThat(o.fromRecommendation()).extracting(RunRecord::id).containsExactly(o.runId());
    assertThat(o.provenance().trigger().source()).isEqualTo(TriggerSource.UI);
    assertThat(o.provenance().trigger().actor()).hasValue("grace");
    assertThat(o.provenance().recommendation())
        .hasValueSatisfying(r -> assertThat(r.sourceRef()).hasValue("advisor-message-8812"));
    assertThat(o.provenance().recommendationLink().orElseThrow().diffFromRecommended().changes())
        .extracting(ConfigDiff.Change::path, ConfigDiff.Change::op)
        .containsExactly(tuple("/budget/max_cost", ConfigDiff.Op.CHANGED));
    assertThat(out)
        .contains(
            "runs started from it: 0",
            "blocker spend_limit",
            "start() refuses it too",
            "preflight: ready",
            ": completed",
            "~ /budget/max_cost: 25 -> 8");

    // Reopened: exactly one run exists (the refused start wrote nothing) and it is linked.
    try (RunStore store = RunStores.open(uri)) {
      assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
      assertThat(
              store.list(RunQuery.builder().recommendationId(o.recommendationId()).build()).runs())
          .extracting(e -> e.record().id())
          .containsExactly(o.runId());
      assertThatRun(store, o.runId()).hasStatus(RunStatus.COMPLETED).isGapless();
    }
  }
}
