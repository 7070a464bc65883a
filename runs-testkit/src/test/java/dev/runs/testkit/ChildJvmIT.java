package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ChildJvmIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /**
   * The child: echoes stdin lines; "exit <code>" exits, "quiet" prints nothing, "cut" prints two
   * lines and the start of a third.
   */
  static final class Echo {
    private Echo() {}

    public static void main(String[] args) throws Exception {
      System.out.println("READY " + String.join(",", args) + " " + System.getenv("ECHO_SECRET"));
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("exit ")) {
          System.err.println("exiting on request");
          System.exit(Integer.parseInt(line.substring(5)));
        } else if (line.equals("cut")) {
          System.out.print("ack 1\nack 2\r\nack 3 without its newline");
          System.out.flush();
        } else if (!line.equals("quiet")) {
          System.out.println("echo " + line);
          System.out.flush();
        }
      }
    }
  }

  private ChildJvm start() {
    return ChildJvm.builder(Echo.class)
        .name("echo")
        .args("a", "b")
        .env("ECHO_SECRET", "s3")
        .jvmOptions("-Xmx64m", "-XX:TieredStopAtLevel=1")
        .stderrDirectory(dir.resolve("logs"))
        .start();
  }

  @Test
  void childTalksOverStdinAndStdout_andExitsWithItsCode() throws Exception {
    try (ChildJvm child = start()) {
      child.awaitLine("READY a,b s3", WAIT);
      child.send("one");
      assertThat(child.awaitLine(l -> l.startsWith("echo"), WAIT)).isEqualTo("echo one");
      child.send("two");
      assertThat(child.await(ls -> ls.size() == 3, WAIT))
          .containsExactly("READY a,b s3", "echo one", "echo two");
      assertThat(child.pollLine(WAIT)).contains("READY a,b s3");
      assertThat(child.pollLine(WAIT)).contains("echo one");
      assertThat(child.pollLine(WAIT)).contains("echo two");
      assertThat(child.pollLine(Duration.ofMillis(10))).isEmpty();
      assertThat(child.outputEnded()).isFalse();
      child.send("exit 3");
      assertThat(child.awaitExit(WAIT)).isEqualTo(3);
      assertThat(child.outputEnded()).isTrue();
      assertThat(child.stderr()).contains("exiting on request");
      assertThat(child.stderrFile()).startsWith(dir.resolve("logs"));
      assertThatThrownBy(() -> child.awaitSuccess(WAIT))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("exited with 3")
          .hasMessageContaining("exiting on request");
    }
  }

  @Test
  void kill_dropsTheLineCutOff_andKeepsEveryCompleteOne() throws Exception {
    try (ChildJvm child = start()) {
      child.awaitLine("READY a,b s3", WAIT);
      child.send("cut");
      child.awaitLine("ack 2", WAIT);
      child.kill();
      assertThat(child.isAlive()).isFalse();
      assertThat(child.lines()).containsExactly("READY a,b s3", "ack 1", "ack 2");
      assertThat(child.pollLine(WAIT)).contains("READY a,b s3");
      child.pollLine(WAIT);
      child.pollLine(WAIT);
      assertThat(child.pollLine(WAIT)).isEqualTo(Optional.empty());
      assertThat(child.outputEnded()).isTrue();
    }
  }

  @Test
  void waits_failWithTheOutputAndStderr_whenTheChildEndsOrTimeRunsOut() throws Exception {
    try (ChildJvm child = start()) {
      child.awaitLine("READY a,b s3", WAIT);
      child.send("quiet");
      assertThatThrownBy(() -> child.awaitLine("never", Duration.ofMillis(200)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("did not print")
          .hasMessageContaining("READY a,b s3");
      child.kill();
      assertThatThrownBy(() -> child.await(ls -> ls.contains("never"), WAIT))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("ended");
    }
  }
}
