package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;

/**
 * {@code tool.call.failed}: a tool call failed. Point it at its {@link ToolCallStarted} with {@code
 * EventDraft.withParent}.
 *
 * @param toolName the tool's name
 * @param error what went wrong; {@code error.message} is required
 */
public record ToolCallFailed(@NonBlank String toolName, ErrorInfo error) implements EventPayload {

  /** Checks the components. */
  public ToolCallFailed {
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(error, "error");
    Checks.name(EventTypes.TOOL_CALL_FAILED, "tool_name", toolName);
  }

  /**
   * @param toolName the tool's name
   * @param error what went wrong
   * @return the payload
   */
  public static ToolCallFailed of(String toolName, ErrorInfo error) {
    return new ToolCallFailed(toolName, error);
  }

  /**
   * @param toolName the tool's name
   * @param message what went wrong
   * @return the payload, with an error carrying only the message
   */
  public static ToolCallFailed of(String toolName, String message) {
    return new ToolCallFailed(toolName, ErrorInfo.of(message));
  }

  /**
   * @return {@link EventTypes#TOOL_CALL_FAILED}
   */
  @Override
  public EventType type() {
    return EventTypes.TOOL_CALL_FAILED;
  }
}
