package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ValidationException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code budget.exceeded}: a run crossed one of its budget limits. The unit of {@code limit} and
 * {@code actual} follows the dimension: tokens for {@code tokens}, the budget's currency for {@code
 * cost}, milliseconds for {@code wall_time}.
 *
 * @param dimension which budget: {@code tokens}, {@code cost} or {@code wall_time}
 * @param limit the limit, at least 0, in the dimension's unit (tokens, the budget's currency or
 *     milliseconds)
 * @param actual the amount used when the limit was crossed, at least 0, in the same unit
 */
public record BudgetExceeded(
    Dimension dimension, @NonNegative BigDecimal limit, @NonNegative BigDecimal actual)
    implements EventPayload {

  private static final String TYPE = EventTypes.BUDGET_EXCEEDED.name();

  /** A budget dimension; written in lowercase ({@code wall_time}). */
  public enum Dimension {
    /** Model tokens, input plus output. */
    TOKENS,
    /** Money, in the budget's currency. */
    COST,
    /** Elapsed time since the run started, in milliseconds. */
    WALL_TIME;

    /**
     * @return the JSON value: {@code tokens}, {@code cost} or {@code wall_time}
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName {@code tokens}, {@code cost} or {@code wall_time}
     * @return the dimension
     * @throws ValidationException naming {@code dimension} for any other value
     */
    public static Dimension fromWireName(String wireName) {
      for (Dimension d : values()) {
        if (d.wireName().equals(wireName)) {
          return d;
        }
      }
      throw new ValidationException(
          TYPE, "dimension", "must be one of [tokens, cost, wall_time] but was '" + wireName + "'");
    }
  }

  /** Checks the components. */
  public BudgetExceeded {
    Objects.requireNonNull(dimension, "dimension");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(actual, "actual");
    limit = Checks.nonNegative(TYPE, "limit", limit);
    actual = Checks.nonNegative(TYPE, "actual", actual);
  }

  /**
   * @param limit the token limit
   * @param actual the tokens used
   * @return the payload
   */
  public static BudgetExceeded tokens(long limit, long actual) {
    return new BudgetExceeded(
        Dimension.TOKENS, BigDecimal.valueOf(limit), BigDecimal.valueOf(actual));
  }

  /**
   * @param limit the cost limit
   * @param actual the cost so far
   * @return the payload
   */
  public static BudgetExceeded cost(BigDecimal limit, BigDecimal actual) {
    return new BudgetExceeded(Dimension.COST, limit, actual);
  }

  /**
   * @param limit the time limit
   * @param actual the time used
   * @return the payload, in milliseconds
   */
  public static BudgetExceeded wallTime(Duration limit, Duration actual) {
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(actual, "actual");
    return new BudgetExceeded(
        Dimension.WALL_TIME,
        BigDecimal.valueOf(limit.toMillis()),
        BigDecimal.valueOf(actual.toMillis()));
  }

  /**
   * @return {@link EventTypes#BUDGET_EXCEEDED}
   */
  @Override
  public EventType type() {
    return EventTypes.BUDGET_EXCEEDED;
  }
}
