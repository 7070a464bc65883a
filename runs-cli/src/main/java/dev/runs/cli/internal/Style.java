package dev.runs.cli.internal;

/** ANSI colours and weights, or plain text. Immutable. */
final class Style {
  private static final String RESET = "\u001b[0m";
  private final boolean color;

  Style(boolean color) {
    this.color = color;
  }

  boolean isColor() {
    return color;
  }

  private String wrap(String code, String text) {
    return color && !text.isEmpty() ? "\u001b[" + code + "m" + text + RESET : text;
  }

  String bold(String text) {
    return wrap("1", text);
  }

  String dim(String text) {
    return wrap("2", text);
  }

  String red(String text) {
    return wrap("31", text);
  }

  String green(String text) {
    return wrap("32", text);
  }

  String yellow(String text) {
    return wrap("33", text);
  }

  String blue(String text) {
    return wrap("34", text);
  }

  String magenta(String text) {
    return wrap("35", text);
  }

  String cyan(String text) {
    return wrap("36", text);
  }

  /** Colours a status: green done, red failed or interrupted, yellow cancelled, blue live. */
  String status(dev.runs.RunStatus s) {
    String name = s.wireName();
    return switch (s) {
      case COMPLETED -> green(name);
      case FAILED, INTERRUPTED -> red(name);
      case CANCELLED, CANCEL_REQUESTED -> yellow(name);
      default -> blue(name);
    };
  }
}
