package dev.runs;

/**
 * The body of a durable step.
 *
 * @param <T> the step's output type
 */
@FunctionalInterface
public interface StepBody<T> {
  /**
   * Does the step's work.
   *
   * @return the output, recorded as JSON in {@code step.completed}
   * @throws Exception a failure; the step is retried when its {@link StepOptions} allow
   */
  T run() throws Exception;
}
