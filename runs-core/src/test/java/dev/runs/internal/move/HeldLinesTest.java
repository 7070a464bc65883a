package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@link HeldLines} gives back exactly what was written while it stays within its limit, across
 * block boundaries and in writes of any size, and holds nothing once past it.
 */
final class HeldLinesTest {
  @SeededProperty(cases = 500)
  void writeTo_withinTheLimit_whatWasWritten_pastIt_nothing(Cases cases) throws IOException {
    int total = cases.intBetween(0, 3 * HeldLines.BLOCK + 17);
    byte[] bytes = new byte[total];
    for (int i = 0; i < total; i++) {
      bytes[i] = (byte) cases.intBetween(0, 255);
    }
    long limit =
        switch (cases.intBetween(0, 2)) {
          case 0 -> total; // exactly enough
          case 1 -> total + cases.intBetween(0, 1000);
          default -> cases.intBetween(0, Math.max(0, total - 1)); // too little, for total > 0
        };
    HeldLines held = new HeldLines(limit);
    for (int at = 0; at < total; ) {
      int n = Math.min(total - at, cases.intBetween(0, 2 * HeldLines.BLOCK));
      if (n == 1) {
        held.write(bytes[at]);
      } else {
        held.write(bytes, at, n);
      }
      at += n;
    }

    if (total <= limit) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      held.writeTo(out);
      assertThat(held.overflowed()).isFalse();
      assertThat(out.toByteArray()).isEqualTo(bytes);
    } else {
      assertThat(held.overflowed()).isTrue();
      assertThatThrownBy(() -> held.writeTo(new ByteArrayOutputStream()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("overflowed " + limit + " bytes");
    }
  }
}
