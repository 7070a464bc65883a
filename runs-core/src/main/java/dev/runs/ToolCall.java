package dev.runs;

/**
 * A tool call in flight, from {@link RunContext#toolCall(String, String, Object)}: end it with
 * {@link #completed(Object)} or {@link #failed(Throwable)}, exactly once. Both write an event whose
 * parent is {@link #startedEvent()}.
 */
public interface ToolCall {
  /**
   * @return the {@code tool.call.started} event
   */
  RunEvent startedEvent();

  /**
   * Writes {@code tool.call.completed}.
   *
   * @param result the tool's result (record, string, number, map, list, JSON tree or null)
   * @return the event
   * @throws IllegalStateException when the call already ended
   */
  RunEvent completed(Object result);

  /**
   * Writes {@code tool.call.failed}.
   *
   * @param error the failure
   * @return the event
   * @throws IllegalStateException when the call already ended
   */
  RunEvent failed(Throwable error);
}
