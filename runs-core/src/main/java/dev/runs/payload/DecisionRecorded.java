package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code decision.recorded}: the run (or a person in the loop) took a decision worth keeping.
 *
 * @param decision what was decided, e.g. {@code route} or {@code approve_plan}
 * @param value free-form JSON of the chosen value; copied, never shared
 * @param rationale why, for people
 */
public record DecisionRecorded(
    @NonBlank String decision, Optional<JsonNode> value, Optional<String> rationale)
    implements EventPayload {

  /** Checks the components and copies the value. */
  public DecisionRecorded {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(rationale, "rationale");
    Checks.name(EventTypes.DECISION_RECORDED, "decision", decision);
    value = Checks.json(EventTypes.DECISION_RECORDED.name(), "value", value);
  }

  /**
   * @param decision what was decided
   * @return the payload, without value or rationale
   */
  public static DecisionRecorded of(String decision) {
    return new DecisionRecorded(decision, Optional.empty(), Optional.empty());
  }

  /**
   * @param decision what was decided
   * @param value the chosen value
   * @param rationale why
   * @return the payload
   */
  public static DecisionRecorded of(String decision, JsonNode value, String rationale) {
    return new DecisionRecorded(
        decision, Checks.present(value, "value"), Checks.present(rationale, "rationale"));
  }

  /**
   * @return a copy of the value; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> value() {
    return Checks.copy(value);
  }

  /**
   * @return {@link EventTypes#DECISION_RECORDED}
   */
  @Override
  public EventType type() {
    return EventTypes.DECISION_RECORDED;
  }
}
