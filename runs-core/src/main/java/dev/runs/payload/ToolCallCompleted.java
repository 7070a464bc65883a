package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code tool.call.completed}: a tool call returned. Point it at its {@link ToolCallStarted} with
 * {@code EventDraft.withParent}.
 *
 * @param toolName the tool's name, e.g. {@code web_search}
 * @param toolVersion the tool's version
 * @param result free-form JSON the tool returned; copied, never shared
 * @param latencyMs how long the call took in whole milliseconds, at least 0
 */
public record ToolCallCompleted(
    @NonBlank String toolName,
    Optional<String> toolVersion,
    Optional<JsonNode> result,
    @NonNegative OptionalLong latencyMs)
    implements EventPayload {

  /** Checks the components and copies the result. */
  public ToolCallCompleted {
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(toolVersion, "toolVersion");
    Checks.name(EventTypes.TOOL_CALL_COMPLETED, "tool_name", toolName);
    result = Checks.json(EventTypes.TOOL_CALL_COMPLETED.name(), "result", result);
    Checks.nonNegative(EventTypes.TOOL_CALL_COMPLETED.name(), "latency_ms", latencyMs);
  }

  /**
   * @param toolName the tool's name
   * @return the payload, with no optional field
   */
  public static ToolCallCompleted of(String toolName) {
    return new ToolCallCompleted(
        toolName, Optional.empty(), Optional.empty(), OptionalLong.empty());
  }

  /**
   * @param toolName the tool's name
   * @param result what the tool returned
   * @return the payload, without version or latency
   */
  public static ToolCallCompleted of(String toolName, JsonNode result) {
    return new ToolCallCompleted(
        toolName, Optional.empty(), Checks.present(result, "result"), OptionalLong.empty());
  }

  /**
   * @return a copy of the result; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> result() {
    return Checks.copy(result);
  }

  /**
   * @return {@link EventTypes#TOOL_CALL_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.TOOL_CALL_COMPLETED;
  }
}
