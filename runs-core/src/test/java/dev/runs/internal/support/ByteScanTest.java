package dev.runs.internal.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ByteScan} finds and counts what a byte-by-byte loop finds and counts, at every alignment
 * and range, with the byte sought next to bytes that differ from it in one bit and next to bytes
 * above 0x7f.
 */
final class ByteScanTest {
  private static final List<Integer> BYTES =
      List.of(0x00, 0x01, 0x0a, 0x0b, 0x0e, 0x20, 0x22, 0x3f, 0x5c, 0x7f, 0x80, 0x8a, 0xbf, 0xff);

  @SeededProperty(cases = 2000)
  void indexOf_isTheFirstMatch(Cases cases) {
    byte[] b = bytes(cases);
    int from = cases.intBetween(0, b.length);
    int to = cases.intBetween(from, b.length);
    byte value = (byte) (int) cases.oneOf(BYTES);
    int expected = -1;
    for (int i = from; i < to; i++) {
      if (b[i] == value) {
        expected = i;
        break;
      }
    }
    assertThat(ByteScan.indexOf(b, from, to, value))
        .as("%s in %s [%d, %d)", value, Arrays.toString(b), from, to)
        .isEqualTo(expected);
  }

  @SeededProperty(cases = 2000)
  void firstNonAscii_isTheFirstByteAbove0x7f(Cases cases) {
    byte[] b = bytes(cases);
    int from = cases.intBetween(0, b.length);
    int to = cases.intBetween(from, b.length);
    int expected = -1;
    for (int i = from; i < to; i++) {
      if ((b[i] & 0xff) > 0x7f) {
        expected = i;
        break;
      }
    }
    assertThat(ByteScan.firstNonAscii(b, from, to))
        .as("%s [%d, %d)", Arrays.toString(b), from, to)
        .isEqualTo(expected);
  }

  @SeededProperty(cases = 2000)
  void count_isWhatALoopCounts(Cases cases) {
    byte[] b = bytes(cases);
    byte value = (byte) (int) cases.oneOf(BYTES);
    if (cases.intBetween(0, 2) == 0) {
      // half the bytes are the one counted, so several match within one word
      for (int i = 0; i < b.length; i++) {
        if (cases.intBetween(0, 1) == 0) {
          b[i] = value;
        }
      }
    }
    int from = cases.intBetween(0, b.length);
    int to = cases.intBetween(from, b.length);
    int expected = 0;
    for (int i = from; i < to; i++) {
      if (b[i] == value) {
        expected++;
      }
    }
    assertThat(ByteScan.count(b, from, to, value))
        .as("%s in %s [%d, %d)", value, Arrays.toString(b), from, to)
        .isEqualTo(expected);
  }

  /** Up to 40 bytes, mostly one repeated byte, so matches are sparse and land anywhere. */
  static byte[] bytes(Cases cases) {
    byte[] b = new byte[cases.intBetween(0, 40)];
    byte common = (byte) (int) cases.oneOf(List.of(0x61, 0x20, 0x7f, 0x21));
    Arrays.fill(b, common);
    int others = cases.intBetween(0, 4);
    for (int k = 0; k < others && b.length > 0; k++) {
      b[cases.intBetween(0, b.length - 1)] = (byte) (int) cases.oneOf(BYTES);
    }
    return b;
  }
}
