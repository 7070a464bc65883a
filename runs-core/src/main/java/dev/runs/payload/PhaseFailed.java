package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;

/**
 * {@code phase.failed}: a phase failed. The draft needs the envelope {@code step_id} (set with
 * {@code EventDraft.withStep}).
 *
 * @param error what went wrong; {@code error.message} is required
 */
@Envelope(stepId = true)
public record PhaseFailed(ErrorInfo error) implements EventPayload {

  /** Checks the components. */
  public PhaseFailed {
    Objects.requireNonNull(error, "error");
  }

  /**
   * @param error what went wrong
   * @return the payload
   */
  public static PhaseFailed of(ErrorInfo error) {
    return new PhaseFailed(error);
  }

  /**
   * @param message what went wrong
   * @return the payload, with an error carrying only the message
   */
  public static PhaseFailed of(String message) {
    return new PhaseFailed(ErrorInfo.of(message));
  }

  /**
   * @return {@link EventTypes#PHASE_FAILED}
   */
  @Override
  public EventType type() {
    return EventTypes.PHASE_FAILED;
  }
}
