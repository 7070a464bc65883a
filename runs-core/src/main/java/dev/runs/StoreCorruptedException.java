package dev.runs;

/**
 * Stored data is not what the store wrote: a damaged line in the middle of a log, an artifact whose
 * sha256 does not match its manifest, a record that cannot be decoded. The message names the file
 * or table, and where known the line and byte offset. Nothing is repaired silently.
 */
public class StoreCorruptedException extends StoreIoException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message where the damage is and what was expected
   */
  public StoreCorruptedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the parse or I/O failure that revealed the damage.
   *
   * @param message where the damage is and what was expected
   * @param cause the failure that revealed it
   */
  public StoreCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }
}
