package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.PreflightCheck;
import dev.runs.PreflightIssue;
import dev.runs.PreflightReport;
import dev.runs.Recommendation;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class PreflightTest {
  private final RunStore store = RunStores.memory();
  private final WorkflowRef wf = WorkflowRef.of("w", "1");

  @AfterEach
  void close() {
    store.close();
  }

  private Preflight preflight(List<PreflightCheck> checks, Optional<Recommendation> rec) {
    return new Preflight(store, Set.of(wf), checks, id -> rec.filter(r -> r.id().equals(id)));
  }

  private static RunRequest.Builder ok() {
    return RunRequest.builder()
        .workflow("w", "1")
        .trigger(Trigger.of(TriggerSource.UI, "click-1"))
        .budget(Budget.none().withMaxTokens(10));
  }

  @Test
  void completeRequest_isReady_withBudgetInTheConfig() {
    PreflightReport r = preflight(List.of(), Optional.empty()).run(ok().build()).report();

    assertThat(r.ready()).isTrue();
    assertThat(r.warnings()).isEmpty();
    assertThat(r.normalizedConfig().orElseThrow().json())
        .isEqualTo("{\"budget\":{\"max_tokens\":10}}");
  }

  @Test
  void everyMissingPart_isABlocker() {
    PreflightReport r =
        preflight(List.of(), Optional.empty())
            .run(RunRequest.builder().recommendationId("rec-9").build())
            .report();

    assertThat(r.blockers())
        .extracting(PreflightIssue::code)
        .containsExactly("trigger_missing", "workflow_missing", "recommendation_not_found");
    assertThat(r.hasWarning("budget_missing")).isTrue();
  }

  @Test
  void hostChecks_seeTheNormalizedRequest_andThrowingChecksBlock() {
    PreflightCheck sees =
        (req, f) ->
            f.warning(
                "saw_budget",
                req.config().orElseThrow().at("/budget/max_tokens").orElseThrow().asText());
    PreflightCheck throwing =
        (req, f) -> {
          throw new IllegalStateException("quota service down");
        };
    PreflightReport r =
        preflight(List.of(sees, throwing), Optional.empty()).run(ok().build()).report();

    assertThat(r.warnings()).containsExactly(new PreflightIssue("saw_budget", "10"));
    assertThat(r.blockers()).extracting(PreflightIssue::code).containsExactly("check_failed");
    assertThat(r.blockers().get(0).message()).contains("quota service down");
  }

  @Test
  void blockedRecommendation_blocks_andATakenRunIdBlocks() {
    Recommendation blocked =
        new Recommendation(
            "rec-1",
            wf,
            ConfigSnapshot.empty(),
            ConfigSnapshot.empty().sha256(),
            "why",
            Optional.empty(),
            Recommendation.Status.BLOCKED,
            List.of("needs_approval"),
            Instant.EPOCH);
    RunRecord taken =
        store
            .create(
                RunRecord.builder(
                        wf, ConfigSnapshot.empty(), Trigger.of(TriggerSource.API, "other"))
                    .build())
            .record();

    PreflightReport r =
        preflight(List.of(), Optional.of(blocked))
            .run(ok().recommendationId("rec-1").runId(taken.id()).build())
            .report();

    assertThat(r.blockers())
        .extracting(PreflightIssue::code)
        .containsExactly("recommendation_blocked", "run_id_taken");
    assertThat(r.blockers().get(0).message()).contains("needs_approval");
  }
}
