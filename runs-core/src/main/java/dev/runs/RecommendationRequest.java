package dev.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to store as a {@link Recommendation}: the workflow, the recommended config and budget, why,
 * where the advice came from, and any blockers the advisor already knows of. Built with {@link
 * #builder(WorkflowRef, ConfigSnapshot)}.
 *
 * @param id an explicit id; generated when empty
 * @param workflow the workflow the config is for
 * @param config the recommended config
 * @param budget a budget merged into the config under {@link Budget#CONFIG_POINTER}
 * @param rationale why this config is recommended
 * @param sourceRef where the advice came from, e.g. a message id
 * @param blockers blocker codes known to the advisor (lowercase snake case); the orchestrator adds
 *     its own (workflow not registered, invalid budget)
 */
public record RecommendationRequest(
    Optional<String> id,
    WorkflowRef workflow,
    ConfigSnapshot config,
    Optional<Budget> budget,
    String rationale,
    Optional<String> sourceRef,
    List<String> blockers) {

  /** Validates and copies. */
  public RecommendationRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(rationale, "rationale");
    Objects.requireNonNull(sourceRef, "sourceRef");
    blockers = List.copyOf(blockers);
    for (String code : blockers) {
      new PreflightIssue(code, code); // validates the code
    }
  }

  /**
   * @param workflow the workflow
   * @param config the recommended config
   * @return a builder
   */
  public static Builder builder(WorkflowRef workflow, ConfigSnapshot config) {
    return new Builder(workflow, config);
  }

  /** Builds a {@link RecommendationRequest}. Not thread-safe; setters fail fast. */
  public static final class Builder {
    private Optional<String> id = Optional.empty();
    private final WorkflowRef workflow;
    private final ConfigSnapshot config;
    private Optional<Budget> budget = Optional.empty();
    private String rationale = "";
    private Optional<String> sourceRef = Optional.empty();
    private final List<String> blockers = new ArrayList<>();

    private Builder(WorkflowRef workflow, ConfigSnapshot config) {
      this.workflow = Objects.requireNonNull(workflow, "workflow");
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * @param value the recommendation id, 1 to 200 printable characters
     * @return this builder
     */
    public Builder id(String value) {
      Trigger.checkText("recommendation.id", Objects.requireNonNull(value, "id"), 200);
      this.id = Optional.of(value);
      return this;
    }

    /**
     * @param value the budget
     * @return this builder
     */
    public Builder budget(Budget value) {
      this.budget = Optional.of(Objects.requireNonNull(value, "budget"));
      return this;
    }

    /**
     * @param value why this config is recommended
     * @return this builder
     */
    public Builder rationale(String value) {
      this.rationale = Objects.requireNonNull(value, "rationale");
      return this;
    }

    /**
     * @param value where the advice came from, e.g. a message id
     * @return this builder
     */
    public Builder sourceRef(String value) {
      this.sourceRef = Optional.of(Objects.requireNonNull(value, "sourceRef"));
      return this;
    }

    /**
     * @param code a blocker code known to the advisor
     * @return this builder
     */
    public Builder blocker(String code) {
      new PreflightIssue(Objects.requireNonNull(code, "code"), code);
      blockers.add(code);
      return this;
    }

    /**
     * @return the request
     */
    public RecommendationRequest build() {
      return new RecommendationRequest(
          id, workflow, config, budget, rationale, sourceRef, blockers);
    }
  }
}
