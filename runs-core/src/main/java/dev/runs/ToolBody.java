package dev.runs;

/**
 * The body of a tool call.
 *
 * @param <T> the tool's result type
 */
@FunctionalInterface
public interface ToolBody<T> {
  /**
   * Calls the tool.
   *
   * @return the result, recorded in {@code tool.call.completed}
   * @throws Exception a failure, recorded in {@code tool.call.failed} and rethrown
   */
  T call() throws Exception;
}
