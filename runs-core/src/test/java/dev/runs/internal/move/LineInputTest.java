package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lines of any length, in reads of any size, come back exactly: whole in the buffer (one copy),
 * across the buffer's end, longer than it, the last one with or without its line feed.
 */
final class LineInputTest {
  static LongStream seeds() {
    return LongStream.range(0, 40).map(i -> 0x5eed_0000L + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomLines_inRandomReads_comeBackExactly(long seed) throws IOException {
    Random random = new Random(seed);
    List<byte[]> lines = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    int count = 1 + random.nextInt(400);
    for (int i = 0; i < count; i++) {
      int kind = random.nextInt(10);
      int length =
          kind == 0 ? 0 : kind == 1 ? (1 << 18) + random.nextInt(1 << 17) : random.nextInt(3000);
      byte[] line = new byte[length];
      for (int k = 0; k < length; k++) {
        byte b = (byte) random.nextInt(256);
        line[k] = b == '\n' ? (byte) 'x' : b;
      }
      lines.add(line);
      all.write(line);
      all.write('\n');
    }
    // an empty last line without its line feed would be no line at all
    boolean lastTerminated = random.nextBoolean() || lines.get(count - 1).length == 0;
    byte[] bytes = all.toByteArray();
    if (!lastTerminated) {
      bytes = Arrays.copyOf(bytes, bytes.length - 1);
    }
    try (LineInput in = new LineInput(new ChoppyInput(bytes, random), 1 << 20)) {
      for (int i = 0; i < lines.size(); i++) {
        byte[] line = in.next();
        assertThat(line).as("line %d, seed %d", i + 1, seed).isEqualTo(lines.get(i));
        assertThat(in.number()).as("seed %d", seed).isEqualTo(i + 1L);
        assertThat(in.terminated())
            .as("line %d, seed %d", i + 1, seed)
            .isEqualTo(i < lines.size() - 1 || lastTerminated);
      }
      assertThat(in.next()).as("seed %d", seed).isNull();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void newline_findsTheFirstLineFeed_asAByteByByteSearch(long seed) {
    Random random = new Random(seed);
    byte[] b = new byte[1 + random.nextInt(100)];
    for (int k = 0; k < b.length; k++) {
      int pick = random.nextInt(12);
      b[k] = pick == 0 ? (byte) '\n' : pick == 1 ? (byte) 0x8a : (byte) random.nextInt(256);
    }
    for (int from = 0; from <= b.length; from++) {
      for (int to = from; to <= b.length; to++) {
        int expected = -1;
        for (int k = from; k < to; k++) {
          if (b[k] == '\n') {
            expected = k;
            break;
          }
        }
        assertThat(LineInput.newline(b, from, to))
            .as("[%d, %d) of %s, seed %d", from, to, Arrays.toString(b), seed)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void lineLongerThanTheBound_insideTheBuffer_isRefusedNamingIt() {
    byte[] bytes = "ok\n0123456789\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    LineInput in = new LineInput(new ByteArrayInputStream(bytes), 8);
    assertThatThrownBy(
            () -> {
              assertThat(in.next()).hasSize(2);
              in.next();
            })
        .isInstanceOf(LineInput.LineTooLongException.class)
        .hasMessageContaining("line 2 is longer than 8 bytes");
  }

  /** Returns the bytes in reads of random sizes, as a file or socket may. */
  private static final class ChoppyInput extends InputStream {
    private final byte[] bytes;
    private final Random random;
    private int pos;

    ChoppyInput(byte[] bytes, Random random) {
      this.bytes = bytes;
      this.random = random;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos == bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, bytes.length - pos), 1 + random.nextInt(70_000));
      System.arraycopy(bytes, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
