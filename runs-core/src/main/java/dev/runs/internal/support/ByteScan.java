package dev.runs.internal.support;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Searches byte arrays eight bytes a step: each step reads one little-endian {@code long} and tests
 * all its bytes at once with carry-free arithmetic (SWAR). A test's lowest set bit always marks a
 * byte that matches (a borrow only ever reaches bytes above a match), so the first match is found
 * exactly. Stateless and thread-safe.
 */
public final class ByteScan {
  private ByteScan() {}

  private static final VarHandle WORDS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** One in every byte. */
  static final long LOW_BITS = 0x0101010101010101L;

  /** The high bit of every byte. */
  static final long HIGH_BITS = 0x8080808080808080L;

  /**
   * @param b the bytes
   * @param at the first of the eight bytes to read ({@code at + 8 <= b.length})
   * @return them as one little-endian word: the byte at {@code at} is the lowest
   */
  static long word(byte[] b, int at) {
    return (long) WORDS.get(b, at);
  }

  /**
   * @param x a word
   * @return the high bit set in every byte of {@code x} that is zero (and possibly in bytes above
   *     such a byte, never below the first)
   */
  static long zeros(long x) {
    return (x - LOW_BITS) & ~x & HIGH_BITS;
  }

  /**
   * @param found a test's result with at least one bit set
   * @return the index within the word of the byte its lowest set bit lies in
   */
  static int firstByte(long found) {
    return Long.numberOfTrailingZeros(found) >>> 3;
  }

  /**
   * @param b the bytes
   * @param from the first index to look at
   * @param to the index after the last
   * @param value the byte to find
   * @return the index of the first {@code value} in {@code b[from, to)}, or -1
   */
  public static int indexOf(byte[] b, int from, int to, byte value) {
    long pattern = LOW_BITS * (value & 0xff);
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long found = zeros(word(b, i) ^ pattern);
      if (found != 0) {
        return i + firstByte(found);
      }
    }
    for (; i < to; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    return -1;
  }

  /** Every bit of a byte but its high one. */
  private static final long LOW_SEVEN = 0x7f7f7f7f7f7f7f7fL;

  /**
   * @param b the bytes
   * @param from the first index to look at
   * @param to the index after the last
   * @param value the byte to count
   * @return how many bytes of {@code b[from, to)} are {@code value}
   */
  public static int count(byte[] b, int from, int to, byte value) {
    long pattern = LOW_BITS * (value & 0xff);
    int n = 0;
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long x = word(b, i) ^ pattern;
      // exactly the zero bytes: adding 0x7f to the low seven bits carries into the high bit of
      // every byte that has any bit set, and no carry crosses into the next byte
      long zero = ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN);
      n += Long.bitCount(zero);
    }
    for (; i < to; i++) {
      if (b[i] == value) {
        n++;
      }
    }
    return n;
  }

  /**
   * @param b the bytes
   * @param from the first index to look at
   * @param to the index after the last
   * @return the index of the first byte in {@code b[from, to)} that is not ASCII (its high bit
   *     set), or -1 when all are
   */
  public static int firstNonAscii(byte[] b, int from, int to) {
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long high = word(b, i) & HIGH_BITS;
      if (high != 0) {
        return i + firstByte(high);
      }
    }
    for (; i < to; i++) {
      if (b[i] < 0) {
        return i;
      }
    }
    return -1;
  }
}
