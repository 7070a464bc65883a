package dev.runs;

import java.util.List;
import java.util.Objects;

/**
 * The result of re-hashing a stage attempt's files against its manifest.
 *
 * @param runId the run
 * @param stageKey the stage
 * @param attempt the attempt
 * @param problems every mismatch found; empty when the attempt is intact
 */
public record StageVerification(RunId runId, String stageKey, int attempt, List<Problem> problems) {
  /** Copies the list. */
  public StageVerification {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stageKey, "stageKey");
    problems = List.copyOf(problems);
  }

  /**
   * @return true when every file is present with its recorded size and sha256
   */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** What can be wrong with a file. */
  public enum Kind {
    /** Listed in the manifest, not found. */
    MISSING,
    /** Found with another size. */
    SIZE_MISMATCH,
    /** Found with another sha256. */
    HASH_MISMATCH,
    /** Found but not listed in the manifest. */
    UNLISTED,
    /** The manifest itself is missing or unreadable. */
    MANIFEST_UNREADABLE
  }

  /**
   * One problem.
   *
   * @param path relative path of the file
   * @param kind what is wrong
   * @param detail expected and actual values
   */
  public record Problem(String path, Kind kind, String detail) {
    /** Validates the components. */
    public Problem {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
