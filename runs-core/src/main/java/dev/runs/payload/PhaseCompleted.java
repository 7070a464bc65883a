package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code phase.completed}: a phase ended. The draft needs the envelope {@code step_id} (set with
 * {@code EventDraft.withStep}).
 *
 * @param durationMs how long the phase took in whole milliseconds, at least 0
 */
@Envelope(stepId = true)
public record PhaseCompleted(@NonNegative OptionalLong durationMs) implements EventPayload {

  /** Checks the components. */
  public PhaseCompleted {
    Checks.nonNegative(EventTypes.PHASE_COMPLETED.name(), "duration_ms", durationMs);
  }

  /**
   * @return a payload without a duration
   */
  public static PhaseCompleted of() {
    return new PhaseCompleted(OptionalLong.empty());
  }

  /**
   * @param duration how long the phase took
   * @return the payload
   */
  public static PhaseCompleted of(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    return new PhaseCompleted(OptionalLong.of(duration.toMillis()));
  }

  /**
   * @return {@link EventTypes#PHASE_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.PHASE_COMPLETED;
  }
}
