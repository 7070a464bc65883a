package dev.runs;

/**
 * A stage attempt was already written. Stage outputs are never overwritten: write a new attempt.
 */
public final class StageExistsException extends ConflictException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param stageKey the stage key
   * @param attempt the attempt that exists
   */
  public StageExistsException(RunId runId, String stageKey, int attempt) {
    super(
        "run "
            + runId
            + ": stage '"
            + stageKey
            + "' attempt "
            + attempt
            + " already exists and is never overwritten; write attempt "
            + (attempt + 1)
            + " or leave the attempt unset to get the next one");
  }
}
