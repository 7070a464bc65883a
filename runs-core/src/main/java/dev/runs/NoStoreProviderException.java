package dev.runs;

import java.util.List;

/**
 * No {@link dev.runs.spi.RunStoreProvider} on the class path handles the scheme of a store URI. The
 * message lists the schemes that were found and the artifact that provides the asked-for scheme.
 */
public final class NoStoreProviderException extends StoreConfigurationException {
  private static final long serialVersionUID = 1L;

  private final String scheme;
  private final List<String> availableSchemes;

  /**
   * Creates the exception.
   *
   * @param scheme the scheme that was asked for
   * @param availableSchemes the schemes that providers on the class path handle
   * @param message the full message
   */
  public NoStoreProviderException(String scheme, List<String> availableSchemes, String message) {
    super(message);
    this.scheme = scheme;
    this.availableSchemes = List.copyOf(availableSchemes);
  }

  /**
   * Creates the exception with the cause that may explain the absence.
   *
   * @param scheme the scheme that was asked for
   * @param availableSchemes the schemes that providers on the class path handle
   * @param message the full message
   * @param cause a provider's loading failure that may explain the absence
   */
  public NoStoreProviderException(
      String scheme, List<String> availableSchemes, String message, Throwable cause) {
    super(message, cause);
    this.scheme = scheme;
    this.availableSchemes = List.copyOf(availableSchemes);
  }

  /**
   * @return the scheme that was asked for
   */
  public String scheme() {
    return scheme;
  }

  /**
   * @return the schemes that providers on the class path handle
   */
  public List<String> availableSchemes() {
    return availableSchemes;
  }
}
