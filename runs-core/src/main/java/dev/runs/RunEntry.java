package dev.runs;

import java.time.Instant;
import java.util.Objects;

/**
 * A run as listed: its record plus the current head of its log.
 *
 * @param record the run record
 * @param status the current status (the fold of its events)
 * @param lastSequence the sequence of its last event
 * @param updatedAt the time of its last event
 */
public record RunEntry(RunRecord record, RunStatus status, long lastSequence, Instant updatedAt) {
  /** Validates the components. */
  public RunEntry {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /**
   * @return the run id
   */
  public RunId id() {
    return record.id();
  }
}
