package dev.runs;

/**
 * A run that has not ended was asked to be deleted or archived. Only terminal runs (completed,
 * failed, cancelled, interrupted) move or go; cancel the run first, or wait for it to end.
 */
public final class RunActiveException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final RunStatus status;

  /**
   * @param runId the run
   * @param status its status
   * @param action what was refused, e.g. {@code "deleted"}
   */
  public RunActiveException(RunId runId, RunStatus status, String action) {
    super(
        "run "
            + runId
            + " is "
            + status.wireName()
            + "; only a terminal run (completed, failed, cancelled, interrupted) can be "
            + action
            + ": cancel it first or wait for it to end");
    this.runId = runId;
    this.status = status;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return its status when refused
   */
  public RunStatus status() {
    return status;
  }
}
