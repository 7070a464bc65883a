package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code step.started}: a step began. The draft needs the envelope {@code step_id} and {@code
 * attempt} (1 on first execution): {@code
 * EventDraft.of(StepStarted.of()).withStep("plan/search").withAttempt(1)}.
 *
 * @param input free-form JSON the step starts from; copied, never shared
 * @param notReused set when the step runs although an output of it was recorded, because that
 *     output could not be reused (e.g. the redactor changed it): which event recorded it, and why
 */
@Envelope(stepId = true, attempt = true)
public record StepStarted(Optional<JsonNode> input, Optional<NotReused> notReused)
    implements EventPayload {

  /** Copies the input. */
  public StepStarted {
    input = Checks.json(EventTypes.STEP_STARTED.name(), "input", input);
    Objects.requireNonNull(notReused, "notReused");
  }

  /**
   * @return a payload without input
   */
  public static StepStarted of() {
    return new StepStarted(Optional.empty(), Optional.empty());
  }

  /**
   * @param input what the step starts from
   * @return the payload
   */
  public static StepStarted of(JsonNode input) {
    return new StepStarted(Checks.present(input, "input"), Optional.empty());
  }

  /**
   * @param value the recorded output not reused, and why
   * @return a copy with {@code not_reused} set
   */
  public StepStarted withNotReused(NotReused value) {
    return new StepStarted(input, Checks.present(value, "notReused"));
  }

  /**
   * @return a copy of the input; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> input() {
    return Checks.copy(input);
  }

  /**
   * @return {@link EventTypes#STEP_STARTED}
   */
  @Override
  public EventType type() {
    return EventTypes.STEP_STARTED;
  }
}
