package dev.runs;

/**
 * A store cannot be opened as asked: a malformed URI, an unknown option, two providers for one
 * scheme, a location that is not a store of the expected kind, or data written by a newer schema
 * version. Credentials in URIs are redacted in the message. Nothing was modified.
 */
public class StoreConfigurationException extends RunsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the configuration and how to fix it
   */
  public StoreConfigurationException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what is wrong with the configuration and how to fix it
   * @param cause the underlying failure
   */
  public StoreConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
