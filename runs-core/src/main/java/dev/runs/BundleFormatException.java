package dev.runs;

/**
 * A bundle that cannot be imported: malformed, truncated, tampered with, or not matching its own
 * header. Names the file, the line and the reason; nothing was written.
 */
public final class BundleFormatException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long line;

  /**
   * @param source the bundle, e.g. its path
   * @param line the line at fault, from 1; 0 when the fault is the whole file
   * @param reason what is wrong
   * @param cause the underlying error, or null
   */
  public BundleFormatException(
      String source, long line, String reason, @org.jspecify.annotations.Nullable Throwable cause) {
    super(
        "bundle "
            + source
            + (line > 0 ? " line " + line : "")
            + ": "
            + reason
            + "; nothing was imported");
    if (cause != null) {
      initCause(cause);
    }
    this.source = source;
    this.line = line;
  }

  /**
   * @return the bundle
   */
  public String source() {
    return source;
  }

  /**
   * @return the line at fault, from 1; 0 for the whole file
   */
  public long line() {
    return line;
  }
}
