package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LineReaderTest {
  @TempDir Path dir;

  private record Read(
      List<String> lines, List<Long> offsets, boolean remainder, long remainderOffset) {}

  private Read read(String content, long start, int initial, int max) throws Exception {
    Path f = dir.resolve("f" + System.nanoTime());
    Files.writeString(f, content, StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(f)) {
      LineReader r = new LineReader(ch, start, ch.size(), initial, max);
      List<String> lines = new ArrayList<>();
      List<Long> offsets = new ArrayList<>();
      while (r.next()) {
        lines.add(r.tooLong() ? "<too long>" : r.lineString());
        offsets.add(r.lineOffset());
      }
      return new Read(lines, offsets, r.hasRemainder(), r.remainderOffset());
    }
  }

  @Test
  void next_linesAcrossBufferRefillsAndGrowth_areWhole() throws Exception {
    String content = "a\n" + "b".repeat(100) + "\n\nccc\n" + "d".repeat(40) + "\n";
    Read r = read(content, 0, 16, 1 << 20);
    assertThat(r.lines()).containsExactly("a", "b".repeat(100), "", "ccc", "d".repeat(40));
    assertThat(r.offsets()).containsExactly(0L, 2L, 103L, 104L, 108L);
    assertThat(r.remainder()).isFalse();
    assertThat(r.remainderOffset()).isEqualTo(content.length());
  }

  @Test
  void next_bytesAfterLastNewline_areTheRemainder() throws Exception {
    Read r = read("one\ntwo\nthr", 0, 16, 1 << 20);
    assertThat(r.lines()).containsExactly("one", "two");
    assertThat(r.remainder()).isTrue();
    assertThat(r.remainderOffset()).isEqualTo(8);
  }

  @Test
  void next_fromAnOffset_startsThere() throws Exception {
    Read r = read("one\ntwo\nthree\n", 4, 16, 1 << 20);
    assertThat(r.lines()).containsExactly("two", "three");
    assertThat(r.offsets()).containsExactly(4L, 8L);
  }

  @Test
  void next_lineLongerThanMaximum_isReportedTooLongWithoutBeingHeld() throws Exception {
    Read r = read("ok\n" + "x".repeat(1000) + "\nafter\n" + "y".repeat(500), 0, 16, 64);
    assertThat(r.lines()).containsExactly("ok", "<too long>", "after");
    assertThat(r.offsets()).containsExactly(0L, 3L, 1004L);
    assertThat(r.remainder()).isTrue();
    assertThat(r.remainderOffset()).isEqualTo(1010L);
  }

  @Test
  void next_emptyRange_hasNoLineAndNoRemainder() throws Exception {
    Read r = read("", 0, 16, 64);
    assertThat(r.lines()).isEmpty();
    assertThat(r.remainder()).isFalse();
  }

  @Test
  void indexOfNewline_findsTheFirstNewlineAtEveryPositionAndAlignment() {
    for (int len = 0; len < 40; len++) {
      for (int from = 0; from <= len; from++) {
        for (int nl = -1; nl < len; nl++) {
          byte[] b = new byte[len];
          for (int i = 0; i < len; i++) {
            b[i] = (byte) (i % 3 == 0 ? 0x8a : i % 3 == 1 ? 0x0b : 0x09); // near '\n' bit patterns
          }
          if (nl >= 0) {
            b[nl] = '\n';
            if (nl + 1 < len) {
              b[nl + 1] = '\n';
            }
          }
          int expected =
              nl >= from ? nl : (nl >= 0 && nl + 1 >= from && nl + 1 < len ? nl + 1 : -1);
          assertThat(LineReader.indexOfNewline(b, from, len))
              .as("length %d from %d newline at %d", len, from, nl)
              .isEqualTo(expected);
        }
      }
    }
  }
}
