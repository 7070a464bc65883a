package dev.runs.internal.support;

/**
 * A JSON syntax checker that allocates nothing: finds where a value ends, validating it (RFC 8259
 * grammar, no whitespace rules relaxed) on the way. Used by the envelope codec to accept a payload
 * as text without building a tree. Nesting deeper than {@link JsonSupport#MAX_PARSE_DEPTH} is
 * refused like the general parser refuses it.
 */
public final class JsonSyntax {
  private JsonSyntax() {}

  /**
   * @param s the text
   * @param p where a value starts
   * @return the index just after the value, or -1 when it is not valid JSON
   */
  public static int skipValue(String s, int p) {
    return value(s, p, 0);
  }

  private static int ws(String s, int p) {
    while (p < s.length()) {
      char c = s.charAt(p);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      p++;
    }
    return p;
  }

  private static int value(String s, int p, int depth) {
    if (p < 0 || p >= s.length()) {
      return -1;
    }
    char c = s.charAt(p);
    return switch (c) {
      case '{' -> object(s, p + 1, depth + 1);
      case '[' -> array(s, p + 1, depth + 1);
      case '"' -> string(s, p + 1);
      case 't' -> s.startsWith("true", p) ? p + 4 : -1;
      case 'f' -> s.startsWith("false", p) ? p + 5 : -1;
      case 'n' -> s.startsWith("null", p) ? p + 4 : -1;
      default -> number(s, p);
    };
  }

  private static int object(String s, int p, int depth) {
    if (depth > JsonSupport.MAX_PARSE_DEPTH) {
      return -1;
    }
    p = ws(s, p);
    if (p < s.length() && s.charAt(p) == '}') {
      return p + 1;
    }
    while (true) {
      p = ws(s, p);
      if (p >= s.length() || s.charAt(p) != '"') {
        return -1;
      }
      p = string(s, p + 1);
      if (p < 0) {
        return -1;
      }
      p = ws(s, p);
      if (p >= s.length() || s.charAt(p) != ':') {
        return -1;
      }
      p = value(s, ws(s, p + 1), depth);
      if (p < 0) {
        return -1;
      }
      p = ws(s, p);
      if (p >= s.length()) {
        return -1;
      }
      char c = s.charAt(p);
      if (c == '}') {
        return p + 1;
      }
      if (c != ',') {
        return -1;
      }
      p++;
    }
  }

  private static int array(String s, int p, int depth) {
    if (depth > JsonSupport.MAX_PARSE_DEPTH) {
      return -1;
    }
    p = ws(s, p);
    if (p < s.length() && s.charAt(p) == ']') {
      return p + 1;
    }
    while (true) {
      p = value(s, ws(s, p), depth);
      if (p < 0) {
        return -1;
      }
      p = ws(s, p);
      if (p >= s.length()) {
        return -1;
      }
      char c = s.charAt(p);
      if (c == ']') {
        return p + 1;
      }
      if (c != ',') {
        return -1;
      }
      p++;
    }
  }

  /** p is just after the opening quote; returns just after the closing quote. */
  private static int string(String s, int p) {
    while (p < s.length()) {
      char c = s.charAt(p);
      if (c == '"') {
        return p + 1;
      }
      if (c < 0x20) {
        return -1;
      }
      if (c == '\\') {
        if (p + 1 >= s.length()) {
          return -1;
        }
        char e = s.charAt(p + 1);
        if (e == 'u') {
          if (p + 6 > s.length()) {
            return -1;
          }
          for (int i = p + 2; i < p + 6; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
              return -1;
            }
          }
          p += 6;
          continue;
        }
        if ("\"\\/bfnrt".indexOf(e) < 0) {
          return -1;
        }
        p += 2;
        continue;
      }
      p++;
    }
    return -1;
  }

  private static int number(String s, int p) {
    int start = p;
    if (p < s.length() && s.charAt(p) == '-') {
      p++;
    }
    if (p >= s.length()) {
      return -1;
    }
    if (s.charAt(p) == '0') {
      p++;
    } else if (s.charAt(p) >= '1' && s.charAt(p) <= '9') {
      while (p < s.length() && Character.isDigit(s.charAt(p)) && s.charAt(p) < 0x80) {
        p++;
      }
    } else {
      return -1;
    }
    if (p < s.length() && s.charAt(p) == '.') {
      p++;
      int d = p;
      while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
        p++;
      }
      if (p == d) {
        return -1;
      }
    }
    if (p < s.length() && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
      p++;
      if (p < s.length() && (s.charAt(p) == '+' || s.charAt(p) == '-')) {
        p++;
      }
      int d = p;
      while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
        p++;
      }
      if (p == d) {
        return -1;
      }
    }
    return p - start > 1000 ? -1 : p;
  }
}
