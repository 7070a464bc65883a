package dev.runs;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The result of recomputing a run's status from its events and comparing it with what the store
 * keeps cached (status, last sequence) for listing, and of checking the run's hash chain.
 *
 * @param runId the run
 * @param cachedStatus the status the store lists
 * @param foldedStatus the status the events fold to, up to the cached last sequence when the log
 *     went on past it (the run was appended to while it was verified)
 * @param cachedLastSequence the last sequence the store lists
 * @param foldedLastSequence the last sequence in the log as it was read
 * @param problems each difference in words, a broken hash chain included; empty when all agree
 * @param chain the hash chain check: the first broken sequence, and the head hash to keep as an
 *     anchor ({@link HashChain})
 */
public record RunVerification(
    RunId runId,
    RunStatus cachedStatus,
    RunStatus foldedStatus,
    long cachedLastSequence,
    long foldedLastSequence,
    List<String> problems,
    HashChain.Result chain) {

  /**
   * A verification that did not look at the hash chain.
   *
   * @param runId the run
   * @param cachedStatus the status the store lists
   * @param foldedStatus the status the events fold to
   * @param cachedLastSequence the last sequence the store lists
   * @param foldedLastSequence the last sequence in the log
   * @param problems each difference in words
   */
  public RunVerification(
      RunId runId,
      RunStatus cachedStatus,
      RunStatus foldedStatus,
      long cachedLastSequence,
      long foldedLastSequence,
      List<String> problems) {
    this(
        runId,
        cachedStatus,
        foldedStatus,
        cachedLastSequence,
        foldedLastSequence,
        problems,
        new HashChain.Result(0, OptionalLong.empty(), Optional.empty(), ""));
  }

  /** Copies the list. */
  public RunVerification {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(cachedStatus, "cachedStatus");
    Objects.requireNonNull(foldedStatus, "foldedStatus");
    Objects.requireNonNull(chain, "chain");
    problems = List.copyOf(problems);
  }

  /**
   * @return true when the cache equals the fold
   */
  public boolean ok() {
    return problems.isEmpty();
  }
}
