package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code model.generation.failed}: a model call failed (refused, timed out, rate limited...). Point
 * it at its {@link ModelGenerationStarted} with {@code EventDraft.withParent}. Usage and cost are
 * optional: a failed call may still have been billed.
 *
 * @param provider who serves the model
 * @param model the model name as the provider knows it
 * @param error what went wrong; {@code error.message} is required
 * @param usage token counts, when the provider reported them
 * @param cost what the call cost, at least 0
 * @param latencyMs how long the call took until it failed, in whole milliseconds, at least 0
 */
public record ModelGenerationFailed(
    @NonBlank String provider,
    @NonBlank String model,
    ErrorInfo error,
    @CheckedWhenPresent Optional<TokenUsage> usage,
    @CheckedWhenPresent @NonNegative Optional<BigDecimal> cost,
    @CheckedWhenPresent(anyNumber = true) @NonNegative OptionalLong latencyMs)
    implements EventPayload {

  private static final String TYPE = EventTypes.MODEL_GENERATION_FAILED.name();

  /** Checks the components. */
  public ModelGenerationFailed {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(usage, "usage");
    Checks.name(TYPE, "provider", provider);
    Checks.name(TYPE, "model", model);
    cost = Checks.nonNegative(TYPE, "cost", cost);
    Checks.nonNegative(TYPE, "latency_ms", latencyMs);
  }

  /**
   * @param provider who serves the model
   * @param model the model name
   * @param error what went wrong
   * @return the payload, without usage, cost or latency
   */
  public static ModelGenerationFailed of(String provider, String model, ErrorInfo error) {
    return new ModelGenerationFailed(
        provider, model, error, Optional.empty(), Optional.empty(), OptionalLong.empty());
  }

  /**
   * @return {@link EventTypes#MODEL_GENERATION_FAILED}
   */
  @Override
  public EventType type() {
    return EventTypes.MODEL_GENERATION_FAILED;
  }
}
