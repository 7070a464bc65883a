package dev.runs;

import dev.runs.internal.codec.RunRecordJson;
import dev.runs.internal.support.Times;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A run's record: written once at creation and never changed. Its status is not here: it is the
 * fold of the run's events ({@link RunState}).
 *
 * @param id the run id; its namespace prefix is the run's namespace
 * @param threadKey groups runs of one conversation, job or thread
 * @param labels free-form key/value labels
 * @param workflow the workflow name and version
 * @param config the frozen config snapshot with its sha256
 * @param trigger the explicit action that created the run
 * @param recommendation the recommendation the run was started from, if any
 * @param lineage the run it was derived from by replay or rerun, if any
 * @param createdAt when the store created it
 */
public record RunRecord(
    RunId id,
    Optional<String> threadKey,
    Map<String, String> labels,
    WorkflowRef workflow,
    ConfigSnapshot config,
    Trigger trigger,
    Optional<RecommendationLink> recommendation,
    Optional<Lineage> lineage,
    Instant createdAt) {

  /** Maximum number of labels. */
  public static final int MAX_LABELS = 64;

  /**
   * The reserved label holding the W3C Trace Context {@code traceparent} of the span the run was
   * started in ({@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}), so tracing
   * integrations parent the run's root span there. Its value is checked when present.
   */
  public static final String TRACEPARENT_LABEL = "traceparent";

  /** Validates the record and copies the labels. */
  public RunRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(threadKey, "threadKey");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(recommendation, "recommendation");
    Objects.requireNonNull(lineage, "lineage");
    Objects.requireNonNull(createdAt, "createdAt");
    threadKey.ifPresent(t -> Trigger.checkText("thread_key", t, 200));
    if (labels.size() > MAX_LABELS) {
      throw new ValidationException(
          "labels", "at most " + MAX_LABELS + " labels but got " + labels.size());
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      checkLabelKey(e.getKey());
      Objects.requireNonNull(e.getValue(), "label value");
      if (e.getValue().length() > 500) {
        throw new ValidationException(
            "labels." + e.getKey(), "value must be at most 500 characters");
      }
      Payload.requireWellFormedUnicode(e.getValue(), "labels." + e.getKey());
      if (e.getKey().equals(TRACEPARENT_LABEL)) {
        checkTraceparent(e.getValue());
      }
    }
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    createdAt = Times.micros(createdAt);
  }

  /**
   * @return the namespace: the run id's prefix, empty for none
   */
  public String namespace() {
    return id.namespace();
  }

  /**
   * Starts a builder.
   *
   * @param workflow the workflow name and version
   * @param config the config snapshot
   * @param trigger the explicit action
   * @return a builder with a fresh id, no namespace, created now
   */
  public static Builder builder(WorkflowRef workflow, ConfigSnapshot config, Trigger trigger) {
    return new Builder(workflow, config, trigger);
  }

  /**
   * @return this record as one JSON object (snake_case), the form stores keep
   */
  public String toJson() {
    return RunRecordJson.encode(this);
  }

  /**
   * Decodes a record written by {@link #toJson()}.
   *
   * @param json the JSON text
   * @return the record
   * @throws ValidationException naming a missing or malformed field
   */
  public static RunRecord fromJson(String json) {
    return RunRecordJson.decode(json);
  }

  /**
   * @return the W3C {@code traceparent} the run was started under ({@link #TRACEPARENT_LABEL}), if
   *     any
   */
  public Optional<String> traceparent() {
    return Optional.ofNullable(labels.get(TRACEPARENT_LABEL));
  }

  private static final java.util.regex.Pattern TRACEPARENT =
      java.util.regex.Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");

  private static void checkTraceparent(String value) {
    java.util.regex.Matcher m = TRACEPARENT.matcher(value);
    if (!m.matches()
        || value.startsWith("ff")
        || m.group(1).chars().allMatch(c -> c == '0')
        || m.group(2).chars().allMatch(c -> c == '0')) {
      throw new ValidationException(
          "labels." + TRACEPARENT_LABEL,
          "must be a W3C traceparent like 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>"
              + " with non-zero ids, but was '"
              + value
              + "'");
    }
  }

  /**
   * @param key a label key
   * @throws ValidationException when it is not one a record may carry
   */
  static void checkLabelKey(String key) {
    Objects.requireNonNull(key, "label key");
    if (key.isEmpty() || key.length() > 63) {
      throw new ValidationException("labels", "key '" + key + "' must be 1 to 63 characters");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!((c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '/')) {
        throw new ValidationException(
            "labels", "key '" + key + "' may use only a-z, 0-9, '-', '_', '.', '/'");
      }
    }
  }

  /** Builds a {@link RunRecord}. Not thread-safe; each setter fails fast on bad input. */
  public static final class Builder {
    private @Nullable RunId id;
    private String namespace = "";
    private Optional<String> threadKey = Optional.empty();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final WorkflowRef workflow;
    private final ConfigSnapshot config;
    private final Trigger trigger;
    private Optional<RecommendationLink> recommendation = Optional.empty();
    private Optional<Lineage> lineage = Optional.empty();
    private @Nullable Instant createdAt;

    private Builder(WorkflowRef workflow, ConfigSnapshot config, Trigger trigger) {
      this.workflow = Objects.requireNonNull(workflow, "workflow");
      this.config = Objects.requireNonNull(config, "config");
      this.trigger = Objects.requireNonNull(trigger, "trigger");
    }

    /**
     * @param value the run id (its prefix becomes the namespace)
     * @return this builder
     */
    public Builder id(RunId value) {
      this.id = Objects.requireNonNull(value, "id");
      return this;
    }

    /**
     * Sets the namespace of a generated id; ignored when {@link #id(RunId)} is set.
     *
     * @param value e.g. {@code acme/etl}
     * @return this builder
     */
    public Builder namespace(String value) {
      this.namespace = RunId.validateNamespace(value);
      return this;
    }

    /**
     * @param value the thread or group key
     * @return this builder
     */
    public Builder threadKey(String value) {
      Trigger.checkText("thread_key", Objects.requireNonNull(value, "threadKey"), 200);
      this.threadKey = Optional.of(value);
      return this;
    }

    /**
     * @param key label key (a-z, 0-9, '-', '_', '.', '/')
     * @param value label value
     * @return this builder
     */
    public Builder label(String key, String value) {
      checkLabelKey(key);
      labels.put(key, Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * @param value the recommendation link
     * @return this builder
     */
    public Builder recommendation(RecommendationLink value) {
      this.recommendation = Optional.of(value);
      return this;
    }

    /**
     * @param value the lineage
     * @return this builder
     */
    public Builder lineage(Lineage value) {
      this.lineage = Optional.of(value);
      return this;
    }

    /**
     * Sets the creation time; stores set it from their clock when absent.
     *
     * @param value the time
     * @return this builder
     */
    public Builder createdAt(Instant value) {
      this.createdAt = Objects.requireNonNull(value, "createdAt");
      return this;
    }

    /**
     * @return the record
     */
    public RunRecord build() {
      RunId runId = id != null ? id : RunId.random(namespace);
      return new RunRecord(
          runId,
          threadKey,
          labels,
          workflow,
          config,
          trigger,
          recommendation,
          lineage,
          createdAt != null ? createdAt : Instant.now());
    }
  }

  /**
   * Returns a copy with another creation time (used by stores to stamp their clock).
   *
   * @param time the creation time
   * @return the copy
   */
  public RunRecord withCreatedAt(Instant time) {
    return new RunRecord(
        id, threadKey, labels, workflow, config, trigger, recommendation, lineage, time);
  }

  /**
   * Returns a copy with another config (used to store the redacted config).
   *
   * @param newConfig the config
   * @return the copy
   */
  public RunRecord withConfig(ConfigSnapshot newConfig) {
    return new RunRecord(
        id, threadKey, labels, workflow, newConfig, trigger, recommendation, lineage, createdAt);
  }
}
