package dev.runs;

import dev.runs.internal.support.Printable;

/**
 * Root of every exception Runs throws on purpose. All are unchecked; catch a subclass to handle one
 * failure kind, or this class to handle them all.
 *
 * <p>Messages often quote the input that was refused. Control characters (other than line feeds and
 * tabs) and unpaired surrogates in a message are written as <code>&#92;uXXXX</code> escapes, so a
 * message can be logged or shown as it is.
 */
public class RunsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, with context and the next step
   */
  public RunsException(String message) {
    super(Printable.escapeKeepingLines(message));
  }

  /**
   * Creates an exception with a message and its cause.
   *
   * @param message what went wrong, with context and the next step
   * @param cause the underlying failure
   */
  public RunsException(String message, Throwable cause) {
    super(Printable.escapeKeepingLines(message), cause);
  }
}
