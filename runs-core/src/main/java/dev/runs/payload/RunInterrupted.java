package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.interrupted}: the process executing the run died, e.g. its lease expired (status
 * running or cancel_requested &rarr; interrupted; it may be resumed).
 *
 * @param reason what was observed, e.g. {@code lease expired}; required (may be empty)
 * @param owner the instance that held the run
 */
public record RunInterrupted(String reason, Optional<String> owner) implements EventPayload {

  /** Checks the components. */
  public RunInterrupted {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(owner, "owner");
  }

  /**
   * @param reason what was observed
   * @return the payload, without an owner
   */
  public static RunInterrupted of(String reason) {
    return new RunInterrupted(reason, Optional.empty());
  }

  /**
   * @param reason what was observed
   * @param owner the instance that held the run
   * @return the payload
   */
  public static RunInterrupted of(String reason, String owner) {
    return new RunInterrupted(reason, Checks.present(owner, "owner"));
  }

  /**
   * @return {@link EventTypes#RUN_INTERRUPTED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_INTERRUPTED;
  }
}
