package dev.runs;

import java.util.Objects;

/**
 * A failure a workflow throws on purpose, with an error code and a retry hint. Recorded in {@code
 * step.failed} and {@code run.failed} as {@code error.code} and {@code error.retryable}; a step
 * does not retry a failure marked not retryable.
 */
public class WorkflowException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final boolean retryable;

  /**
   * Creates the exception.
   *
   * @param code a short machine-readable code, e.g. {@code rate_limited}
   * @param message what went wrong
   * @param retryable whether trying again may succeed
   */
  public WorkflowException(String code, String message, boolean retryable) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
    this.retryable = retryable;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param code a short machine-readable code
   * @param message what went wrong
   * @param retryable whether trying again may succeed
   * @param cause the underlying failure
   */
  public WorkflowException(String code, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.retryable = retryable;
  }

  /**
   * @return the error code
   */
  public String code() {
    return code;
  }

  /**
   * @return whether trying again may succeed
   */
  public boolean retryable() {
    return retryable;
  }
}
