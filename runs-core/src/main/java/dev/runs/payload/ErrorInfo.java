package dev.runs.payload;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code error} object of every failure payload ({@code run.failed}, {@code phase.failed},
 * {@code step.failed}, {@code step.retrying}, {@code model.generation.failed}, {@code
 * tool.call.failed}): {@code {"message": "...", "code": "...", "retryable": true}}.
 *
 * @param message what went wrong, for people; required (may be empty)
 * @param code a stable, machine-readable code such as {@code rate_limited} or an exception class
 * @param retryable whether trying again may succeed
 */
public record ErrorInfo(String message, Optional<String> code, Optional<Boolean> retryable) {

  /** Checks the components. */
  public ErrorInfo {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(retryable, "retryable");
  }

  /**
   * An error with only a message.
   *
   * @param message what went wrong
   * @return the error
   */
  public static ErrorInfo of(String message) {
    return new ErrorInfo(message, Optional.empty(), Optional.empty());
  }

  /**
   * An error with a code and a message.
   *
   * @param code a stable, machine-readable code
   * @param message what went wrong
   * @return the error
   */
  public static ErrorInfo of(String code, String message) {
    return new ErrorInfo(message, Checks.present(code, "code"), Optional.empty());
  }

  /**
   * An error describing an exception: its message (or its class name when it has none) and its
   * class name as the code.
   *
   * @param failure the exception
   * @return the error
   */
  public static ErrorInfo of(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    String name = failure.getClass().getName();
    String message = failure.getMessage();
    return new ErrorInfo(message == null ? name : message, Optional.of(name), Optional.empty());
  }

  /**
   * @param newCode a stable, machine-readable code
   * @return a copy with the code set
   */
  public ErrorInfo withCode(String newCode) {
    return new ErrorInfo(message, Checks.present(newCode, "code"), retryable);
  }

  /**
   * @param isRetryable whether trying again may succeed
   * @return a copy with the flag set
   */
  public ErrorInfo withRetryable(boolean isRetryable) {
    return new ErrorInfo(message, code, Optional.of(isRetryable));
  }
}
