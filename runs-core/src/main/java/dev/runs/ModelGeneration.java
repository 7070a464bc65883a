package dev.runs;

/**
 * A model call in flight: end it with {@link #completed(ModelCompletion)} or {@link
 * #failed(Throwable)}, exactly once. Both write an event whose parent is {@link #startedEvent()}
 * and add its usage and cost to the run's budget.
 */
public interface ModelGeneration {
  /** @return the {@code model.generation.started} event */
  RunEvent startedEvent();

  /**
   * Writes {@code model.generation.completed}.
   *
   * @param completion usage, cost, latency, finish reason, output
   * @return the event
   * @throws BudgetExceededException when this call's usage crosses the run's budget (the event
   *     and {@code budget.exceeded} are written first)
   * @throws IllegalStateException when the generation already ended
   */
  RunEvent completed(ModelCompletion completion);

  /**
   * Writes {@code model.generation.failed}.
   *
   * @param error the failure
   * @return the event
   * @throws IllegalStateException when the generation already ended
   */
  RunEvent failed(Throwable error);
}
