package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.queued}: the run waits for an executor (status created &rarr; queued).
 *
 * @param reason why it waits, e.g. {@code waiting for a free worker}
 */
public record RunQueued(Optional<String> reason) implements EventPayload {

  /** Checks the components. */
  public RunQueued {
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return a payload without a reason
   */
  public static RunQueued of() {
    return new RunQueued(Optional.empty());
  }

  /**
   * @param reason why the run waits
   * @return the payload
   */
  public static RunQueued of(String reason) {
    return new RunQueued(Checks.present(reason, "reason"));
  }

  /**
   * @return {@link EventTypes#RUN_QUEUED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_QUEUED;
  }
}
