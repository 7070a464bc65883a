package dev.runs;

/**
 * Root of every exception Runs throws on purpose. All are unchecked; catch a subclass to handle one
 * failure kind, or this class to handle them all.
 */
public class RunsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, with context and the next step
   */
  public RunsException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and its cause.
   *
   * @param message what went wrong, with context and the next step
   * @param cause the underlying failure
   */
  public RunsException(String message, Throwable cause) {
    super(message, cause);
  }
}
