package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code agent.handoff}: control passed from one agent to another.
 *
 * @param fromAgent the agent giving control away
 * @param toAgent the agent taking over
 * @param reason why, e.g. the triage decision
 */
public record AgentHandoff(
    @NonBlank String fromAgent, @NonBlank String toAgent, Optional<String> reason)
    implements EventPayload {

  /** Checks the components. */
  public AgentHandoff {
    Objects.requireNonNull(fromAgent, "fromAgent");
    Objects.requireNonNull(toAgent, "toAgent");
    Objects.requireNonNull(reason, "reason");
    Checks.name(EventTypes.AGENT_HANDOFF, "from_agent", fromAgent);
    Checks.name(EventTypes.AGENT_HANDOFF, "to_agent", toAgent);
  }

  /**
   * @param fromAgent the agent giving control away
   * @param toAgent the agent taking over
   * @return the payload, without a reason
   */
  public static AgentHandoff of(String fromAgent, String toAgent) {
    return new AgentHandoff(fromAgent, toAgent, Optional.empty());
  }

  /**
   * @param fromAgent the agent giving control away
   * @param toAgent the agent taking over
   * @param reason why
   * @return the payload
   */
  public static AgentHandoff of(String fromAgent, String toAgent, String reason) {
    return new AgentHandoff(fromAgent, toAgent, Checks.present(reason, "reason"));
  }

  /**
   * @return {@link EventTypes#AGENT_HANDOFF}
   */
  @Override
  public EventType type() {
    return EventTypes.AGENT_HANDOFF;
  }
}
