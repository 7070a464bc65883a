package dev.runs.internal.support;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A checker of compact JSON over UTF-8 bytes that allocates next to nothing: finds where a value
 * ends, validating it (RFC 8259 grammar) on the way. Compact means no whitespace between tokens:
 * that is how the envelope's encoder writes a payload, and a payload kept as text must stay on one
 * line (whitespace may be a line feed); anything else is left to the caller's general parser, which
 * compacts it. Used by the envelope codec to accept a payload as text without building a tree.
 * Nesting deeper than {@link JsonSupport#MAX_PARSE_DEPTH} is refused like the general parser
 * refuses it. Strings are scanned eight bytes a step ({@link ByteScan}); bytes of multi-byte UTF-8
 * sequences are taken as they are (their well-formedness is the caller's to check). Stateless and
 * thread-safe.
 */
public final class JsonSyntax {
  private JsonSyntax() {}

  /** Flips 0x22 (a quote) to 0x20, and control characters to control characters. */
  private static final long QUOTE_FLIP = ByteScan.LOW_BITS * 0x02;

  /** After the flip, bytes below this are quotes and control characters. */
  private static final long BELOW = ByteScan.LOW_BITS * 0x21;

  private static final long BACKSLASHES = ByteScan.LOW_BITS * '\\';

  /**
   * @param b the bytes
   * @param p where a value starts
   * @param end the index after the last byte that may belong to it
   * @return the index just after the value, or -1 when it is not valid compact JSON (whitespace
   *     between tokens is refused here), when an object in it repeats a member name (the general
   *     parser refuses those too), or when an object's names cannot be compared here (see {@link
   *     Names}): then the caller's general parser decides
   */
  public static int skipValue(byte[] b, int p, int end) {
    return value(b, p, end, 0);
  }

  /**
   * Whether JSON text has no whitespace outside its strings: the form {@link #skipValue} accepts
   * and the envelope's encoder writes. A scan of characters that does not check the grammar.
   *
   * @param s JSON text
   * @return true when no space, tab, carriage return or line feed lies outside a string
   */
  public static boolean isCompact(String s) {
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        return false;
      }
    }
    return true;
  }

  /**
   * The end of a string without escapes or control characters: what the envelope's own string
   * fields hold when they are in canonical form.
   *
   * @param b the bytes
   * @param p just after the opening quote
   * @param end the index after the last byte to look at
   * @return the index of the closing quote, or -1 when a backslash or control character comes first
   *     or there is none
   */
  public static int plainStringEnd(byte[] b, int p, int end) {
    if (p < 0) {
      return -1;
    }
    int s = special(b, p, end);
    return s < end && b[s] == '"' ? s : -1;
  }

  /**
   * @return the index of the first quote, backslash or control character (a byte below {@code
   *     0x20}) in {@code b[p, end)}, or {@code end}
   */
  private static int special(byte[] b, int p, int end) {
    int i = p;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      long x = ByteScan.word(b, i);
      // y = x ^ 0x02 in every byte maps a quote to 0x20 and the bytes below 0x20 among
      // themselves, and nothing else below 0x21: a byte of y below 0x21 has its high bit clear
      // and set after subtracting 0x21; with the zero bytes of x ^ backslashes. A borrow only
      // reaches bytes above a match.
      long y = x ^ QUOTE_FLIP;
      long found = ((y - BELOW) & ~y & ByteScan.HIGH_BITS) | ByteScan.zeros(x ^ BACKSLASHES);
      if (found != 0) {
        return i + ByteScan.firstByte(found);
      }
    }
    for (; i < end; i++) {
      int c = b[i];
      if (c == '"' || c == '\\' || (c >= 0 && c < 0x20)) {
        return i;
      }
    }
    return end;
  }

  private static int value(byte[] b, int p, int end, int depth) {
    if (p < 0 || p >= end) {
      return -1;
    }
    return switch (b[p]) {
      case '{' -> object(b, p + 1, end, depth + 1);
      case '[' -> array(b, p + 1, end, depth + 1);
      case '"' -> string(b, p + 1, end);
      case 't' -> word(b, p, end, TRUE);
      case 'f' -> word(b, p, end, FALSE);
      case 'n' -> word(b, p, end, NULL);
      default -> number(b, p, end);
    };
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private static int word(byte[] b, int p, int end, byte[] w) {
    if (p + w.length > end) {
      return -1;
    }
    for (int i = 0; i < w.length; i++) {
      if (b[p + i] != w[i]) {
        return -1;
      }
    }
    return p + w.length;
  }

  private static int object(byte[] b, int p, int end, int depth) {
    if (depth > JsonSupport.MAX_PARSE_DEPTH) {
      return -1;
    }
    if (p < end && b[p] == '}') {
      return p + 1;
    }
    Names names = new Names();
    while (true) {
      if (p >= end || b[p] != '"') {
        return -1;
      }
      int name = p + 1;
      p = string(b, name, end);
      if (p < 0 || !names.add(b, name, p - 1)) {
        return -1;
      }
      if (p >= end || b[p] != ':') {
        return -1;
      }
      p = value(b, p + 1, end, depth);
      if (p < 0) {
        return -1;
      }
      if (p >= end) {
        return -1;
      }
      byte c = b[p];
      if (c == '}') {
        return p + 1;
      }
      if (c != ',') {
        return -1;
      }
      p++;
    }
  }

  /**
   * The member names of one object, kept to refuse a repeated one as the general parser does
   * (strict duplicate detection). Names are compared as bytes, which compares their values only
   * when they hold no escapes; an object with a name with escapes among several names, or with more
   * than {@value #MAX_COMPARED} names, is left to the general parser too. The first name is kept
   * without allocating: most payload objects are small.
   */
  private static final class Names {
    static final int MAX_COMPARED = 32;
    private int count;
    private boolean escaped;
    private int firstFrom;
    private int firstTo;
    private int @Nullable [] more; // from and to of names 2, 3, ... in pairs

    /**
     * @return false when the name repeats one before it, or the names cannot be compared here
     */
    boolean add(byte[] b, int from, int to) {
      escaped |= ByteScan.indexOf(b, from, to, (byte) '\\') >= 0;
      if (count == 0) {
        firstFrom = from;
        firstTo = to;
        count = 1;
        return true;
      }
      if (escaped || count == MAX_COMPARED || Arrays.equals(b, firstFrom, firstTo, b, from, to)) {
        return false;
      }
      int[] m = more;
      int stored = count - 1;
      for (int i = 0; i < stored; i++) {
        if (m != null && Arrays.equals(b, m[2 * i], m[2 * i + 1], b, from, to)) {
          return false;
        }
      }
      if (m == null) {
        m = new int[2 * 4];
      } else if (2 * stored == m.length) {
        m = Arrays.copyOf(m, 2 * m.length);
      }
      m[2 * stored] = from;
      m[2 * stored + 1] = to;
      more = m;
      count++;
      return true;
    }
  }

  private static int array(byte[] b, int p, int end, int depth) {
    if (depth > JsonSupport.MAX_PARSE_DEPTH) {
      return -1;
    }
    if (p < end && b[p] == ']') {
      return p + 1;
    }
    while (true) {
      p = value(b, p, end, depth);
      if (p < 0) {
        return -1;
      }
      if (p >= end) {
        return -1;
      }
      byte c = b[p];
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
  private static int string(byte[] b, int p, int end) {
    while (true) {
      p = special(b, p, end);
      if (p >= end) {
        return -1;
      }
      byte c = b[p];
      if (c == '"') {
        return p + 1;
      }
      if (c != '\\' || p + 1 >= end) {
        return -1; // a control character, or a backslash at the end
      }
      byte e = b[p + 1];
      if (e == 'u') {
        if (p + 6 > end) {
          return -1;
        }
        for (int i = p + 2; i < p + 6; i++) {
          if (Character.digit(b[i], 16) < 0) {
            return -1;
          }
        }
        p += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r'
          || e == 't') {
        p += 2;
      } else {
        return -1;
      }
    }
  }

  /**
   * The index after the number at p; -1 when it is not a JSON number, is longer than {@link
   * JsonSupport#MAX_NUMBER_LENGTH} characters, or has an exponent that could make its plain form
   * (as Runs writes numbers) longer than that: {@link JsonSupport#parse} decides those exactly.
   */
  private static int number(byte[] b, int p, int end) {
    int start = p;
    if (p < end && b[p] == '-') {
      p++;
    }
    if (p >= end) {
      return -1;
    }
    if (b[p] == '0') {
      p++;
    } else if (b[p] >= '1' && b[p] <= '9') {
      p = digits(b, p, end);
    } else {
      return -1;
    }
    if (p < end && b[p] == '.') {
      int d = digits(b, p + 1, end);
      if (d == p + 1) {
        return -1;
      }
      p = d;
    }
    long grows = 0; // at most how many characters the plain form adds
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      int d = digits(b, p, end);
      if (d == p) {
        return -1;
      }
      for (int i = p; i < d && grows <= JsonSupport.MAX_NUMBER_LENGTH; i++) {
        grows = grows * 10 + (b[i] - '0');
      }
      grows += 2; // a leading "0." for a negative exponent
      p = d;
    }
    return p - start + grows > JsonSupport.MAX_NUMBER_LENGTH ? -1 : p;
  }

  /** The index after the ASCII digits starting at p. */
  private static int digits(byte[] b, int p, int end) {
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      p++;
    }
    return p;
  }
}
