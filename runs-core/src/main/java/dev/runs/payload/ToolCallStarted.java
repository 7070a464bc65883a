package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code tool.call.started}: an agent called a tool (a function, an API, a sub-process). Its {@link
 * ToolCallCompleted} or {@link ToolCallFailed} should point back at it with {@code
 * EventDraft.withParent}.
 *
 * @param toolName the tool's name, e.g. {@code web_search}
 * @param toolVersion the tool's version, as in the run's config snapshot
 * @param arguments free-form JSON arguments of the call; copied, never shared
 */
public record ToolCallStarted(
    @NonBlank String toolName, Optional<String> toolVersion, Optional<JsonNode> arguments)
    implements EventPayload {

  /** Checks the components and copies the arguments. */
  public ToolCallStarted {
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(toolVersion, "toolVersion");
    Checks.name(EventTypes.TOOL_CALL_STARTED, "tool_name", toolName);
    arguments = Checks.json(EventTypes.TOOL_CALL_STARTED.name(), "arguments", arguments);
  }

  /**
   * @param toolName the tool's name
   * @return the payload, without version or arguments
   */
  public static ToolCallStarted of(String toolName) {
    return new ToolCallStarted(toolName, Optional.empty(), Optional.empty());
  }

  /**
   * @param toolName the tool's name
   * @param arguments the call's arguments
   * @return the payload, without version
   */
  public static ToolCallStarted of(String toolName, JsonNode arguments) {
    return new ToolCallStarted(toolName, Optional.empty(), Checks.present(arguments, "arguments"));
  }

  /**
   * @return a copy of the arguments; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> arguments() {
    return Checks.copy(arguments);
  }

  /**
   * @return {@link EventTypes#TOOL_CALL_STARTED}
   */
  @Override
  public EventType type() {
    return EventTypes.TOOL_CALL_STARTED;
  }
}
