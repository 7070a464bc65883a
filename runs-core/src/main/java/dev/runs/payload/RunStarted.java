package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.started}: execution began (status created or queued &rarr; running).
 *
 * @param owner the instance executing the run, e.g. a host name and process id
 */
public record RunStarted(Optional<String> owner) implements EventPayload {

  /** Checks the components. */
  public RunStarted {
    Objects.requireNonNull(owner, "owner");
  }

  /**
   * @return a payload without an owner
   */
  public static RunStarted of() {
    return new RunStarted(Optional.empty());
  }

  /**
   * @param owner the instance executing the run
   * @return the payload
   */
  public static RunStarted of(String owner) {
    return new RunStarted(Checks.present(owner, "owner"));
  }

  /**
   * @return {@link EventTypes#RUN_STARTED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_STARTED;
  }
}
