package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code model.generation.started}: a call to a model began. Its {@link ModelGenerationCompleted}
 * or {@link ModelGenerationFailed} should point back at it with {@code EventDraft.withParent}.
 *
 * @param provider who serves the model, e.g. {@code openai}, {@code anthropic}, {@code local}
 * @param model the model name as the provider knows it
 * @param params free-form JSON generation parameters (temperature, max tokens...); copied
 * @param route free-form JSON routing metadata (gateway, region, deployment, fallback...); copied
 */
public record ModelGenerationStarted(
    @NonBlank String provider,
    @NonBlank String model,
    Optional<JsonNode> params,
    Optional<JsonNode> route)
    implements EventPayload {

  /** Checks the components and copies the JSON values. */
  public ModelGenerationStarted {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Checks.name(EventTypes.MODEL_GENERATION_STARTED, "provider", provider);
    Checks.name(EventTypes.MODEL_GENERATION_STARTED, "model", model);
    params = Checks.json(EventTypes.MODEL_GENERATION_STARTED.name(), "params", params);
    route = Checks.json(EventTypes.MODEL_GENERATION_STARTED.name(), "route", route);
  }

  /**
   * @param provider who serves the model
   * @param model the model name
   * @return the payload, without params or route
   */
  public static ModelGenerationStarted of(String provider, String model) {
    return new ModelGenerationStarted(provider, model, Optional.empty(), Optional.empty());
  }

  /**
   * @param provider who serves the model
   * @param model the model name
   * @param params the generation parameters
   * @return the payload, without route
   */
  public static ModelGenerationStarted of(String provider, String model, JsonNode params) {
    return new ModelGenerationStarted(
        provider, model, Checks.present(params, "params"), Optional.empty());
  }

  /**
   * @return a copy of the parameters; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> params() {
    return Checks.copy(params);
  }

  /**
   * @return a copy of the routing metadata; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> route() {
    return Checks.copy(route);
  }

  /**
   * @return {@link EventTypes#MODEL_GENERATION_STARTED}
   */
  @Override
  public EventType type() {
    return EventTypes.MODEL_GENERATION_STARTED;
  }
}
