package dev.runs;

import java.util.Objects;

/**
 * What importing one bundle did.
 *
 * @param runId the run in the bundle
 * @param imported true when the run was written; false when the store already held exactly this run
 *     (nothing written)
 * @param eventCount the run's events
 */
public record ImportResult(RunId runId, boolean imported, long eventCount) {
  /** Validates the components. */
  public ImportResult {
    Objects.requireNonNull(runId, "runId");
  }
}
