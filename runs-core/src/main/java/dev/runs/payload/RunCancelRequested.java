package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Trigger;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.cancel_requested}: someone asked a running run to stop (status running &rarr;
 * cancel_requested); the run ends at its next step boundary.
 *
 * @param reason why, for people; required (may be empty)
 * @param trigger the explicit action that asked for the cancel
 */
public record RunCancelRequested(String reason, Optional<Trigger> trigger) implements EventPayload {

  /** Checks the components. */
  public RunCancelRequested {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(trigger, "trigger");
  }

  /**
   * @param reason why the run should stop
   * @return the payload, without a trigger
   */
  public static RunCancelRequested of(String reason) {
    return new RunCancelRequested(reason, Optional.empty());
  }

  /**
   * @param reason why the run should stop
   * @param trigger the action that asked for it
   * @return the payload
   */
  public static RunCancelRequested of(String reason, Trigger trigger) {
    return new RunCancelRequested(reason, Checks.present(trigger, "trigger"));
  }

  /**
   * @return {@link EventTypes#RUN_CANCEL_REQUESTED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_CANCEL_REQUESTED;
  }
}
