package dev.runs;

/**
 * An append carried an expected last sequence (optimistic concurrency) that did not match the run's
 * log: somebody else appended first. Nothing of the append was written; re-read the run and decide
 * again.
 */
public final class SequenceConflictException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final long expected;
  private final long actual;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param expected the last sequence the caller expected
   * @param actual the run's actual last sequence
   */
  public SequenceConflictException(RunId runId, long expected, long actual) {
    super(
        "run "
            + runId
            + ": expected last sequence "
            + expected
            + " but the log is at "
            + actual
            + "; nothing was written - re-read the run and retry");
    this.runId = runId;
    this.expected = expected;
    this.actual = actual;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return the last sequence the caller expected
   */
  public long expected() {
    return expected;
  }

  /**
   * @return the run's actual last sequence
   */
  public long actual() {
    return actual;
  }
}
