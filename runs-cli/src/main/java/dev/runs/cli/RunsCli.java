package dev.runs.cli;

import dev.runs.cli.internal.Cli;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code runs} command-line tool. {@link #main(String[])} runs it as a program and exits with
 * its exit code; {@link #run(String...)} runs it in process with the streams and environment given
 * to the builder, which is how tests and other tools embed it:
 *
 * <pre>{@code
 * ByteArrayOutputStream out = new ByteArrayOutputStream();
 * int code =
 *     RunsCli.builder()
 *         .out(new PrintStream(out, true, StandardCharsets.UTF_8))
 *         .env(Map.of("RUNS_STORE", "sqlite:runs.db"))
 *         .build()
 *         .run("ls", "--status", "failed");
 * }</pre>
 *
 * <p>Exit codes: {@value #OK} success, {@value #FAILURE} failure, {@value #USAGE} usage error (bad
 * option, bad value, ambiguous id), {@value #NOT_FOUND} run not found, {@value
 * #VERIFICATION_FAILED} verification failed. Each call of {@link #run(String...)} parses its
 * arguments afresh, opens the store it names and closes it before returning. An instance may be
 * used by one thread at a time.
 */
public final class RunsCli {
  /** Exit code of a command that did what it was asked. */
  public static final int OK = 0;

  /** Exit code of a command that failed (store unreachable, run failed, refused transition). */
  public static final int FAILURE = 1;

  /** Exit code of bad input: unknown option, malformed value, ambiguous id suffix. */
  public static final int USAGE = 2;

  /** Exit code when a named run does not exist. */
  public static final int NOT_FOUND = 3;

  /** Exit code of {@code runs verify} (and {@code runs doctor}) when a check failed. */
  public static final int VERIFICATION_FAILED = 4;

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final boolean terminal;

  private RunsCli(Builder b) {
    this.in = b.in;
    this.out = b.out;
    this.err = b.err;
    this.env = b.env;
    this.terminal = b.terminal;
  }

  /**
   * Runs the tool as a program: the process's streams and environment, colour and progress bars
   * when standard output is a terminal, then {@link System#exit(int)} with the exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int code = builder().terminal(Cli.consoleIsTerminal()).build().run(args);
    System.exit(code);
  }

  /**
   * @return a builder with the process's streams and environment and no terminal
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs one command line.
   *
   * @param args the arguments after {@code runs}, e.g. {@code "ls", "--limit", "5"}
   * @return the exit code
   */
  public int run(String... args) {
    Objects.requireNonNull(args, "args");
    return new Cli(in, out, err, env, terminal).execute(args);
  }

  /** Builds a {@link RunsCli}. Not thread-safe. */
  public static final class Builder {
    private InputStream in = System.in;
    private PrintStream out = System.out;
    private PrintStream err = System.err;
    private Map<String, String> env = System.getenv();
    private boolean terminal;

    private Builder() {}

    /**
     * @param value where confirmations are read from (default standard input)
     * @return this builder
     */
    public Builder in(InputStream value) {
      this.in = Objects.requireNonNull(value, "in");
      return this;
    }

    /**
     * @param value where results go (default standard output)
     * @return this builder
     */
    public Builder out(PrintStream value) {
      this.out = Objects.requireNonNull(value, "out");
      return this;
    }

    /**
     * @param value where errors and progress go (default standard error)
     * @return this builder
     */
    public Builder err(PrintStream value) {
      this.err = Objects.requireNonNull(value, "err");
      return this;
    }

    /**
     * @param value the environment ({@code RUNS_STORE}, {@code RUNS_CLASSPATH}, {@code NO_COLOR});
     *     default the process's
     * @return this builder
     */
    public Builder env(Map<String, String> value) {
      this.env = Map.copyOf(Objects.requireNonNull(value, "env"));
      return this;
    }

    /**
     * @param value whether output is an interactive terminal: colour (unless {@code NO_COLOR} is
     *     set) and redrawn progress bars (default false)
     * @return this builder
     */
    public Builder terminal(boolean value) {
      this.terminal = value;
      return this;
    }

    /**
     * @return the tool
     */
    public RunsCli build() {
      return new RunsCli(this);
    }
  }
}
