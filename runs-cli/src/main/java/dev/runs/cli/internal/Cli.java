package dev.runs.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runs.ConflictException;
import dev.runs.PreflightRefusedException;
import dev.runs.RunActiveException;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.StoreConfigurationException;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import dev.runs.cli.RunsCli;
import dev.runs.spi.StoreLocation;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * One invocation of the tool: its streams, environment, global options, and the store and
 * orchestrator it opened (closed at the end). Commands get it through their constructor. Used by
 * one thread.
 */
public final class Cli {
  /** How results are printed. */
  enum Output {
    TABLE,
    JSON,
    NDJSON
  }

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  final InputStream in;
  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;
  final boolean terminal;

  @Nullable String storeUri;
  Output output = Output.TABLE;
  boolean verbose;
  boolean noColor;
  @Nullable String classpath;

  @Nullable RunStoreOptions storeOptions;

  private @Nullable RunStore store;
  private final List<AutoCloseable> afterStore = new ArrayList<>();
  private @Nullable RunOrchestrator orchestrator;
  private @Nullable Workflows loader;

  /**
   * @param in confirmations
   * @param out results
   * @param err errors and progress
   * @param env the environment
   * @param terminal whether output is an interactive terminal
   */
  public Cli(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.terminal = terminal;
  }

  /**
   * Tells whether standard output is an interactive terminal: a console is attached and, on JDK 22
   * and later, {@code Console.isTerminal()} says so.
   *
   * @return true for an interactive terminal
   */
  // the null check is for JDK 17 to 21, where console() is null without a terminal
  @SuppressWarnings("SystemConsoleNull")
  public static boolean consoleIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return Boolean.TRUE.equals(isTerminal.invoke(console));
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Parses and runs one command line, then closes what it opened.
   *
   * @param args the arguments
   * @return the exit code
   */
  public int execute(String... args) {
    CommandLine cmd = commandLine();
    try {
      return cmd.execute(args);
    } finally {
      closeQuietly();
    }
  }

  /**
   * @return the command tree of {@code runs}, for help and completion
   */
  CommandLine commandLine() {
    Factory factory = new Factory(this);
    CommandLine cmd = new CommandLine(new RootCommand(this), factory);
    for (Class<?> sub : RootCommand.SUBCOMMANDS) {
      cmd.addSubcommand(sub);
    }
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cmd.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cmd.setExecutionExceptionHandler((ex, c, parsed) -> report(ex));
    cmd.setParameterExceptionHandler(
        (ex, args) -> {
          String name = ex.getCommandLine().getCommandSpec().qualifiedName();
          // one line: what was wrong, then where the options are
          err.println(
              "runs: "
                  + String.valueOf(ex.getMessage()).strip().replace('\n', ' ')
                  + "; see '"
                  + name
                  + " --help'");
          return RunsCli.USAGE;
        });
    return cmd;
  }

  /**
   * Prints a failure as one line (and its stack trace with {@code --verbose}) and picks its exit
   * code.
   */
  int report(Exception ex) {
    int code;
    String message = String.valueOf(ex.getMessage());
    if (ex instanceof CliException c) {
      code = c.exitCode();
    } else if (ex instanceof RunNotFoundException) {
      code = RunsCli.NOT_FOUND;
    } else if (ex instanceof ValidationException || ex instanceof StoreConfigurationException) {
      code = RunsCli.USAGE;
    } else if (ex instanceof PreflightRefusedException
        || ex instanceof ConflictException
        || ex instanceof RunActiveException) {
      code = RunsCli.FAILURE;
    } else {
      code = RunsCli.FAILURE;
      message = ex.getClass().getSimpleName() + ": " + message;
    }
    boolean hint = !verbose && code == RunsCli.FAILURE && !(ex instanceof CliException);
    err.println(
        "runs: " + message + (hint ? " (run again with --verbose for the stack trace)" : ""));
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    }
    return code;
  }

  // ---- store and ids

  /**
   * @return the store URI from {@code --store} or {@code RUNS_STORE}
   */
  String storeUri() {
    String uri = storeUri != null ? storeUri : env.get("RUNS_STORE");
    if (uri == null || uri.isBlank()) {
      throw CliException.usage(
          "no store given: pass --store URI (e.g. --store sqlite:runs.db or file:./runs) or set"
              + " RUNS_STORE");
    }
    return uri;
  }

  /**
   * @return the store, opened on first use
   */
  RunStore store() {
    if (store == null) {
      try {
        store =
            storeOptions == null
                ? RunStores.open(storeUri())
                : RunStores.open(storeUri(), storeOptions);
      } catch (StoreConfigurationException e) {
        throw CliException.usage("--store (or RUNS_STORE): " + e.getMessage());
      }
    }
    return store;
  }

  String storeLabel() {
    return StoreLocation.redact(storeUri());
  }

  /**
   * Finds a run by its full id or a unique suffix of it.
   *
   * @throws CliException not found (3) or ambiguous (2)
   */
  RunId resolve(String text) {
    if (text.isBlank()) {
      throw CliException.usage("the run id is empty; give a full id or a unique suffix");
    }
    RunStore s = store();
    Optional<RunId> exact = parseId(text);
    if (exact.isPresent() && s.get(exact.get()).isPresent()) {
      return exact.get();
    }
    List<RunId> matches = new ArrayList<>();
    forEachRun(
        RunQuery.builder(),
        e -> {
          if (e.id().value().endsWith(text)) {
            matches.add(e.id());
          }
        });
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      if (exact.isPresent()) {
        var tomb = s.tombstone(exact.get());
        if (tomb.isPresent()) {
          throw CliException.notFound(
              "run "
                  + text
                  + " was deleted at "
                  + tomb.get().deletedAt()
                  + ": "
                  + tomb.get().reason());
        }
      }
      throw CliException.notFound(
          "no run with id or id suffix '"
              + text
              + "' in "
              + storeLabel()
              + "; list the runs with 'runs ls'");
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(matches.size(), 10); i++) {
      b.append(i == 0 ? "" : ", ").append(matches.get(i).value());
    }
    throw CliException.usage(
        "id suffix '"
            + text
            + "' matches "
            + matches.size()
            + " runs ("
            + b
            + (matches.size() > 10 ? ", ..." : "")
            + "); give more characters");
  }

  private static Optional<RunId> parseId(String text) {
    try {
      return Optional.of(RunId.of(text));
    } catch (ValidationException e) {
      return Optional.empty();
    }
  }

  /** Visits every run a query selects, newest first, page by page. */
  void forEachRun(RunQuery.Builder query, Consumer<RunEntry> visitor) {
    String cursor = null;
    do {
      RunQuery.Builder b = query.limit(RunQuery.MAX_LIMIT);
      if (cursor != null) {
        b.cursor(cursor);
      }
      RunPage page = store().list(b.build());
      page.runs().forEach(visitor);
      cursor = page.nextCursor().orElse(null);
    } while (cursor != null);
  }

  /** Closes a resource after the store (an archive the store reads through). */
  void closeAfterStore(AutoCloseable resource) {
    afterStore.add(resource);
  }

  // ---- workflows and the orchestrator

  /**
   * @return an orchestrator over the store with the workflows of {@code --classpath} (or {@code
   *     RUNS_CLASSPATH}) and of the tool's own class path
   */
  RunOrchestrator orchestrator() {
    if (orchestrator == null) {
      RunOrchestrator.Builder b = RunOrchestrator.builder(store());
      workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
      orchestrator = b.build();
    }
    return orchestrator;
  }

  Map<WorkflowRef, Workflow> workflows() {
    return classPath().all();
  }

  /**
   * @return the class path of {@code --classpath} (or {@code RUNS_CLASSPATH}), opened on first use
   */
  Workflows classPath() {
    if (loader == null) {
      String cp = classpath != null ? classpath : env.getOrDefault("RUNS_CLASSPATH", "");
      loader = Workflows.open(cp, classpath != null ? "--classpath" : "RUNS_CLASSPATH");
    }
    return loader;
  }

  // ---- output helpers

  Style style() {
    return new Style(terminal && !noColor && env.get("NO_COLOR") == null);
  }

  void printJson(Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot print JSON: " + e.getMessage(), e);
    }
  }

  void printNdjson(Object value) {
    try {
      out.println(
          JSON.copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot print JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Asks the user to confirm on standard input.
   *
   * @return true when the answer starts with y
   */
  boolean confirm(String question) {
    err.print(question + " [y/N] ");
    err.flush();
    try {
      String line =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      return line != null && line.trim().toLowerCase(Locale.ROOT).startsWith("y");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private void closeQuietly() {
    if (orchestrator != null) {
      orchestrator.close();
      orchestrator = null;
    }
    if (store != null) {
      try {
        store.close();
      } catch (Exception e) {
        if (verbose) {
          err.println("runs: closing the store failed: " + e.getMessage());
        }
      }
      store = null;
    }
    for (AutoCloseable c : afterStore) {
      try {
        c.close();
      } catch (Exception e) {
        if (verbose) {
          err.println("runs: closing " + c + " failed: " + e.getMessage());
        }
      }
    }
    afterStore.clear();
    if (loader != null) {
      loader.close();
      loader = null;
    }
  }

  /** Creates commands with this invocation's context. */
  private static final class Factory implements CommandLine.IFactory {
    private final Cli cli;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    Factory(Cli cli) {
      this.cli = cli;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        return cls.getDeclaredConstructor(Cli.class).newInstance(cli);
      } catch (NoSuchMethodException e) {
        return fallback.create(cls);
      }
    }
  }
}
