package dev.runs;

/**
 * An append to a run whose events were moved to an archive ({@code RunArchiver}). Archived runs are
 * read-only; restore the run first ({@code RunArchiver.restore}) to append to it, for example to
 * resume it.
 */
public final class RunArchivedException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;

  /**
   * @param runId the archived run
   */
  public RunArchivedException(RunId runId) {
    super(
        "run "
            + runId
            + " is archived: its events live in the archive and it takes no appends; restore it"
            + " first (RunArchiver.restore)");
    this.runId = runId;
  }

  /**
   * @return the archived run
   */
  public RunId runId() {
    return runId;
  }
}
