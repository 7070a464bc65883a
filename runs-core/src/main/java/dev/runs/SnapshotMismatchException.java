package dev.runs;

import java.util.Objects;

/**
 * A run's stored config snapshot no longer hashes to the sha256 recorded in its {@code run.created}
 * event: the snapshot was changed after creation. A replay of such a run is refused, since it could
 * not run with the same config.
 */
public final class SnapshotMismatchException extends StoreCorruptedException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final String recordedSha256;
  private final String actualSha256;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param recordedSha256 the hash in its {@code run.created} event
   * @param actualSha256 the hash of its stored snapshot now
   */
  public SnapshotMismatchException(RunId runId, String recordedSha256, String actualSha256) {
    super(
        "run "
            + runId
            + ": its config snapshot hashes to "
            + actualSha256
            + " but run.created recorded "
            + recordedSha256
            + "; the snapshot was changed after creation, so it cannot be replayed"
            + " (rerun it with explicit overrides instead)");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.recordedSha256 = recordedSha256;
    this.actualSha256 = actualSha256;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return the hash recorded at creation
   */
  public String recordedSha256() {
    return recordedSha256;
  }

  /**
   * @return the hash of the snapshot now
   */
  public String actualSha256() {
    return actualSha256;
  }
}
