package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Trigger;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.resumed}: the same run continues after a failure, a cancel or an interruption (status
 * failed, cancelled or interrupted &rarr; running).
 *
 * @param trigger the explicit action that resumed it
 * @param reason why, for people
 */
public record RunResumed(Optional<Trigger> trigger, Optional<String> reason)
    implements EventPayload {

  /** Checks the components. */
  public RunResumed {
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return a payload without a trigger or a reason
   */
  public static RunResumed of() {
    return new RunResumed(Optional.empty(), Optional.empty());
  }

  /**
   * @param trigger the action that resumed the run
   * @return the payload, without a reason
   */
  public static RunResumed of(Trigger trigger) {
    return new RunResumed(Checks.present(trigger, "trigger"), Optional.empty());
  }

  /**
   * @param trigger the action that resumed the run
   * @param reason why
   * @return the payload
   */
  public static RunResumed of(Trigger trigger, String reason) {
    return new RunResumed(Checks.present(trigger, "trigger"), Checks.present(reason, "reason"));
  }

  /**
   * @return {@link EventTypes#RUN_RESUMED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_RESUMED;
  }
}
