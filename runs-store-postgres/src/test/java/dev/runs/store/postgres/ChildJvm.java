package dev.runs.store.postgres;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link StoreChildProcess} in its own JVM: same java, same test class path. Its stdout is
 * collected line by line; its stderr goes to a file shown when a wait fails.
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stderr;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;
  private boolean eof;

  private ChildJvm(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readLines, "child-out-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(String name, String storeUri, Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StoreChildProcess.class.getName());
    command.addAll(List.of(args));
    Path err = dir.resolve(name + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
    pb.environment().put("RUNS_CHILD_STORE_URI", storeUri);
    return new ChildJvm(name, pb.start(), err);
  }

  private void readLines() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // the process was killed
    } finally {
      synchronized (this) {
        eof = true;
        notifyAll();
      }
    }
  }

  /** Sends one line to the child's stdin. */
  void send(String line) throws IOException {
    Writer w = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    w.write(line + "\n");
    w.flush();
  }

  /** Waits until the child printed a line matching the predicate; returns it. */
  synchronized String awaitLine(Predicate<String> matching, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    while (true) {
      for (; checked < lines.size(); checked++) {
        if (matching.test(lines.get(checked))) {
          return lines.get(checked);
        }
      }
      long left = deadline - System.nanoTime();
      if (eof || left <= 0) {
        throw new AssertionError("child " + name + (eof ? " ended" : " timed out") + " before the"
            + " expected line; last lines " + tail() + "; stderr: " + stderrText());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Waits for the child to exit and for its output to be read; returns the exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("child " + name + " did not exit within " + timeout + "; last lines "
          + tail() + "; stderr: " + stderrText());
    }
    reader.join(TimeUnit.SECONDS.toMillis(30));
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hooks, no close, open transactions die with the connection. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  private synchronized String tail() {
    return lines.subList(Math.max(0, lines.size() - 5), lines.size()).toString();
  }

  String stderrText() {
    try {
      String s = Files.readString(stderr, StandardCharsets.UTF_8);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return "child " + name;
  }
}
