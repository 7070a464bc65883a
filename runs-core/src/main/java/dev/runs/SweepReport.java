package dev.runs;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link RunArchiver#sweep()} did.
 *
 * @param archived runs moved to the archive
 * @param skipped runs left as they were: already archived, or held by another sweep
 * @param failed runs that could not be archived; each stays whole in the store
 * @param events events moved
 * @param bytes bytes written to the archive
 * @param elapsed how long the sweep took
 * @param failures why each failed run failed
 */
public record SweepReport(
    long archived,
    long skipped,
    long failed,
    long events,
    long bytes,
    Duration elapsed,
    List<TransferReport.Failure> failures) {
  /** Validates and copies the components. */
  public SweepReport {
    Objects.requireNonNull(elapsed, "elapsed");
    failures = List.copyOf(failures);
  }
}
