package dev.runs.cli.internal;

import dev.runs.cli.RunsCli;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code runs completion}: prints the bash/zsh completion script picocli generates. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a bash (and zsh) completion script for runs.",
      "Load it with: source <(runs completion)"
    })
final class CompletionCommand implements Callable<Integer> {
  private final Cli cli;

  CompletionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    cli.out.print(AutoComplete.bash("runs", cli.commandLine()));
    cli.out.flush();
    return RunsCli.OK;
  }
}
