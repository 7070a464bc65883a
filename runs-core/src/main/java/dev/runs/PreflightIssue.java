package dev.runs;

import java.util.Objects;

/**
 * One finding of a preflight: a blocker (the run may not start) or a warning.
 *
 * @param code machine-readable, lowercase snake case, e.g. {@code trigger_missing}
 * @param message what is wrong and what to do about it
 */
public record PreflightIssue(String code, String message) {
  /**
   * Validates the issue.
   *
   * @throws ValidationException when the code is not lowercase snake case
   */
  public PreflightIssue {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    if (!code.matches("[a-z][a-z0-9_]{0,63}")) {
      throw new ValidationException(
          "preflight.code",
          "'" + code + "' must be lowercase snake case, 1 to 64 characters, e.g. budget_missing");
    }
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
