package dev.runs.cli.internal;

import dev.runs.cli.RunsCli;
import dev.runs.http.RunsHttpServer;
import dev.runs.mcp.RunsMcpServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runs serve}: the HTTP API and run viewer over the store until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the HTTP API and the run viewer over the store until Ctrl-C.",
      "Workflows on --classpath can be started over HTTP too."
    })
final class ServeCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port (0 picks a free one; default 8080).")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
  String bind = "127.0.0.1";

  @Option(
      names = "--mcp",
      description = "Also serve MCP (streamable HTTP) at /mcp, beside the API.")
  boolean mcp;

  ServeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (port < 0 || port > 65_535) {
      throw CliException.usage("--port must be 0 to 65535 but was " + port);
    }
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (address.isUnresolved()) {
      throw CliException.usage(
          "--bind: '" + bind + "' is not an address of this machine; e.g. 127.0.0.1 or 0.0.0.0");
    }
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, "runs-serve-stop");
    RunsHttpServer.Builder http = RunsHttpServer.builder(cli.orchestrator()).address(address);
    if (mcp) {
      try (RunsMcpServer mcpServer = RunsMcpServer.builder(cli.store()).build()) {
        serve(http.mount("/mcp", mcpServer.httpHandler()), hook, stop);
      }
    } else {
      serve(http, hook, stop);
    }
    return RunsCli.OK;
  }

  private void serve(RunsHttpServer.Builder http, Thread hook, CountDownLatch stop) {
    try (RunsHttpServer server = http.start()) {
      Runtime.getRuntime().addShutdownHook(hook);
      cli.out.println("serving " + cli.storeLabel() + " at " + server.uri() + " (Ctrl-C stops)");
      if (mcp) {
        cli.out.println("MCP endpoint at " + server.uri().resolve("/mcp"));
      }
      cli.out.flush();
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is running
      }
    }
  }
}
