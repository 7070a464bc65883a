package dev.runs.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A Java program in a child JVM, for crash and multi-process tests: started with this JVM's {@code
 * java} and class path, talked to through its stdin and stdout, killed with SIGKILL when the test
 * wants a crash.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.builder(MyChild.class).args("append", dir.toString()).start()) {
 *   child.awaitLine("READY", Duration.ofSeconds(60));
 *   child.send("go");
 *   child.await(lines -> lines.size() > 100, Duration.ofSeconds(60));
 *   child.kill(); // SIGKILL: no shutdown hooks, no close
 *   List<String> acknowledged = child.lines();
 * }
 * }</pre>
 *
 * <p>Its stdout is collected as complete lines: a line counts once its newline arrived, so a line
 * cut off by SIGKILL is never seen and a child need not mark the end of its lines. Its stderr goes
 * to a file, shown in the message of every failed wait. Waits have deadlines and wake on new
 * output; none sleeps. A failed wait throws {@link AssertionError}.
 *
 * <p>Thread-safe: one thread may wait for output while another sends input or kills the child.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Duration REAP_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final Path stderr;
  private final Thread reader;

  /** Complete stdout lines; guarded by {@code this}, as are the two fields below. */
  private final List<String> lines = new ArrayList<>();

  private boolean outputEnded;
  private int taken;

  private ChildJvm(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readOutput, "child-stdout-" + name + "-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts describing a child.
   *
   * @param mainClass the class whose {@code main} the child runs; it must be on this JVM's class
   *     path
   * @return a builder
   */
  public static Builder builder(Class<?> mainClass) {
    return new Builder(Objects.requireNonNull(mainClass, "mainClass"));
  }

  /** How to start a {@link ChildJvm}. Not thread-safe; every setter returns this builder. */
  public static final class Builder {
    private final Class<?> mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m"));
    private final Map<String, String> environment = new LinkedHashMap<>();
    private String name;
    private @Nullable Path stderrDirectory;

    private Builder(Class<?> mainClass) {
      this.mainClass = mainClass;
      this.name = mainClass.getSimpleName();
    }

    /**
     * @param values arguments for the child's {@code main}, added after those set before
     * @return this builder
     */
    public Builder args(String... values) {
      return args(List.of(values));
    }

    /**
     * @param values arguments for the child's {@code main}, added after those set before
     * @return this builder
     */
    public Builder args(List<String> values) {
      for (String v : values) {
        args.add(Objects.requireNonNull(v, "argument"));
      }
      return this;
    }

    /**
     * Replaces the JVM options, {@code -Xmx256m} by default.
     *
     * @param options options such as {@code -Xmx256m} or {@code -XX:TieredStopAtLevel=1}
     * @return this builder
     */
    public Builder jvmOptions(String... options) {
      jvmOptions.clear();
      for (String o : options) {
        jvmOptions.add(Objects.requireNonNull(o, "option"));
      }
      return this;
    }

    /**
     * Sets an environment variable of the child, which otherwise inherits this process's
     * environment. Use it for secrets such as connection URIs, which a process list shows when they
     * are arguments.
     *
     * @param variable the variable name
     * @param value its value
     * @return this builder
     */
    public Builder env(String variable, String value) {
      environment.put(
          Objects.requireNonNull(variable, "variable"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * @param value the child's name in messages, thread names and its stderr file name; the main
     *     class's simple name by default
     * @return this builder
     */
    public Builder name(String value) {
      Objects.requireNonNull(value, "name");
      if (value.isBlank() || !value.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException(
            "child name '" + value + "' must be 1 or more of A-Z, a-z, 0-9, '.', '_', '-'");
      }
      this.name = value;
      return this;
    }

    /**
     * @param directory where the child's stderr file goes (created if missing); the JVM's temporary
     *     directory by default. The file is kept after the child ends, for post-mortems.
     * @return this builder
     */
    public Builder stderrDirectory(Path directory) {
      this.stderrDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Starts the child.
     *
     * @return the running child; close it (try-with-resources) so it never outlives the test
     * @throws UncheckedIOException when the stderr file cannot be created or the process not
     *     started
     */
    public ChildJvm start() {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(mainClass.getName());
      command.addAll(args);
      try {
        Path dir =
            stderrDirectory != null
                ? Files.createDirectories(stderrDirectory)
                : Path.of(System.getProperty("java.io.tmpdir"));
        Path err = Files.createTempFile(dir, name + "-", ".stderr");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
        pb.environment().putAll(environment);
        return new ChildJvm(name, pb.start(), err);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "starting child " + name + " (" + mainClass.getName() + ") failed: " + e.getMessage(),
            e);
      }
    }
  }

  private void readOutput() {
    try (InputStream in = process.getInputStream()) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            line.write(buffer, start, i - start);
            complete(line.toString(StandardCharsets.UTF_8));
            line.reset();
            start = i + 1;
          }
        }
        line.write(buffer, start, n - start);
      }
      // whatever follows the last newline was cut off: dropped
    } catch (IOException e) {
      // the child died or was killed; the complete lines read so far stay
    } finally {
      synchronized (this) {
        outputEnded = true;
        notifyAll();
      }
    }
  }

  private synchronized void complete(String line) {
    lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    notifyAll();
  }

  /**
   * @return the child's name
   */
  public String name() {
    return name;
  }

  /**
   * @return the child's process id
   */
  public long pid() {
    return process.pid();
  }

  /**
   * @return true while the child process runs
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * @return every complete line the child printed so far, in order
   */
  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  /**
   * @return true once the child's stdout is closed (it exited or was killed) and fully read
   */
  public synchronized boolean outputEnded() {
    return outputEnded;
  }

  /**
   * Sends one line to the child's stdin.
   *
   * @param line the text; a newline is appended
   * @throws UncheckedIOException when the child no longer reads its input
   */
  public void send(String line) {
    Objects.requireNonNull(line, "line");
    OutputStream in = process.getOutputStream();
    try {
      synchronized (in) {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "sending '" + line + "' to " + this + " failed: " + e.getMessage() + "; " + describe(),
          e);
    }
  }

  /**
   * Waits until the child's lines so far satisfy a condition.
   *
   * @param condition tested on every line printed so far, each time a line arrives
   * @param timeout how long to wait
   * @return the lines that satisfied it
   * @throws AssertionError when the timeout passes or the output ends first
   * @throws InterruptedException when interrupted while waiting
   */
  public List<String> await(Predicate<? super List<String>> condition, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        List<String> now = List.copyOf(lines);
        if (condition.test(now)) {
          return now;
        }
        waitOrFail(deadline, timeout, "the awaited output");
      }
    }
  }

  /**
   * Waits until the child printed a line matching a predicate (including lines printed before the
   * call).
   *
   * @param matching the line wanted
   * @param timeout how long to wait
   * @return the first matching line
   * @throws AssertionError when the timeout passes or the output ends first
   * @throws InterruptedException when interrupted while waiting
   */
  public String awaitLine(Predicate<String> matching, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(matching, "matching");
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      for (int checked = 0; ; ) {
        for (; checked < lines.size(); checked++) {
          if (matching.test(lines.get(checked))) {
            return lines.get(checked);
          }
        }
        waitOrFail(deadline, timeout, "the awaited line");
      }
    }
  }

  /**
   * Waits until the child printed a line equal to {@code line} (including lines printed before the
   * call).
   *
   * @param line the exact line wanted
   * @param timeout how long to wait
   * @throws AssertionError when the timeout passes or the output ends first
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitLine(String line, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(line, "line");
    awaitLine(line::equals, timeout);
  }

  /**
   * Takes the next line not yet taken by this method, in order, waiting for one to arrive.
   *
   * @param timeout how long to wait
   * @return the line; empty when none arrived in time or the output ended with every line taken
   *     (tell them apart with {@link #outputEnded()})
   * @throws InterruptedException when interrupted while waiting
   */
  public Optional<String> pollLine(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (taken == lines.size()) {
        long left = deadline - System.nanoTime();
        if (outputEnded || left <= 0) {
          return Optional.empty();
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return Optional.of(lines.get(taken++));
    }
  }

  /** Called holding the monitor: waits for more output, or fails once it ended or time is up. */
  private void waitOrFail(long deadline, Duration timeout, String what)
      throws InterruptedException {
    long left = deadline - System.nanoTime();
    if (outputEnded) {
      throw new AssertionError(
          this + " ended (" + exitDescription() + ") before printing " + what + "; " + describe());
    }
    if (left <= 0) {
      throw new AssertionError(
          this + " did not print " + what + " within " + timeout + "; " + describe());
    }
    TimeUnit.NANOSECONDS.timedWait(this, left);
  }

  /**
   * Waits for the child to exit on its own and for its output to be read.
   *
   * @param timeout how long to wait
   * @return its exit code
   * @throws AssertionError when it is still running after the timeout
   * @throws InterruptedException when interrupted while waiting
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError(this + " did not exit within " + timeout + "; " + describe());
    }
    reader.join(REAP_TIMEOUT.toMillis());
    return process.exitValue();
  }

  /**
   * Waits for the child to exit with code 0 and for its output to be read.
   *
   * @param timeout how long to wait
   * @throws AssertionError when it is still running after the timeout or exits with another code
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitSuccess(Duration timeout) throws InterruptedException {
    int code = awaitExit(timeout);
    if (code != 0) {
      throw new AssertionError(this + " exited with " + code + "; " + describe());
    }
  }

  /**
   * Kills the child with SIGKILL (no shutdown hooks, no {@code finally}, open files and connections
   * die with the process) and waits until it is gone and its output is read, so {@link #lines()}
   * then holds everything it printed.
   *
   * @throws AssertionError when the process is still there a minute later
   * @throws InterruptedException when interrupted while waiting
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(REAP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError(this + " was still running " + REAP_TIMEOUT + " after SIGKILL");
    }
    reader.join(REAP_TIMEOUT.toMillis());
  }

  /**
   * @return the child's stderr so far, or a note saying why it cannot be read
   */
  public String stderr() {
    try {
      return Files.readString(stderr, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(stderr file " + stderr + " unreadable: " + e + ")";
    }
  }

  /**
   * @return the stderr file
   */
  public Path stderrFile() {
    return stderr;
  }

  /**
   * @return the last lines of output and of stderr, as failure messages show them
   */
  public String describe() {
    List<String> all = lines();
    String err = stderr();
    return "last lines "
        + all.subList(Math.max(0, all.size() - 5), all.size())
        + ", stderr ("
        + stderr
        + "): "
        + (err.length() > 4000 ? "..." + err.substring(err.length() - 4000) : err);
  }

  private String exitDescription() {
    return process.isAlive() ? "still running" : "exit code " + process.exitValue();
  }

  /** Kills the child if it still runs and waits (up to a minute) for it to be gone. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(REAP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "child " + name + " (pid " + process.pid() + ")";
  }
}
