package dev.runs;

import dev.runs.payload.ModelGenerationCompleted;

/**
 * A model call in flight: end it with {@link #completed(ModelGenerationCompleted)} or {@link
 * #failed(Throwable)}, exactly once. Both write an event whose parent is {@link #startedEvent()}
 * and add its usage and cost to the run's budget.
 *
 * <pre>{@code
 * ModelGeneration gen = ctx.model("openai", "gpt-4o-mini").param("temperature", 0.2).started();
 * gen.completed(gen.completion().usage(812, 164).cost(new BigDecimal("0.0042"))
 *     .finishReason("stop").output(answer).build());
 * }</pre>
 *
 * <p>Implementations are safe to use from the thread that runs the step.
 */
public interface ModelGeneration {
  /**
   * @return the {@code model.generation.started} event
   */
  RunEvent startedEvent();

  /**
   * Starts the {@code model.generation.completed} payload of this call: its provider and model, and
   * its route when the call had one, are filled in.
   *
   * @return a new builder
   */
  ModelGenerationCompleted.Builder completion();

  /**
   * Writes {@code model.generation.completed}. The payload's provider and model must be the call's;
   * a payload without a route gets the call's route, one without a latency the time since {@link
   * #startedEvent()}.
   *
   * @param completion usage, cost, latency, finish reason, output (see {@link #completion()})
   * @return the event
   * @throws ValidationException when the provider or model differs from the started call's
   * @throws BudgetExceededException when this call's usage crosses the run's budget (the event and
   *     {@code budget.exceeded} are written first)
   * @throws IllegalStateException when the generation already ended
   */
  RunEvent completed(ModelGenerationCompleted completion);

  /**
   * Writes {@code model.generation.failed}.
   *
   * @param error the failure
   * @return the event
   * @throws IllegalStateException when the generation already ended
   */
  RunEvent failed(Throwable error);
}
