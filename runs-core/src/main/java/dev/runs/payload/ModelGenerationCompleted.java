package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code model.generation.completed}: a model call ended with a result. Build one with {@link
 * #builder(String, String)}:
 *
 * <pre>{@code
 * ModelGenerationCompleted done = ModelGenerationCompleted.builder("openai", "gpt-4o-mini")
 *     .usage(812, 96).cost(new BigDecimal("0.00018")).latencyMs(640).finishReason("stop")
 *     .build();
 * store.append(runId, EventDraft.of(done).withParent(started.eventId()));
 * }</pre>
 *
 * @param provider who serves the model, e.g. {@code openai}
 * @param model the model name as the provider knows it
 * @param route free-form JSON routing metadata; copied, never shared
 * @param params free-form JSON generation parameters actually used; copied, never shared
 * @param usage token counts, which budgets add up
 * @param cost what the call cost, at least 0, in the currency the host's budgets use
 * @param latencyMs how long the call took in whole milliseconds, at least 0
 * @param finishReason why the model stopped, as the provider says it, e.g. {@code stop}, {@code
 *     length}, {@code tool_calls}
 * @param output free-form JSON of what the model produced (text, messages, tool calls); copied
 */
public record ModelGenerationCompleted(
    @NonBlank String provider,
    @NonBlank String model,
    Optional<JsonNode> route,
    Optional<JsonNode> params,
    @CheckedWhenPresent Optional<TokenUsage> usage,
    @CheckedWhenPresent @NonNegative Optional<BigDecimal> cost,
    @CheckedWhenPresent(anyNumber = true) @NonNegative OptionalLong latencyMs,
    Optional<String> finishReason,
    Optional<JsonNode> output)
    implements EventPayload {

  private static final String TYPE = EventTypes.MODEL_GENERATION_COMPLETED.name();

  /** Checks the components and copies the JSON values. */
  public ModelGenerationCompleted {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(finishReason, "finishReason");
    Checks.name(TYPE, "provider", provider);
    Checks.name(TYPE, "model", model);
    route = Checks.json(TYPE, "route", route);
    params = Checks.json(TYPE, "params", params);
    cost = Checks.nonNegative(TYPE, "cost", cost);
    Checks.nonNegative(TYPE, "latency_ms", latencyMs);
    output = Checks.json(TYPE, "output", output);
  }

  /**
   * @param provider who serves the model
   * @param model the model name
   * @return the payload, with no optional field
   */
  public static ModelGenerationCompleted of(String provider, String model) {
    return builder(provider, model).build();
  }

  /**
   * Starts a builder; the required fields are checked at once.
   *
   * @param provider who serves the model
   * @param model the model name
   * @return the builder
   */
  public static Builder builder(String provider, String model) {
    return new Builder(provider, model);
  }

  /**
   * @return a copy of the routing metadata; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> route() {
    return Checks.copy(route);
  }

  /**
   * @return a copy of the parameters; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> params() {
    return Checks.copy(params);
  }

  /**
   * @return a copy of the output; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> output() {
    return Checks.copy(output);
  }

  /**
   * @return {@link EventTypes#MODEL_GENERATION_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.MODEL_GENERATION_COMPLETED;
  }

  /**
   * Builds a {@link ModelGenerationCompleted}; each setter checks its value at once (null and
   * negative values are refused). Not thread-safe.
   */
  public static final class Builder {
    private final String provider;
    private final String model;
    private Optional<JsonNode> route = Optional.empty();
    private Optional<JsonNode> params = Optional.empty();
    private Optional<TokenUsage> usage = Optional.empty();
    private Optional<BigDecimal> cost = Optional.empty();
    private OptionalLong latencyMs = OptionalLong.empty();
    private Optional<String> finishReason = Optional.empty();
    private Optional<JsonNode> output = Optional.empty();

    private Builder(String provider, String model) {
      this.provider = Checks.name(TYPE, "provider", Objects.requireNonNull(provider, "provider"));
      this.model = Checks.name(TYPE, "model", Objects.requireNonNull(model, "model"));
    }

    /**
     * @param value routing metadata; copied
     * @return this builder
     */
    public Builder route(JsonNode value) {
      this.route = Checks.json(TYPE, "route", Checks.present(value, "route"));
      return this;
    }

    /**
     * @param value generation parameters; copied
     * @return this builder
     */
    public Builder params(JsonNode value) {
      this.params = Checks.json(TYPE, "params", Checks.present(value, "params"));
      return this;
    }

    /**
     * @param value token counts
     * @return this builder
     */
    public Builder usage(TokenUsage value) {
      this.usage = Checks.present(value, "usage");
      return this;
    }

    /**
     * @param inputTokens tokens sent to the model, at least 0
     * @param outputTokens tokens the model produced, at least 0
     * @return this builder
     */
    public Builder usage(long inputTokens, long outputTokens) {
      return usage(TokenUsage.of(inputTokens, outputTokens));
    }

    /**
     * @param value what the call cost, at least 0
     * @return this builder
     */
    public Builder cost(BigDecimal value) {
      this.cost = Checks.nonNegative(TYPE, "cost", Checks.present(value, "cost"));
      return this;
    }

    /**
     * @param millis how long the call took, at least 0
     * @return this builder
     */
    public Builder latencyMs(long millis) {
      this.latencyMs = OptionalLong.of(Checks.nonNegative(TYPE, "latency_ms", millis));
      return this;
    }

    /**
     * @param latency how long the call took
     * @return this builder
     */
    public Builder latency(Duration latency) {
      return latencyMs(Objects.requireNonNull(latency, "latency").toMillis());
    }

    /**
     * @param value why the model stopped, e.g. {@code stop}
     * @return this builder
     */
    public Builder finishReason(String value) {
      this.finishReason = Checks.present(value, "finishReason");
      return this;
    }

    /**
     * @param value what the model produced; copied
     * @return this builder
     */
    public Builder output(JsonNode value) {
      this.output = Checks.json(TYPE, "output", Checks.present(value, "output"));
      return this;
    }

    /**
     * @param text what the model produced, as text
     * @return this builder
     */
    public Builder output(String text) {
      return output(TextNode.valueOf(Checks.present(text, "output").get()));
    }

    /**
     * @return the payload
     */
    public ModelGenerationCompleted build() {
      return new ModelGenerationCompleted(
          provider, model, route, params, usage, cost, latencyMs, finishReason, output);
    }
  }
}
