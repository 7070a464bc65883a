package dev.runs;

/** No run with the given id exists in the store. */
public class RunNotFoundException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;

  /**
   * Creates the exception.
   *
   * @param runId the run that was asked for
   */
  public RunNotFoundException(RunId runId) {
    super("run " + runId + " does not exist in this store; create it first");
    this.runId = runId;
  }

  /**
   * Creates the exception with a message of the subclass's own.
   *
   * @param runId the run that was asked for
   * @param message the message
   */
  protected RunNotFoundException(RunId runId, String message) {
    super(message);
    this.runId = runId;
  }

  /**
   * @return the run that was asked for
   */
  public RunId runId() {
    return runId;
  }
}
