package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code agent.invoked}: an agent was invoked (given a turn, a task or a message).
 *
 * @param agent the agent's name
 * @param input free-form JSON the agent was given; copied, never shared
 */
public record AgentInvoked(@NonBlank String agent, Optional<JsonNode> input)
    implements EventPayload {

  /** Checks the components and copies the input. */
  public AgentInvoked {
    Objects.requireNonNull(agent, "agent");
    Checks.name(EventTypes.AGENT_INVOKED, "agent", agent);
    input = Checks.json(EventTypes.AGENT_INVOKED.name(), "input", input);
  }

  /**
   * @param agent the agent's name
   * @return the payload, without input
   */
  public static AgentInvoked of(String agent) {
    return new AgentInvoked(agent, Optional.empty());
  }

  /**
   * @param agent the agent's name
   * @param input what the agent was given
   * @return the payload
   */
  public static AgentInvoked of(String agent, JsonNode input) {
    return new AgentInvoked(agent, Checks.present(input, "input"));
  }

  /**
   * @return a copy of the input; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> input() {
    return Checks.copy(input);
  }

  /**
   * @return {@link EventTypes#AGENT_INVOKED}
   */
  @Override
  public EventType type() {
    return EventTypes.AGENT_INVOKED;
  }
}
