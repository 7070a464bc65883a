package dev.runs.store.sqlite;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SqliteChild} in its own JVM, started with this JVM's {@code java} and class path. Its
 * stdout lines are queued by a reader thread; its stderr goes to a file shown when a test fails.
 */
final class ChildJvm implements AutoCloseable {
  private static final String EOF = "\u0000EOF";

  private final Process process;
  private final Path stderr;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process died; EOF below
      } finally {
        lines.add(EOF);
      }
    }, "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(SqliteChild.class.getName());
    command.addAll(List.of(args));
    try {
      Path err = Files.createTempFile(workDir, "child-", ".stderr");
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      return new ChildJvm(p, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param timeout how long to wait
   * @return the next stdout line, or empty at end of output
   */
  Optional<String> nextLine(Duration timeout) throws InterruptedException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("child printed nothing for " + timeout + "; stderr:\n" + stderr());
    }
    if (line.equals(EOF)) {
      lines.add(EOF);
      return Optional.empty();
    }
    return Optional.of(line);
  }

  /**
   * @param timeout how long to wait
   * @return the next stdout line, {@code null} when none came in time, {@link #END} at end of output
   */
  String poll(Duration timeout) throws InterruptedException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (EOF.equals(line)) {
      lines.add(EOF);
      return END;
    }
    return line;
  }

  /** Returned by {@link #poll} at end of output. */
  static final String END = "<end of output>";

  /** Waits for a line equal to {@code expected}, failing on end of output. */
  void expect(String expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      Optional<String> line = nextLine(left);
      if (line.isEmpty()) {
        throw new AssertionError("child exited (" + exitCode() + ") before printing " + expected
            + "; stderr:\n" + stderr());
      }
      if (line.get().equals(expected)) {
        return;
      }
    }
  }

  void send(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Kills the process with SIGKILL and waits for it to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + process.pid() + " did not die within 30 s of SIGKILL");
    }
  }

  int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("child did not exit within " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  private String exitCode() {
    return process.isAlive() ? "still running" : "exit code " + process.exitValue();
  }

  String stderr() {
    try {
      return Files.readString(stderr);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Kills the process if it still runs (without waiting for it). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
