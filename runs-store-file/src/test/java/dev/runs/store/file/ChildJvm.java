package dev.runs.store.file;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link FileStoreChild} in its own JVM, with its complete output lines collected. */
final class ChildJvm implements AutoCloseable {
  final Process process;
  private final Path stderr;
  private final CopyOnWriteArrayList<String> lines = new CopyOnWriteArrayList<>();
  private final Thread pump;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.pump = new Thread(this::pump, "child-stdout");
    this.pump.setDaemon(true);
    this.pump.start();
  }

  static ChildJvm start(Path logDir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FileStoreChild.class.getName());
    cmd.addAll(List.of(args));
    Files.createDirectories(logDir);
    Path err = Files.createTempFile(logDir, "child-", ".stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
    return new ChildJvm(pb.start(), err);
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.endsWith(" .")) { // complete: a line cut by SIGKILL lacks the terminator
          lines.add(line.substring(0, line.length() - 2));
        }
      }
    } catch (IOException e) {
      // the child died; what was read is kept
    }
  }

  /** @return the complete lines so far */
  List<String> lines() {
    return List.copyOf(lines);
  }

  void send(String line) throws IOException {
    Writer w = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    w.write(line + "\n");
    w.flush();
  }

  /** Waits until the output holds a line matching the predicate, or the child ends. */
  void await(Predicate<List<String>> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(lines())) {
      if (!process.isAlive()) {
        pump.join(5000);
        if (condition.test(lines())) {
          return;
        }
        throw new AssertionError("child exited with " + process.exitValue() + " before the condition held; "
            + describe());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout + "; " + describe());
      }
      Thread.sleep(5);
    }
  }

  void awaitLine(String line, Duration timeout) throws Exception {
    await(ls -> ls.contains(line), timeout);
  }

  /** Waits for a normal exit and the end of its output. */
  void awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("child did not exit within " + timeout + "; " + describe());
    }
    pump.join(timeout.toMillis());
    if (process.exitValue() != 0) {
      throw new AssertionError("child exited with " + process.exitValue() + "; " + describe());
    }
  }

  /** SIGKILL, then wait for the process and its output to end. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
    pump.join(60_000);
  }

  String describe() {
    try {
      String err = Files.readString(stderr, StandardCharsets.UTF_8);
      return "last output " + lines().subList(Math.max(0, lines().size() - 5), lines().size())
          + ", stderr: " + (err.length() > 4000 ? err.substring(err.length() - 4000) : err);
    } catch (IOException e) {
      return "stderr unreadable: " + e;
    }
  }

  /** Kills the child if it is still running. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
