package dev.runs;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store keeps of a deleted run: its id, when and why it was deleted, and the lineage parent
 * it had, so a child can report its parent as deleted. A store refuses to create or import the id
 * again unless forced.
 *
 * @param runId the deleted run
 * @param deletedAt when it was deleted, by the store's clock
 * @param reason why, as the caller gave it
 * @param archive the archive object prefix the run's events were in, when it was archived; the
 *     store retries removing it when the run is deleted again
 */
public record Tombstone(RunId runId, Instant deletedAt, String reason, Optional<String> archive) {
  /** Most characters of a reason. */
  public static final int MAX_REASON_LENGTH = 1000;

  /** Validates the components. */
  public Tombstone {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(deletedAt, "deletedAt");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(archive, "archive");
    checkReason(reason);
  }

  /**
   * Checks a deletion reason: 1 to {@value #MAX_REASON_LENGTH} characters, no control characters
   * other than tab and newline, no lone surrogates.
   *
   * @param reason the reason
   * @return the reason
   * @throws ValidationException naming the rule it breaks
   */
  public static String checkReason(String reason) {
    Objects.requireNonNull(reason, "reason");
    if (reason.isBlank() || reason.length() > MAX_REASON_LENGTH) {
      throw new ValidationException(
          "reason", "must be 1 to " + MAX_REASON_LENGTH + " characters and not blank");
    }
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
        throw new ValidationException("reason", "contains a control character at index " + i);
      }
      if (Character.isHighSurrogate(c)
          && (i + 1 >= reason.length() || !Character.isLowSurrogate(reason.charAt(i + 1)))) {
        throw new ValidationException("reason", "contains a lone surrogate at index " + i);
      }
      if (Character.isLowSurrogate(c)
          && (i == 0 || !Character.isHighSurrogate(reason.charAt(i - 1)))) {
        throw new ValidationException("reason", "contains a lone surrogate at index " + i);
      }
    }
    return reason;
  }
}
