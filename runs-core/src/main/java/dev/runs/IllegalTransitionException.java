package dev.runs;

/**
 * An append would break the run state machine: an event after {@code run.completed}, a second
 * {@code run.started}, work events on a failed run that was not resumed. Nothing of the append was
 * written.
 */
public final class IllegalTransitionException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final RunStatus currentStatus;
  private final String refusedType;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param currentStatus the run's status when the event was refused
   * @param refusedType the type of the refused event
   */
  public IllegalTransitionException(RunId runId, RunStatus currentStatus, String refusedType) {
    super(
        "run "
            + runId
            + " is "
            + currentStatus.wireName()
            + ": an event of type '"
            + refusedType
            + "' is not allowed in that status; nothing was written"
            + hint(currentStatus));
    this.runId = runId;
    this.currentStatus = currentStatus;
    this.refusedType = refusedType;
  }

  private static String hint(RunStatus status) {
    if (status == RunStatus.COMPLETED) {
      return " (a completed run is final; replay or rerun it instead)";
    }
    if (status.isResumable()) {
      return " (append run.resumed first to continue it)";
    }
    return "";
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return the status the run was in
   */
  public RunStatus currentStatus() {
    return currentStatus;
  }

  /**
   * @return the type of the refused event
   */
  public String refusedType() {
    return refusedType;
  }
}
