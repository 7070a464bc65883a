package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The check that a stream of lines copied in blocks ends with the run's last envelope. */
final class EventLinesEndsWithLineTest {
  /**
   * {@link EventLines#endsWithLine} over a stream's last two blocks agrees with comparing the whole
   * stream's end, for blocks of 8 to 64 bytes and lines that end anywhere in them.
   */
  @SeededProperty(cases = 3000)
  void endsWithLine_isTheStreamsEnd(Cases cases) {
    int block = cases.intBetween(8, 64);
    byte[] line = new byte[cases.intBetween(0, block - 1)];
    for (int i = 0; i < line.length; i++) {
      line[i] = (byte) cases.intBetween('a', 'c');
    }
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    int before = cases.intBetween(0, 3 * block);
    for (int i = 0; i < before; i++) {
      stream.write(cases.intBetween(0, 3) == 0 ? '\n' : 'a' + cases.intBetween(0, 2));
    }
    byte[] tail = line.clone();
    if (tail.length > 0 && cases.intBetween(0, 3) == 0) {
      tail[cases.intBetween(0, tail.length - 1)] = 'z';
    }
    stream.write(tail, 0, tail.length);
    if (cases.intBetween(0, 5) != 0) {
      stream.write('\n');
    }
    byte[] all = stream.toByteArray();
    String s = new String(all, StandardCharsets.ISO_8859_1);
    String l = new String(line, StandardCharsets.ISO_8859_1) + "\n";
    boolean expected = s.equals(l) || s.endsWith("\n" + l);
    // the stream in blocks of `block` bytes: the last (1 to block bytes) and the full one before
    int lastFilled = all.length == 0 ? 0 : (all.length - 1) % block + 1;
    byte[] last = Arrays.copyOfRange(all, all.length - lastFilled, all.length);
    int beforeFilled = all.length - lastFilled >= block ? block : 0;
    byte[] beforeLast =
        Arrays.copyOfRange(all, all.length - lastFilled - beforeFilled, all.length - lastFilled);

    assertThat(
            EventLines.endsWithLine(last, lastFilled, beforeLast, beforeFilled, all.length, line))
        .as("%s ending with %s", s, l)
        .isEqualTo(expected);
  }
}
