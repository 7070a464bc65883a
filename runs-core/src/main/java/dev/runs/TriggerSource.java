package dev.runs;

import java.util.Locale;

/** Where the explicit action that started a run came from. */
public enum TriggerSource {
  /** A person clicked in a user interface. */
  UI,
  /** A program called an API. */
  API,
  /** A person ran a command line. */
  CLI,
  /** A scheduler fired. */
  SCHEDULE,
  /** A test. */
  TEST,
  /** An agent called a tool of the MCP server ({@code runs-mcp}). */
  MCP;

  /**
   * @return the lowercase JSON name
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param wireName e.g. {@code ui}
   * @return the source
   * @throws ValidationException for an unknown name
   */
  public static TriggerSource fromWireName(String wireName) {
    for (TriggerSource s : values()) {
      if (s.wireName().equals(wireName)) {
        return s;
      }
    }
    throw new ValidationException(
        "trigger.source",
        "must be one of ui, api, cli, schedule, test, mcp but was '" + wireName + "'");
  }
}
