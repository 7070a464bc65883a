package dev.runs;

import java.util.Objects;

/**
 * A notice that a run changed: it was created, or events were appended. Watchers re-read the store
 * for the events themselves; a notice may cover several appends.
 *
 * @param runId the run
 * @param lastSequence the run's last sequence after the change
 * @param status the run's status after the change
 * @param created true when the change is the run's creation
 */
public record RunChange(RunId runId, long lastSequence, RunStatus status, boolean created) {
  /** Validates the components. */
  public RunChange {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
  }
}
