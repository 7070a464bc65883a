package dev.runs;

/**
 * A run with this id already exists and was created by a different trigger. (A create repeating the
 * trigger id of an existing run is not an error: it returns that run.)
 */
public final class RunAlreadyExistsException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;

  /**
   * Creates the exception.
   *
   * @param runId the id that is taken
   * @param existingTriggerId the trigger id the existing run was created with
   */
  public RunAlreadyExistsException(RunId runId, String existingTriggerId) {
    super(
        "run "
            + runId
            + " already exists (created by trigger '"
            + existingTriggerId
            + "'); run ids are never reused - choose another id or omit it to get a fresh one");
    this.runId = runId;
  }

  /**
   * @return the id that is taken
   */
  public RunId runId() {
    return runId;
  }
}
