package dev.runs;

/**
 * A bundle holds a different run under an id (or trigger id) the store already has. Nothing was
 * written. Importing the same bundle again is not a conflict: it changes nothing.
 */
public final class ImportConflictException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;

  /**
   * @param runId the run in the bundle
   * @param reason how the stored run differs
   */
  public ImportConflictException(RunId runId, String reason) {
    super("cannot import run " + runId + ": " + reason + "; nothing was imported");
    this.runId = runId;
  }

  /**
   * @return the run in the bundle
   */
  public RunId runId() {
    return runId;
  }
}
