package dev.runs.examples;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * ANSI styling for the demo's output, or none. Colour is used only when the output is an
 * interactive terminal that can show it: a console is attached ({@link #consoleIsTerminal()}),
 * {@code TERM} is set and not {@code dumb}, {@code NO_COLOR} is unset, and the user did not pass
 * {@code --no-color}.
 */
final class Terminal {
  private static final String RESET = "\u001b[0m";

  private final boolean color;

  private Terminal(boolean color) {
    this.color = color;
  }

  static Terminal plain() {
    return new Terminal(false);
  }

  static Terminal colored() {
    return new Terminal(true);
  }

  /**
   * Decides whether to use colour.
   *
   * @param noColorFlag the user passed {@code --no-color}
   * @param consoleAttached {@code System.console() != null}
   * @param env the environment (for {@code TERM} and {@code NO_COLOR})
   * @return a terminal styling with colour or without
   */
  static Terminal detect(boolean noColorFlag, boolean consoleAttached, Map<String, String> env) {
    String term = env.get("TERM");
    boolean ok =
        !noColorFlag
            && consoleAttached
            && term != null
            && !term.isBlank()
            && !term.equals("dumb")
            && env.get("NO_COLOR") == null;
    return new Terminal(ok);
  }

  /**
   * Tells whether standard output is an interactive terminal: a console is attached and, on JDK 22
   * and later (where {@code System.console()} also exists for redirected output), {@code
   * Console.isTerminal()} says it is a terminal.
   *
   * @return true for an interactive terminal
   */
  // the null check is for JDK 17 to 21, where console() is null without a terminal
  @SuppressWarnings("SystemConsoleNull")
  static boolean consoleIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return Boolean.TRUE.equals(isTerminal.invoke(console));
    } catch (NoSuchMethodException e) {
      return true; // before JDK 22 a console exists only for a terminal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  boolean isColor() {
    return color;
  }

  private String style(String code, String text) {
    return color && !text.isEmpty() ? "\u001b[" + code + "m" + text + RESET : text;
  }

  String bold(String text) {
    return style("1", text);
  }

  String dim(String text) {
    return style("2", text);
  }

  String red(String text) {
    return style("31", text);
  }

  String green(String text) {
    return style("32", text);
  }

  String yellow(String text) {
    return style("33", text);
  }

  String blue(String text) {
    return style("34", text);
  }

  String magenta(String text) {
    return style("35", text);
  }

  String cyan(String text) {
    return style("36", text);
  }

  /** A section heading: a blank line, then the title underlined with '='. */
  String heading(String title) {
    return System.lineSeparator()
        + bold(title)
        + System.lineSeparator()
        + dim("=".repeat(title.length()));
  }
}
