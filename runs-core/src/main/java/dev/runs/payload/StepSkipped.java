package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code step.skipped}: a step was not executed. The draft needs the envelope {@code step_id} (set
 * with {@code EventDraft.withStep}); an attempt is not needed.
 *
 * @param reason why, e.g. {@code output cached} or {@code condition false}
 */
@Envelope(stepId = true)
public record StepSkipped(Optional<String> reason) implements EventPayload {

  /** Checks the components. */
  public StepSkipped {
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return a payload without a reason
   */
  public static StepSkipped of() {
    return new StepSkipped(Optional.empty());
  }

  /**
   * @param reason why the step was skipped
   * @return the payload
   */
  public static StepSkipped of(String reason) {
    return new StepSkipped(Checks.present(reason, "reason"));
  }

  /**
   * @return {@link EventTypes#STEP_SKIPPED}
   */
  @Override
  public EventType type() {
    return EventTypes.STEP_SKIPPED;
  }
}
