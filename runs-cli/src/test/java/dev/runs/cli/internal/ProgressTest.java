package dev.runs.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.TransferProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private static TransferProgress at(long done) {
    return new TransferProgress(4, done, 0, 0, done * 10, done * 100, Duration.ofSeconds(done));
  }

  @Test
  void terminal_redrawsOneBarInPlace_withRatesAndEta() {
    Progress p = new Progress(err, true, "exported");

    p.onProgress(at(1));
    p.onProgress(at(2));
    p.done();

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).startsWith("\r[").contains("\r[###############...............]");
    assertThat(out).contains("2/4 runs").contains("runs/s").contains("events/s").contains("ETA");
    assertThat(out.chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }

  @Test
  void notATerminal_printsPlainLines_includingTheLast() {
    Progress p = new Progress(err, false, "exported");

    p.onProgress(at(1));
    p.onProgress(at(2));
    p.onProgress(at(4));

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("\r").doesNotContain("[#");
    assertThat(out.lines().findFirst().orElseThrow()).startsWith("exported 1/4 runs");
    assertThat(out.lines().reduce((a, b) -> b).orElseThrow()).startsWith("exported 4/4 runs");
  }
}
