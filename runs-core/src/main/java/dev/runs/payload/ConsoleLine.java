package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;

/**
 * {@code console.line}: one line of console output of the run or of a process it started.
 *
 * @param stream which stream, e.g. {@code stdout}, {@code stderr}, {@code log}
 * @param text the line without its line terminator; may be empty
 */
public record ConsoleLine(@NonBlank String stream, String text) implements EventPayload {

  /** The standard output stream name. */
  public static final String STDOUT = "stdout";

  /** The standard error stream name. */
  public static final String STDERR = "stderr";

  /** Checks the components. */
  public ConsoleLine {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(text, "text");
    Checks.name(EventTypes.CONSOLE_LINE, "stream", stream);
  }

  /**
   * @param stream which stream
   * @param text the line
   * @return the payload
   */
  public static ConsoleLine of(String stream, String text) {
    return new ConsoleLine(stream, text);
  }

  /**
   * @param text a line of standard output
   * @return the payload
   */
  public static ConsoleLine stdout(String text) {
    return new ConsoleLine(STDOUT, text);
  }

  /**
   * @param text a line of standard error
   * @return the payload
   */
  public static ConsoleLine stderr(String text) {
    return new ConsoleLine(STDERR, text);
  }

  /**
   * @return {@link EventTypes#CONSOLE_LINE}
   */
  @Override
  public EventType type() {
    return EventTypes.CONSOLE_LINE;
  }
}
