package dev.runs;

import java.util.Objects;

/**
 * Records that a run was started from a recommendation: which one, the hash of the recommended
 * config, and how the config actually used differs from it.
 *
 * @param recommendationId the recommendation's id
 * @param recommendedConfigSha256 sha256 of the recommended config snapshot
 * @param diffFromRecommended changes from the recommended config to the run's config
 */
public record RecommendationLink(
    String recommendationId, String recommendedConfigSha256, ConfigDiff diffFromRecommended) {
  /** Validates the components. */
  public RecommendationLink {
    Objects.requireNonNull(recommendationId, "recommendationId");
    Objects.requireNonNull(recommendedConfigSha256, "recommendedConfigSha256");
    Objects.requireNonNull(diffFromRecommended, "diffFromRecommended");
    Trigger.checkText("recommendation.recommendation_id", recommendationId, 200);
  }
}
