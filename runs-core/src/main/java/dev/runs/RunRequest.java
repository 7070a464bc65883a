package dev.runs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to start a run, checked by {@link RunOrchestrator#preflight(RunRequest)} and executed
 * by {@link RunOrchestrator#start(RunRequest)}. Build one with {@link #builder()}; building never
 * fails for a missing part: the preflight reports it (a request without a trigger is refused with
 * the blocker {@code trigger_missing}).
 *
 * <pre>{@code
 * RunRequest request = RunRequest.builder()
 *     .workflow("research-agent", "3")
 *     .config(ConfigSnapshot.builder().model("openai", "gpt-4.1").input("topic", "tides").build())
 *     .budget(Budget.none().withMaxTokens(50_000))
 *     .trigger(Trigger.of(TriggerSource.UI, clickId, "ada"))
 *     .namespace("acme/research")
 *     .build();
 * }</pre>
 *
 * @param workflow the registered workflow to run
 * @param config the config; when empty, the referenced recommendation's config, else {@code {}}
 * @param trigger the explicit action asking for the run; required to start
 * @param namespace the run id prefix, e.g. {@code acme/research}
 * @param threadKey groups runs of one conversation or job
 * @param labels free-form labels
 * @param budget limits, merged into the config under {@link Budget#CONFIG_POINTER}
 * @param recommendationId the recommendation this run follows, recorded on the run
 * @param runId an explicit run id instead of a generated one
 */
public record RunRequest(
    Optional<WorkflowRef> workflow,
    Optional<ConfigSnapshot> config,
    Optional<Trigger> trigger,
    Optional<String> namespace,
    Optional<String> threadKey,
    Map<String, String> labels,
    Optional<Budget> budget,
    Optional<String> recommendationId,
    Optional<RunId> runId) {

  /** Checks for nulls and copies the labels. */
  public RunRequest {
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(threadKey, "threadKey");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(recommendationId, "recommendationId");
    Objects.requireNonNull(runId, "runId");
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  /**
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return a builder holding this request's values
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.workflow = workflow;
    b.config = config;
    b.trigger = trigger;
    b.namespace = namespace;
    b.threadKey = threadKey;
    b.labels.putAll(labels);
    b.budget = budget;
    b.recommendationId = recommendationId;
    b.runId = runId;
    return b;
  }

  /**
   * @param newConfig a config
   * @return a copy with the config replaced
   */
  public RunRequest withConfig(ConfigSnapshot newConfig) {
    return new RunRequest(
        workflow,
        Optional.of(newConfig),
        trigger,
        namespace,
        threadKey,
        labels,
        budget,
        recommendationId,
        runId);
  }

  /** Builds a {@link RunRequest}. Not thread-safe; each setter fails fast on malformed input. */
  public static final class Builder {
    private Optional<WorkflowRef> workflow = Optional.empty();
    private Optional<ConfigSnapshot> config = Optional.empty();
    private Optional<Trigger> trigger = Optional.empty();
    private Optional<String> namespace = Optional.empty();
    private Optional<String> threadKey = Optional.empty();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private Optional<Budget> budget = Optional.empty();
    private Optional<String> recommendationId = Optional.empty();
    private Optional<RunId> runId = Optional.empty();

    private Builder() {}

    /**
     * @param name registered workflow name
     * @param version registered workflow version
     * @return this builder
     */
    public Builder workflow(String name, String version) {
      return workflow(WorkflowRef.of(name, version));
    }

    /**
     * @param value the workflow
     * @return this builder
     */
    public Builder workflow(WorkflowRef value) {
      this.workflow = Optional.of(Objects.requireNonNull(value, "workflow"));
      return this;
    }

    /**
     * @param value the config snapshot
     * @return this builder
     */
    public Builder config(ConfigSnapshot value) {
      this.config = Optional.of(Objects.requireNonNull(value, "config"));
      return this;
    }

    /**
     * @param value the explicit action asking for the run
     * @return this builder
     */
    public Builder trigger(Trigger value) {
      this.trigger = Optional.of(Objects.requireNonNull(value, "trigger"));
      return this;
    }

    /**
     * @param value the namespace, e.g. {@code acme/research}
     * @return this builder
     */
    public Builder namespace(String value) {
      this.namespace = Optional.of(RunId.validateNamespace(value));
      return this;
    }

    /**
     * @param value the thread key
     * @return this builder
     */
    public Builder threadKey(String value) {
      this.threadKey = Optional.of(Objects.requireNonNull(value, "threadKey"));
      return this;
    }

    /**
     * @param key label key
     * @param value label value
     * @return this builder
     */
    public Builder label(String key, String value) {
      labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
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
     * @param value the id of the recommendation this run follows
     * @return this builder
     */
    public Builder recommendationId(String value) {
      this.recommendationId = Optional.of(Objects.requireNonNull(value, "recommendationId"));
      return this;
    }

    /**
     * @param value an explicit run id
     * @return this builder
     */
    public Builder runId(RunId value) {
      this.runId = Optional.of(Objects.requireNonNull(value, "runId"));
      return this;
    }

    /**
     * @return the request
     */
    public RunRequest build() {
      return new RunRequest(
          workflow, config, trigger, namespace, threadKey, labels, budget, recommendationId, runId);
    }
  }
}
