package dev.runs.spi;

import dev.runs.RunStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The end of a run's log as a store engine keeps it: last sequence, current status, time of the
 * last event. The append planner needs exactly this to assign sequences and check transitions.
 *
 * @param lastSequence sequence of the last event (at least 1: every run starts with run.created)
 * @param status status after the last event
 * @param updatedAt time of the last event
 * @param lastHash the last event's hash chain link ({@link dev.runs.RunEvent#hash()}); empty when
 *     it carries none. An engine stores it with the head and hands it back, so the next event can
 *     link to it without reading the log
 * @param archived true when the run is an archive stub ({@link StorageEngine#stubRun}): its events
 *     live in an archive and the planner refuses appends to it
 */
public record RunHead(
    long lastSequence,
    RunStatus status,
    Instant updatedAt,
    Optional<String> lastHash,
    boolean archived) {
  /**
   * A head without a hash chain link.
   *
   * @param lastSequence sequence of the last event
   * @param status status after the last event
   * @param updatedAt time of the last event
   */
  public RunHead(long lastSequence, RunStatus status, Instant updatedAt) {
    this(lastSequence, status, updatedAt, Optional.empty(), false);
  }

  /**
   * The head of a whole run (not an archive stub).
   *
   * @param lastSequence sequence of the last event
   * @param status status after the last event
   * @param updatedAt time of the last event
   * @param lastHash the last event's hash chain link, or empty
   */
  public RunHead(
      long lastSequence, RunStatus status, Instant updatedAt, Optional<String> lastHash) {
    this(lastSequence, status, updatedAt, lastHash, false);
  }

  /**
   * @return this head marked as the head of an archive stub
   */
  public RunHead asArchived() {
    return new RunHead(lastSequence, status, updatedAt, lastHash, true);
  }

  /** Validates the components. */
  public RunHead {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(lastHash, "lastHash");
    if (lastSequence < 1) {
      throw new IllegalArgumentException("lastSequence must be at least 1 but was " + lastSequence);
    }
  }
}
