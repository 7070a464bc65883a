package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;

/**
 * {@code step.failed}: an attempt of a step failed. The draft needs the envelope {@code step_id}
 * and {@code attempt}. A {@link StepRetrying} may follow when the step will be tried again.
 *
 * @param error what went wrong; {@code error.message} is required, {@code error.retryable} says
 *     whether another attempt may succeed
 */
@Envelope(stepId = true, attempt = true)
public record StepFailed(ErrorInfo error) implements EventPayload {

  /** Checks the components. */
  public StepFailed {
    Objects.requireNonNull(error, "error");
  }

  /**
   * @param error what went wrong
   * @return the payload
   */
  public static StepFailed of(ErrorInfo error) {
    return new StepFailed(error);
  }

  /**
   * @param message what went wrong
   * @return the payload, with an error carrying only the message
   */
  public static StepFailed of(String message) {
    return new StepFailed(ErrorInfo.of(message));
  }

  /**
   * @return {@link EventTypes#STEP_FAILED}
   */
  @Override
  public EventType type() {
    return EventTypes.STEP_FAILED;
  }
}
