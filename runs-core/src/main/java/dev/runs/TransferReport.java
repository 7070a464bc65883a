package dev.runs;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a bulk export, import or copy: the final counts and what failed.
 *
 * @param progress the final counts
 * @param failures one per failed run, in the order met
 */
public record TransferReport(TransferProgress progress, List<Failure> failures) {
  /** Validates and copies the components. */
  public TransferReport {
    Objects.requireNonNull(progress, "progress");
    failures = List.copyOf(failures);
  }

  /**
   * @return true when nothing failed
   */
  public boolean ok() {
    return failures.isEmpty();
  }

  /**
   * One run that could not be moved.
   *
   * @param item the run id or bundle file
   * @param message why
   */
  public record Failure(String item, String message) {
    /** Validates the components. */
    public Failure {
      Objects.requireNonNull(item, "item");
      Objects.requireNonNull(message, "message");
    }
  }
}
