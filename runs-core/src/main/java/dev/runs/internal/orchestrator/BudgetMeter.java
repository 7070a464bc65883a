package dev.runs.internal.orchestrator;

import dev.runs.Budget;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps a run's running totals against its budget. A limit is crossed when the total goes above it;
 * reaching it exactly is allowed. Thread-safe.
 */
final class BudgetMeter {
  /** Which limit was crossed, by how much. */
  record Exceeded(String dimension, BigDecimal limit, BigDecimal actual) {}

  private final Budget budget;
  private long tokens;
  private BigDecimal cost;

  BudgetMeter(Budget budget, long tokensSoFar, BigDecimal costSoFar) {
    this.budget = Objects.requireNonNull(budget, "budget");
    this.tokens = tokensSoFar;
    this.cost = Objects.requireNonNull(costSoFar, "costSoFar");
  }

  synchronized void add(long inputTokens, long outputTokens, BigDecimal callCost) {
    tokens = Math.addExact(tokens, Math.addExact(inputTokens, outputTokens));
    cost = cost.add(callCost);
  }

  synchronized long tokens() {
    return tokens;
  }

  synchronized BigDecimal cost() {
    return cost;
  }

  /**
   * @param elapsed wall time of the current execution so far
   * @return the first limit crossed, checking tokens, then cost, then wall time
   */
  synchronized Optional<Exceeded> check(Duration elapsed) {
    if (budget.maxTokens().isPresent() && tokens > budget.maxTokens().getAsLong()) {
      return Optional.of(
          new Exceeded(
              "tokens",
              BigDecimal.valueOf(budget.maxTokens().getAsLong()),
              BigDecimal.valueOf(tokens)));
    }
    if (budget.maxCost().isPresent() && cost.compareTo(budget.maxCost().get()) > 0) {
      return Optional.of(new Exceeded("cost", budget.maxCost().get(), cost));
    }
    if (budget.maxWallTime().isPresent() && elapsed.compareTo(budget.maxWallTime().get()) > 0) {
      return Optional.of(
          new Exceeded(
              "wall_time",
              BigDecimal.valueOf(budget.maxWallTime().get().toMillis()),
              BigDecimal.valueOf(elapsed.toMillis())));
    }
    return Optional.empty();
  }
}
