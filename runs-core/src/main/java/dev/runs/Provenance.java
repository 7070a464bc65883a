package dev.runs;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a run came from: the explicit action that created it, the recommendation it followed (the
 * link recorded on the run and the stored recommendation itself), and the run it was derived from
 * by replay or rerun.
 *
 * @param runId the run
 * @param workflow its workflow
 * @param trigger the action that created it
 * @param recommendationLink the link recorded on the run, if it followed a recommendation
 * @param recommendation the stored recommendation, when it can still be found
 * @param lineage the parent run and relation, for replays and reruns
 */
public record Provenance(
    RunId runId,
    WorkflowRef workflow,
    Trigger trigger,
    Optional<RecommendationLink> recommendationLink,
    Optional<Recommendation> recommendation,
    Optional<Lineage> lineage) {
  /** Checks for nulls. */
  public Provenance {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(recommendationLink, "recommendationLink");
    Objects.requireNonNull(recommendation, "recommendation");
    Objects.requireNonNull(lineage, "lineage");
  }
}
