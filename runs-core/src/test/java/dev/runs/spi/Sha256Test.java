package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

final class Sha256Test {
  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void hex_ofBytesTextAndStream_isTheLowercaseDigest() throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
    assertThat(Sha256.hex(abc)).isEqualTo(ABC);
    assertThat(Sha256.hex("abc")).isEqualTo(ABC);
    assertThat(Sha256.hex(new ByteArrayInputStream(abc))).isEqualTo(ABC);
    MessageDigest d = Sha256.newDigest();
    d.update(abc, 0, 1);
    d.update(abc, 1, 2);
    assertThat(Sha256.hex(d)).isEqualTo(ABC);
  }

  @Test
  void hex_ofStreamLargerThanItsBuffer_matchesBytes() throws Exception {
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    assertThat(Sha256.hex(new ByteArrayInputStream(big))).isEqualTo(Sha256.hex(big));
  }

  @Test
  void isHex_acceptsOnly64LowercaseHexDigits() {
    assertThat(Sha256.isHex(ABC)).isTrue();
    assertThat(Sha256.isHex(ABC.toUpperCase(java.util.Locale.ROOT))).isFalse();
    assertThat(Sha256.isHex(ABC.substring(1))).isFalse();
    assertThat(Sha256.isHex(ABC.substring(1) + "g")).isFalse();
    assertThat(Sha256.isHex(null)).isFalse();
  }
}
