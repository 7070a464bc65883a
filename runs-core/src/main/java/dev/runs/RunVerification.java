package dev.runs;

import java.util.List;
import java.util.Objects;

/**
 * The result of recomputing a run's status from its events and comparing it with what the store
 * keeps cached (status, last sequence) for listing.
 *
 * @param runId the run
 * @param cachedStatus the status the store lists
 * @param foldedStatus the status the events fold to
 * @param cachedLastSequence the last sequence the store lists
 * @param foldedLastSequence the last sequence in the log
 * @param problems each difference in words; empty when they agree
 */
public record RunVerification(
    RunId runId,
    RunStatus cachedStatus,
    RunStatus foldedStatus,
    long cachedLastSequence,
    long foldedLastSequence,
    List<String> problems) {
  /** Copies the list. */
  public RunVerification {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(cachedStatus, "cachedStatus");
    Objects.requireNonNull(foldedStatus, "foldedStatus");
    problems = List.copyOf(problems);
  }

  /**
   * @return true when the cache equals the fold
   */
  public boolean ok() {
    return problems.isEmpty();
  }
}
