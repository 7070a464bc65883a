package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.Budget;
import dev.runs.ConfigDiff;
import dev.runs.ConfigSnapshot;
import dev.runs.PreflightRefusedException;
import dev.runs.Provenance;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Recommendations: links both ways, blocked and unknown recommendations, the recommended config.
 * The contract's {@code Recommendations} group binds these tests to the store under test.
 */
abstract class OrchestratorRecommendationsKit extends OrchestratorKit {
  OrchestratorRecommendationsKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a recommendation starts nothing; a run started from it is linked both ways with the diff")
  void recommendation_linkedBothWays() throws Exception {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
    Recommendation rec =
        o.recommend(
            RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
                .budget(Budget.none().withMaxTokens(5000))
                .rationale("cheaper model is enough")
                .sourceRef("msg-42")
                .build());

    assertThat(rec.status()).isEqualTo(Recommendation.Status.READY);
    assertThat(store().list(RunQuery.all()).runs()).isEmpty();
    assertThat(o.recommendation(rec.id())).contains(rec);
    ConfigSnapshot actual = rec.config().withOverrides(Map.of("/model/params/temperature", 0.5));
    RunHandle h =
        o.start(
            RunRequest.builder()
                .workflow("greeter", "1")
                .config(actual)
                .recommendationId(rec.id())
                .trigger(trigger())
                .build());
    await(h);
    RunHandle unrelated = o.start(request("greeter").build());
    await(unrelated);

    RunRecord r = o.get(h.runId()).orElseThrow();
    assertThat(r.recommendation().orElseThrow().recommendationId()).isEqualTo(rec.id());
    assertThat(r.recommendation().orElseThrow().recommendedConfigSha256())
        .isEqualTo(rec.configSha256());
    assertThat(r.recommendation().orElseThrow().diffFromRecommended().changes())
        .extracting(ConfigDiff.Change::path)
        .containsExactly("/model/params/temperature");
    assertThat(o.runsFromRecommendation(rec.id()))
        .extracting(RunRecord::id)
        .containsExactly(h.runId());
    Provenance p = o.provenance(h.runId());
    assertThat(p.trigger()).isEqualTo(r.trigger());
    assertThat(p.recommendation()).contains(rec);
    assertThat(p.recommendation().orElseThrow().sourceRef()).contains("msg-42");
    assertThat(o.provenance(unrelated.runId()).recommendation()).isEmpty();
  }

  @Test
  @DisplayName(
      "a start from a blocked or unknown recommendation is refused; a start without config takes"
          + " the recommended one")
  void recommendation_blockedOrUnknown_refused() throws Exception {
    RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
    Recommendation blocked =
        o.recommend(
            RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
                .blocker("needs_approval")
                .build());
    Recommendation unregistered =
        o.recommend(RecommendationRequest.builder(WorkflowRef.of("other", "1"), config()).build());
    Recommendation ready =
        o.recommend(
            RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config()).build());

    assertThat(blocked.status()).isEqualTo(Recommendation.Status.BLOCKED);
    assertThat(unregistered.blockers()).contains("workflow_not_registered");
    assertThatThrownBy(
            () ->
                o.start(
                    RunRequest.builder()
                        .workflow("greeter", "1")
                        .trigger(trigger())
                        .recommendationId(blocked.id())
                        .build()))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("recommendation_blocked");
    assertThatThrownBy(
            () ->
                o.start(
                    RunRequest.builder()
                        .workflow("greeter", "1")
                        .trigger(trigger())
                        .recommendationId("no-such-rec")
                        .build()))
        .isInstanceOf(PreflightRefusedException.class)
        .hasMessageContaining("recommendation_not_found");
    assertThatThrownBy(
            () ->
                o.recommend(
                    RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
                        .id(ready.id())
                        .build()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("already exists");
    assertThat(store().list(RunQuery.all()).runs()).isEmpty();

    RunHandle h =
        o.start(
            RunRequest.builder()
                .workflow("greeter", "1")
                .trigger(trigger())
                .recommendationId(ready.id())
                .build());
    await(h);
    RunRecord r = o.get(h.runId()).orElseThrow();
    assertThat(r.config()).isEqualTo(ready.config());
    assertThat(r.recommendation().orElseThrow().diffFromRecommended().isEmpty()).isTrue();
  }
}
