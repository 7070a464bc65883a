package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.internal.codec.BudgetJson;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Limits on what a run may spend: tokens and cost (summed from its {@code
 * model.generation.completed} and {@code model.generation.failed} events) and wall time (of each
 * execution). A budget is stored inside the run's config snapshot under {@value #CONFIG_POINTER},
 * so replays keep it and reruns can override it ({@code /budget/max_tokens}). Crossing a limit
 * writes {@code budget.exceeded} and ends the run {@code failed} with reason {@code
 * budget_exceeded}.
 *
 * <p>JSON form: {@code {"max_tokens": 10000, "max_cost": 2.5, "max_wall_time_ms": 60000}}, every
 * field optional.
 *
 * @param maxTokens most input plus output tokens
 * @param maxCost most cost, in the unit the host reports model costs in
 * @param maxWallTime longest execution
 */
public record Budget(
    OptionalLong maxTokens, Optional<BigDecimal> maxCost, Optional<Duration> maxWallTime) {

  /** Where a budget lives in a config snapshot. */
  public static final String CONFIG_POINTER = "/budget";

  private static final Budget NONE =
      new Budget(OptionalLong.empty(), Optional.empty(), Optional.empty());

  /**
   * Validates the limits and normalizes the cost's scale.
   *
   * @throws ValidationException for a negative limit
   */
  public Budget {
    Objects.requireNonNull(maxTokens, "maxTokens");
    Objects.requireNonNull(maxCost, "maxCost");
    Objects.requireNonNull(maxWallTime, "maxWallTime");
    if (maxTokens.isPresent() && maxTokens.getAsLong() < 0) {
      throw new ValidationException(
          "budget.max_tokens", "must not be negative but was " + maxTokens.getAsLong());
    }
    if (maxCost.isPresent() && maxCost.get().signum() < 0) {
      throw new ValidationException(
          "budget.max_cost", "must not be negative but was " + maxCost.get().toPlainString());
    }
    maxCost = maxCost.map(Budget::plain);
    if (maxWallTime.isPresent() && maxWallTime.get().isNegative()) {
      throw new ValidationException(
          "budget.max_wall_time", "must not be negative but was " + maxWallTime.get());
    }
  }

  /** Drops trailing zeros so that equal amounts are equal budgets ({@code 2.50} is {@code 2.5}). */
  private static BigDecimal plain(BigDecimal v) {
    BigDecimal s = v.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  /**
   * @return a budget without limits
   */
  public static Budget none() {
    return NONE;
  }

  /**
   * @param value most tokens
   * @return a copy with the token limit set
   */
  public Budget withMaxTokens(long value) {
    return new Budget(OptionalLong.of(value), maxCost, maxWallTime);
  }

  /**
   * @param value most cost
   * @return a copy with the cost limit set
   */
  public Budget withMaxCost(BigDecimal value) {
    return new Budget(
        maxTokens, Optional.of(Objects.requireNonNull(value, "maxCost")), maxWallTime);
  }

  /**
   * @param value longest execution
   * @return a copy with the wall time limit set
   */
  public Budget withMaxWallTime(Duration value) {
    return new Budget(
        maxTokens, maxCost, Optional.of(Objects.requireNonNull(value, "maxWallTime")));
  }

  /**
   * @return true when no limit is set
   */
  public boolean isUnlimited() {
    return maxTokens.isEmpty() && maxCost.isEmpty() && maxWallTime.isEmpty();
  }

  /**
   * @return the JSON form stored in the config snapshot
   */
  public ObjectNode toJson() {
    return BudgetJson.encode(this);
  }

  /**
   * Reads the budget of a config snapshot.
   *
   * @param config a config snapshot
   * @return its budget, or empty when it has none
   * @throws ValidationException when {@value #CONFIG_POINTER} is not a well-formed budget
   */
  public static Optional<Budget> fromConfig(ConfigSnapshot config) {
    Optional<JsonNode> node = config.at(CONFIG_POINTER);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(fromJson(node.get()));
  }

  /**
   * Parses the JSON form.
   *
   * @param node a JSON object
   * @return the budget
   * @throws ValidationException naming the malformed field
   */
  public static Budget fromJson(JsonNode node) {
    return BudgetJson.decode(node);
  }
}
