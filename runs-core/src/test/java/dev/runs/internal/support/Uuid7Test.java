package dev.runs.internal.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import org.junit.jupiter.api.Test;

class Uuid7Test {
  @Test
  void isLowerHex_acceptsExactlyTheLowercaseHexDigits_forEveryChar() {
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      String s = "0a" + (char) c + "f9";
      assertThat(Uuid7.isLowerHex(s, 0, s.length())).as("char %d", c).isEqualTo(hex);
      assertThat(Uuid7.isLowerHex(s, 3, 5)).isTrue();
    }
    assertThat(Uuid7.isLowerHex("", 0, 0)).isTrue();
  }

  @Test
  void isCanonical_acceptsGeneratedIds_andRefusesEachDamagedPosition() {
    String id = new Uuid7(Clock.systemUTC()).next().toString();
    assertThat(Uuid7.isCanonical(id)).isTrue();
    for (int i = 0; i < id.length(); i++) {
      char[] damaged = id.toCharArray();
      damaged[i] = damaged[i] == '-' ? 'a' : i % 2 == 0 ? 'A' : '-';
      assertThat(Uuid7.isCanonical(new String(damaged))).as("position %d", i).isFalse();
    }
    assertThat(Uuid7.isCanonical(id + "0")).isFalse();
    assertThat(Uuid7.isCanonical(id.substring(1))).isFalse();
  }
}
