package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ValidationException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code step.retrying}: a step will be tried again. The draft needs the envelope {@code step_id}
 * and {@code attempt}, where the attempt is the one that failed: {@code
 * EventDraft.of(StepRetrying.of(2)).withStep("fetch").withAttempt(1)}.
 *
 * @param nextAttempt the number of the coming attempt, at least 1
 * @param delayMs how long the runner waits before it, in whole milliseconds, at least 0
 * @param error why the previous attempt failed
 */
@Envelope(stepId = true, attempt = true)
public record StepRetrying(
    int nextAttempt, @NonNegative OptionalLong delayMs, Optional<ErrorInfo> error)
    implements EventPayload {

  /**
   * Checks the components.
   *
   * @throws ValidationException when {@code next_attempt} is below 1 or {@code delay_ms} negative
   */
  public StepRetrying {
    Objects.requireNonNull(error, "error");
    if (nextAttempt < 1) {
      throw new ValidationException(
          EventTypes.STEP_RETRYING.name(),
          "next_attempt",
          "must be at least 1 but was " + nextAttempt);
    }
    Checks.nonNegative(EventTypes.STEP_RETRYING.name(), "delay_ms", delayMs);
  }

  /**
   * @param nextAttempt the number of the coming attempt
   * @return the payload, without delay or error
   */
  public static StepRetrying of(int nextAttempt) {
    return new StepRetrying(nextAttempt, OptionalLong.empty(), Optional.empty());
  }

  /**
   * @param nextAttempt the number of the coming attempt
   * @param delay how long the runner waits before it
   * @param error why the previous attempt failed
   * @return the payload
   */
  public static StepRetrying of(int nextAttempt, Duration delay, ErrorInfo error) {
    Objects.requireNonNull(delay, "delay");
    return new StepRetrying(
        nextAttempt, OptionalLong.of(delay.toMillis()), Checks.present(error, "error"));
  }

  /**
   * @return {@link EventTypes#STEP_RETRYING}
   */
  @Override
  public EventType type() {
    return EventTypes.STEP_RETRYING;
  }
}
