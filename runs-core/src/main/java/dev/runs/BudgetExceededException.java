package dev.runs;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A run crossed a limit of its {@link Budget}. Thrown into the workflow by the emitter or step
 * boundary that noticed it; the run ends {@code failed} with reason {@code budget_exceeded} even if
 * the workflow catches it.
 */
public final class BudgetExceededException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final String dimension;
  private final BigDecimal limit;
  private final BigDecimal actual;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param dimension {@code tokens}, {@code cost} or {@code wall_time}
   * @param limit the limit (milliseconds for wall time)
   * @param actual what the run reached
   */
  public BudgetExceededException(
      RunId runId, String dimension, BigDecimal limit, BigDecimal actual) {
    super(
        "run "
            + runId
            + " exceeded its "
            + dimension
            + " budget: "
            + actual.toPlainString()
            + " > limit "
            + limit.toPlainString()
            + " (rerun it with a larger /budget to continue)");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.dimension = Objects.requireNonNull(dimension, "dimension");
    this.limit = limit;
    this.actual = actual;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return {@code tokens}, {@code cost} or {@code wall_time}
   */
  public String dimension() {
    return dimension;
  }

  /**
   * @return the limit
   */
  public BigDecimal limit() {
    return limit;
  }

  /**
   * @return what the run reached
   */
  public BigDecimal actual() {
    return actual;
  }
}
