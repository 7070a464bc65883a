package dev.runs.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Budget;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.OptionalLong;

/** JSON form of {@link Budget}: the {@code budget} object of a config snapshot. */
public final class BudgetJson {
  private BudgetJson() {}

  /**
   * @param b the budget
   * @return its JSON object; limits that are not set are left out
   */
  public static ObjectNode encode(Budget b) {
    ObjectNode o = JsonSupport.object();
    b.maxTokens().ifPresent(v -> o.put("max_tokens", v));
    b.maxCost().ifPresent(v -> o.put("max_cost", v));
    b.maxWallTime().ifPresent(v -> o.put("max_wall_time_ms", v.toMillis()));
    return o;
  }

  /**
   * @param node a JSON object
   * @return the budget
   * @throws ValidationException naming the malformed field
   */
  public static Budget decode(JsonNode node) {
    if (!node.isObject()) {
      throw new ValidationException(
          "config.budget",
          "must be a JSON object such as "
              + "{\"max_tokens\": 10000, \"max_cost\": 2.5, \"max_wall_time_ms\": 60000}");
    }
    OptionalLong tokens = OptionalLong.empty();
    Optional<BigDecimal> cost = Optional.empty();
    Optional<Duration> wall = Optional.empty();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      JsonNode v = node.get(f);
      switch (f) {
        case "max_tokens" -> {
          if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ValidationException("config.budget.max_tokens", "must be an integer");
          }
          tokens = OptionalLong.of(v.longValue());
        }
        case "max_cost" -> {
          if (!v.isNumber()) {
            throw new ValidationException("config.budget.max_cost", "must be a number");
          }
          cost = Optional.of(v.decimalValue());
        }
        case "max_wall_time_ms" -> {
          if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ValidationException("config.budget.max_wall_time_ms", "must be an integer");
          }
          wall = Optional.of(Duration.ofMillis(v.longValue()));
        }
        default ->
            throw new ValidationException(
                "config.budget." + f,
                "is not a budget field; use max_tokens, max_cost or max_wall_time_ms");
      }
    }
    return new Budget(tokens, cost, wall);
  }
}
