package dev.runs;

/**
 * An archive could not be reached, refused a request, or does not hold what a stub says it holds.
 * The message names the archive's location (without credentials) and the key; the cause, when there
 * is one, is the client's error.
 */
public class ArchiveUnavailableException extends RunsException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the location and key
   * @param cause the underlying error
   */
  public ArchiveUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * @param message what failed, naming the location and key
   */
  public ArchiveUnavailableException(String message) {
    super(message);
  }
}
