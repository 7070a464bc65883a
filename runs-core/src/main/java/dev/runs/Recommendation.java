package dev.runs;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A recommended config for a workflow, stored by {@link
 * RunOrchestrator#recommend(RecommendationRequest)}. A recommendation never starts anything: a
 * person (or program) starts a run that references it, and the run then records the
 * recommendation's id, the sha256 of its config and the diff from it to the config actually used.
 *
 * @param id the recommendation's id
 * @param workflow the workflow it is for
 * @param config the recommended config (as stored, so secrets are redacted), budget included
 * @param configSha256 sha256 of {@code config}
 * @param rationale why this config is recommended
 * @param sourceRef where it came from, e.g. an advisor message id
 * @param status whether a run may be started from it
 * @param blockers the blocker codes when {@code BLOCKED}
 * @param createdAt when it was stored (orchestrator clock)
 */
public record Recommendation(
    String id,
    WorkflowRef workflow,
    ConfigSnapshot config,
    String configSha256,
    String rationale,
    Optional<String> sourceRef,
    Status status,
    List<String> blockers,
    Instant createdAt) {

  /** Whether a run may be started from a recommendation. */
  public enum Status {
    /** Runs may reference it. */
    READY,
    /** Starts referencing it are refused with the blocker {@code recommendation_blocked}. */
    BLOCKED;

    /**
     * @return the lowercase JSON name
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Validates the recommendation.
   *
   * @throws IllegalArgumentException when the status does not match the blockers or the hash does
   *     not match the config
   */
  public Recommendation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(configSha256, "configSha256");
    Objects.requireNonNull(rationale, "rationale");
    Objects.requireNonNull(sourceRef, "sourceRef");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    blockers = List.copyOf(blockers);
    if ((status == Status.BLOCKED) == blockers.isEmpty()) {
      throw new IllegalArgumentException(
          "recommendation "
              + id
              + ": status BLOCKED needs blocker codes and READY none, but status is "
              + status
              + " with blockers "
              + blockers);
    }
    if (!config.sha256().equals(configSha256)) {
      throw new IllegalArgumentException(
          "recommendation "
              + id
              + ": configSha256 "
              + configSha256
              + " is not the hash of its config "
              + config.sha256());
    }
  }

  /**
   * @return true when runs may be started from it
   */
  public boolean isReady() {
    return status == Status.READY;
  }
}
