package dev.runs.store.file;

/**
 * Encodes text as UTF-8 straight into a byte array, giving the same bytes as {@code
 * String.getBytes(UTF_8)} (a lone surrogate becomes {@code '?'}) without the intermediate string
 * and array.
 */
final class Utf8Out {
  private Utf8Out() {}

  /**
   * @param text the characters
   * @param out where to write; must have room for {@code 3 * text.length()} bytes from {@code at}
   * @param at the first index to write
   * @return the index after the last byte written
   */
  static int encode(CharSequence text, byte[] out, int at) {
    int n = text.length();
    int o = at;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out[o++] = (byte) c;
      } else if (c < 0x800) {
        out[o++] = (byte) (0xc0 | (c >> 6));
        out[o++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isSurrogate(c)) {
        char d = i + 1 < n ? text.charAt(i + 1) : 0;
        if (Character.isHighSurrogate(c) && Character.isLowSurrogate(d)) {
          int cp = Character.toCodePoint(c, d);
          out[o++] = (byte) (0xf0 | (cp >> 18));
          out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
          out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
          out[o++] = (byte) (0x80 | (cp & 0x3f));
          i++;
        } else {
          out[o++] = '?';
        }
      } else {
        out[o++] = (byte) (0xe0 | (c >> 12));
        out[o++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[o++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return o;
  }
}
