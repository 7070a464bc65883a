package dev.runs.spi;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Strict UTF-8 decoding for stores. {@code new String(bytes, UTF_8)} replaces a malformed byte
 * sequence with U+FFFD without a word, so a damaged log would be read as different, valid text and
 * appends would go on after it. Stores decode what they read through this class and report a
 * malformed sequence as corruption, naming where it lies.
 *
 * <p>The common case costs one decode: only text that contains U+FFFD (rare, and legal when it was
 * written as {@code EF BF BD}) is checked byte by byte. Stateless and thread-safe.
 */
public final class Utf8 {
  private Utf8() {}

  /**
   * Decodes bytes that must be well-formed UTF-8.
   *
   * @param bytes the buffer
   * @param offset where the text starts
   * @param length its length in bytes
   * @return the text, or null when the bytes are not well-formed UTF-8 (then {@link
   *     #firstMalformed} tells where)
   */
  public static @Nullable String decodeOrNull(byte[] bytes, int offset, int length) {
    String s = new String(bytes, offset, length, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0 && firstMalformed(bytes, offset, length) >= 0) {
      return null;
    }
    return s;
  }

  /**
   * Finds the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no
   * overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence at the end).
   *
   * @param bytes the buffer
   * @param offset where the text starts
   * @param length its length in bytes
   * @return the index, counted from {@code offset}, where the first malformed sequence starts; -1
   *     when all is well-formed
   */
  public static int firstMalformed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      int b = bytes[i] & 0xff;
      if (b < 0x80) {
        i++;
        continue;
      }
      int need;
      int min;
      int cp;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        min = 0x80;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        min = 0x800;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        min = 0x10000;
        cp = b & 0x07;
      } else {
        return i - offset;
      }
      if (i + need >= end) {
        return i - offset;
      }
      for (int k = 1; k <= need; k++) {
        int c = bytes[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          return i - offset;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return i - offset;
      }
      i += need + 1;
    }
    return -1;
  }
}
