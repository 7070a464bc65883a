package dev.runs.cli.internal;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code runs}: the global options and the list of subcommands. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    versionProvider = RootCommand.Version.class,
    description = "Inspect, follow, operate and move runs in any Runs store.",
    synopsisSubcommandLabel = "COMMAND",
    footer = {
      "",
      "Environment: RUNS_STORE (store URI), RUNS_CLASSPATH (host workflows), NO_COLOR.",
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 verification failed."
    })
final class RootCommand implements Callable<Integer> {
  /** Every subcommand, in the order help lists them. The one place a subcommand is registered. */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ReadCommands.Ls.class,
          ReadCommands.Show.class,
          ReadCommands.Events.class,
          ReadCommands.Tail.class,
          ReadCommands.State.class,
          ReadCommands.Verify.class,
          ReadCommands.Stages.class,
          ReadCommands.Cat.class,
          OperateCommands.Start.class,
          OperateCommands.Cancel.class,
          OperateCommands.Resume.class,
          OperateCommands.Replay.class,
          OperateCommands.Rerun.class,
          MoveCommands.Export.class,
          MoveCommands.Import.class,
          MoveCommands.Archive.class,
          MoveCommands.Delete.class,
          ServeCommand.class,
          McpCommand.class,
          DoctorCommand.class,
          CompletionCommand.class,
          CommandLine.HelpCommand.class);

  private final Cli cli;

  RootCommand(Cli cli) {
    this.cli = cli;
  }

  @Option(
      names = "--store",
      paramLabel = "URI",
      scope = ScopeType.INHERIT,
      description =
          "Store URI, e.g. sqlite:runs.db, file:./runs, postgres://host/db (env RUNS_STORE).")
  void store(String uri) {
    cli.storeUri = uri;
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description = "table (default), json or ndjson.")
  void output(Cli.Output value) {
    cli.output = value;
  }

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of failures.")
  void verbose(boolean value) {
    cli.verbose = value;
  }

  @Option(
      names = "--no-color",
      scope = ScopeType.INHERIT,
      description = "No colour even on a terminal (NO_COLOR does the same).")
  void noColor(boolean value) {
    cli.noColor = value;
  }

  @Option(
      names = "--classpath",
      paramLabel = "PATH",
      scope = ScopeType.INHERIT,
      description =
          "Host jars or class directories with WorkflowProviders, for start, resume, replay, rerun"
              + " and serve (env RUNS_CLASSPATH).")
  void classpath(String value) {
    cli.classpath = value;
  }

  @Override
  public Integer call() {
    cli.commandLine().usage(cli.out);
    return dev.runs.cli.RunsCli.USAGE;
  }

  /** Prints the tool's version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = RootCommand.class.getPackage().getImplementationVersion();
      return new String[] {"runs " + (v == null ? "(development build)" : v)};
    }
  }
}
