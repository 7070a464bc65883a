package dev.runs;

/**
 * A store could not read or write its medium (file system, database). The cause is kept. Whether an
 * operation that failed this way took effect is stated by the method that threw it; an append that
 * fails with this exception was not acknowledged.
 */
public class StoreIoException extends RunsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which store, which run or file, and what was attempted
   * @param cause the underlying I/O or driver failure
   */
  public StoreIoException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception without an underlying cause.
   *
   * @param message which store, which run or file, and what was attempted
   */
  public StoreIoException(String message) {
    super(message);
  }
}
