package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.internal.codec.RecordJson;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a model call ended, for {@link ModelGeneration#completed(ModelCompletion)}: token usage and
 * optionally cost, latency (measured by the orchestrator when absent), finish reason and output.
 *
 * <pre>{@code
 * gen.completed(ModelCompletion.of(812, 164).withCost(new BigDecimal("0.0042")).withFinishReason("stop")
 *     .withOutput(answer));
 * }</pre>
 *
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens
 * @param cost what the call cost, in the host's unit
 * @param latency how long the call took
 * @param finishReason why the model stopped, e.g. {@code stop}, {@code length}
 * @param output the model's output as JSON
 */
public record ModelCompletion(
    long inputTokens,
    long outputTokens,
    Optional<BigDecimal> cost,
    Optional<Duration> latency,
    Optional<String> finishReason,
    Optional<JsonNode> output) {

  /**
   * Validates the values.
   *
   * @throws ValidationException for negative tokens, cost or latency
   */
  public ModelCompletion {
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(output, "output");
    if (inputTokens < 0 || outputTokens < 0) {
      throw new ValidationException("usage", "token counts must not be negative but were "
          + inputTokens + " and " + outputTokens);
    }
    if (cost.isPresent() && cost.get().signum() < 0) {
      throw new ValidationException("cost", "must not be negative");
    }
    if (latency.isPresent() && latency.get().isNegative()) {
      throw new ValidationException("latency", "must not be negative");
    }
    output = output.map(JsonNode::deepCopy);
  }

  /**
   * @param inputTokens prompt tokens
   * @param outputTokens completion tokens
   * @return a completion with only usage
   */
  public static ModelCompletion of(long inputTokens, long outputTokens) {
    return new ModelCompletion(inputTokens, outputTokens, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty());
  }

  /**
   * @param value the cost
   * @return a copy with the cost set
   */
  public ModelCompletion withCost(BigDecimal value) {
    return new ModelCompletion(inputTokens, outputTokens, Optional.of(value), latency, finishReason, output);
  }

  /**
   * @param value the latency
   * @return a copy with the latency set
   */
  public ModelCompletion withLatency(Duration value) {
    return new ModelCompletion(inputTokens, outputTokens, cost, Optional.of(value), finishReason, output);
  }

  /**
   * @param value the finish reason
   * @return a copy with the finish reason set
   */
  public ModelCompletion withFinishReason(String value) {
    return new ModelCompletion(inputTokens, outputTokens, cost, latency, Optional.of(value), output);
  }

  /**
   * @param value the output (string, record, map, list or JSON tree)
   * @return a copy with the output set
   */
  public ModelCompletion withOutput(Object value) {
    return new ModelCompletion(inputTokens, outputTokens, cost, latency, finishReason,
        Optional.of(RecordJson.toJson(value)));
  }

  /** @return a copy of the output */
  @Override
  public Optional<JsonNode> output() {
    return output.map(JsonNode::deepCopy);
  }
}
