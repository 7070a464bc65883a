package dev.runs.cli.internal;

import dev.runs.cli.RunsCli;
import dev.runs.mcp.RunsMcpServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code runs mcp}: the MCP server over the store, for one client on standard input and output
 * until the client closes its end.
 */
@Command(
    name = "mcp",
    mixinStandardHelpOptions = true,
    description = {
      "Serve one MCP client over standard input and output (newline-delimited JSON-RPC) until it"
          + " closes standard input: agents create runs, emit events and read state through the"
          + " runs_* tools and runs:// resources.",
      "Nothing else is written to standard output. For MCP over HTTP use: runs serve --mcp."
    })
final class McpCommand implements Callable<Integer> {
  private final Cli cli;

  McpCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    try (RunsMcpServer server = RunsMcpServer.builder(cli.store()).build()) {
      server.serveStdio(cli.in, cli.out);
    }
    return RunsCli.OK;
  }
}
