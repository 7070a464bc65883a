package dev.runs.spi;

import dev.runs.RunStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * The end of a run's log as a store engine keeps it: last sequence, current status, time of the
 * last event. The append planner needs exactly this to assign sequences and check transitions.
 *
 * @param lastSequence sequence of the last event (at least 1: every run starts with run.created)
 * @param status status after the last event
 * @param updatedAt time of the last event
 */
public record RunHead(long lastSequence, RunStatus status, Instant updatedAt) {
  /** Validates the components. */
  public RunHead {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (lastSequence < 1) {
      throw new IllegalArgumentException("lastSequence must be at least 1 but was " + lastSequence);
    }
  }
}
