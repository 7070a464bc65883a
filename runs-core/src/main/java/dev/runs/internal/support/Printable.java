package dev.runs.internal.support;

/**
 * Makes text safe to show in an exception message or a log line: control characters and unpaired
 * UTF-16 surrogates become <code>&#92;uXXXX</code> escapes, so input echoed in a message can
 * neither hide part of it (a NUL, a carriage return) nor forge a log line (a line feed). Stateless
 * and thread-safe.
 */
public final class Printable {
  private Printable() {}

  /**
   * Escapes every control character (U+0000 to U+001F, U+007F to U+009F) and every unpaired
   * surrogate.
   *
   * @param s the text
   * @return the text when it needs no escape (the common case, without copying), else an escaped
   *     copy
   */
  public static String escape(String s) {
    return escape(s, false);
  }

  /**
   * As {@link #escape(String)}, but keeps line feeds and tabs: for messages that are written as
   * several lines on purpose.
   *
   * @param s the text
   * @return the escaped text
   */
  public static String escapeKeepingLines(String s) {
    return escape(s, true);
  }

  private static String escape(String s, boolean keepLines) {
    int first = firstToEscape(s, 0, keepLines);
    if (first < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, first);
    for (int i = first; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (needsEscape(c, keepLines)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static int firstToEscape(String s, int from, boolean keepLines) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (needsEscape(c, keepLines)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean needsEscape(char c, boolean keepLines) {
    if (keepLines && (c == '\n' || c == '\t')) {
      return false;
    }
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c);
  }
}
