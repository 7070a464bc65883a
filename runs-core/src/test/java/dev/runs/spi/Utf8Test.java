package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {
  @Test
  void wellFormedTextDecodesAsTheJdkDoes() {
    String text = "plain ascii, é, 中文, 😀 and a real \uFFFD replacement character";
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8.decodeOrNull(b, 0, b.length)).isEqualTo(text);
    assertThat(Utf8.firstMalformed(b, 0, b.length)).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "c328", // bad continuation
        "80", // lone continuation
        "c0af", // overlong '/'
        "e080af", // overlong
        "eda080", // encoded surrogate U+D800
        "f4908080", // above U+10FFFF
        "f5", // never valid
        "e282", // truncated at the end
        "ff"
      })
  void malformedSequencesAreFoundWhereTheyStart(String hex) {
    byte[] bad = java.util.HexFormat.of().parseHex(hex);
    byte[] b = new byte[bad.length + 6];
    byte[] prefix = "ab\"c".getBytes(StandardCharsets.UTF_8);
    System.arraycopy(prefix, 0, b, 1, prefix.length);
    System.arraycopy(bad, 0, b, 1 + prefix.length, bad.length);
    b[b.length - 1] = 'z';
    // the malformed bytes start at index 4 counted from offset 1
    assertThat(Utf8.firstMalformed(b, 1, b.length - 2)).isEqualTo(4);
    assertThat(Utf8.decodeOrNull(b, 1, b.length - 2)).isNull();
  }

  /** The validator agrees with the JDK's strict decoder on random bytes of every kind. */
  @SeededProperty(cases = 500)
  void agreesWithTheJdksStrictDecoder(Cases c) {
    byte[] b = new byte[c.intBetween(0, 23)];
    for (int i = 0; i < b.length; i++) {
      int kind = c.intBetween(0, 3);
      b[i] =
          (byte)
              switch (kind) {
                case 0 -> 'a' + c.intBetween(0, 25);
                case 1 -> 0x80 + c.intBetween(0, 0x3f);
                case 2 -> 0xc0 + c.intBetween(0, 0x3f);
                default -> c.intBetween(0, 255);
              };
    }
    boolean jdkOk;
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      jdkOk = true;
    } catch (CharacterCodingException e) {
      jdkOk = false;
    }
    assertThat(Utf8.firstMalformed(b, 0, b.length) < 0).isEqualTo(jdkOk);
    assertThat(Utf8.decodeOrNull(b, 0, b.length) != null).isEqualTo(jdkOk);
  }
}
