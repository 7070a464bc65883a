package dev.runs.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpHandler;
import dev.runs.EventDraft;
import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.http.Authenticator;
import dev.runs.http.RunsHttpServer;
import dev.runs.mcp.internal.ChangeNotifier;
import dev.runs.mcp.internal.JdkStreamableTransport;
import dev.runs.mcp.internal.McpResources;
import dev.runs.mcp.internal.McpTools;
import dev.runs.mcp.internal.SerialSendProvider;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Model Context Protocol server over a {@link RunStore}: agents in any language create runs,
 * append events and read runs back through MCP tools and resources, into the same ordered,
 * validated, redacted log that hosts write with the Java API.
 *
 * <pre>{@code
 * try (RunStore store = RunStores.open("sqlite:runs.db");
 *     RunsMcpServer mcp = RunsMcpServer.builder(store).build()) {
 *   mcp.serveStdio(System.in, System.out);   // returns when the client closes stdin
 * }
 * }</pre>
 *
 * <p><b>Tools.</b> {@code runs_create_run}, {@code runs_emit_event} (one event or an atomic batch),
 * {@code runs_get_state}, {@code runs_query_events}, {@code runs_list_runs}, {@code runs_cancel},
 * {@code runs_resume_info} and {@code runs_summary}; their input schemas carry the store's event
 * rules. Input the store refuses is answered with a tool error naming the field, and nothing is
 * written.
 *
 * <p><b>Resources.</b> {@code runs://runs/{namespace}}, {@code runs://run/{id}}, {@code
 * runs://run/{id}/events} and {@code runs://run/{id}/state} (ids percent-encoded, {@code /} as
 * {@code %2F}); a client subscribed to one is told when the run changes, also when another process
 * wrote to a store that watches its medium (SQLite, files, PostgreSQL).
 *
 * <p><b>Transports.</b> {@link #serveStdio(InputStream, OutputStream)} serves one client over
 * standard streams; {@link #httpHandler()} is the streamable HTTP endpoint, mounted beside the HTTP
 * API with {@link RunsHttpServer.Builder#mount}, behind its {@link Authenticator}. See {@code
 * docs/mcp.md}.
 *
 * <p>Thread-safe. {@link #close()} ends the sessions and stops watching the store; the store stays
 * open.
 */
public final class RunsMcpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunsMcpServer.class);

  /** The {@code source} of the events the tools append by default. */
  public static final String DEFAULT_EVENT_SOURCE = "mcp";

  /** The most events in one {@code runs_emit_event} call by default. */
  public static final int DEFAULT_MAX_BATCH_EVENTS = 1000;

  /** The largest HTTP request body accepted by default: 4 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;

  /** The default time a tool call may take. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final RunStore store;
  private final McpJsonMapper json;
  private final JsonSchemaValidator schemaValidator;
  private final McpTools tools;
  private final McpResources resources;
  private final ChangeNotifier notifier;
  private final long maxBodyBytes;
  private final Duration requestTimeout;
  private final List<McpSyncServer> servers = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private @Nullable JdkStreamableTransport http;

  private RunsMcpServer(Builder b) {
    this.store = b.store;
    ObjectMapper mapper = new ObjectMapper();
    this.json = new JacksonMcpJsonMapper(mapper);
    this.schemaValidator = new DefaultJsonSchemaValidator(mapper);
    this.tools = new McpTools(store, mapper, b.eventSource, b.maxBatchEvents);
    this.resources = new McpResources(store, mapper);
    this.notifier = new ChangeNotifier(store);
    this.maxBodyBytes = b.maxBodyBytes;
    this.requestTimeout = b.requestTimeout;
  }

  /**
   * @param store the store the tools write to and read from; it stays open when the server closes
   * @return a builder with the defaults
   */
  public static Builder builder(RunStore store) {
    return new Builder(store);
  }

  private <S extends McpServer.SyncSpecification<S>> McpSyncServer configure(
      McpServer.SyncSpecification<S> spec) {
    McpSyncServer server =
        spec.serverInfo("runs", version())
            .instructions(
                "Record your work as a run: runs_create_run once per task (with a unique"
                    + " trigger_id), then runs_emit_event for each step, model call, tool call and"
                    + " output, ending with run.completed or run.failed. Give each event an"
                    + " idempotency_key so that a retried call never writes twice.")
            .capabilities(
                McpSchema.ServerCapabilities.builder().tools(false).resources(true, false).build())
            .tools(tools.specifications())
            .resourceTemplates(resources.specifications())
            .jsonMapper(json)
            .jsonSchemaValidator(schemaValidator)
            // the store checks every append and names the field; the SDK's check would refuse
            // with its validator's wording first, and adds nothing the store does not check
            .validateToolInputs(false)
            .requestTimeout(requestTimeout)
            .build();
    synchronized (servers) {
      servers.add(server);
    }
    notifier.add(server.getAsyncServer());
    return server;
  }

  /**
   * Serves one MCP client over this process's standard input and output; returns when the client
   * closes standard input. Nothing else may write to standard output meanwhile (log to standard
   * error).
   *
   * @throws IllegalStateException when the server is closed
   */
  public void serveStdio() {
    serveStdio(System.in, System.out);
  }

  /**
   * Serves one MCP client over a pair of streams (newline-delimited JSON-RPC), blocking until the
   * input ends or the server is closed.
   *
   * @param in the client's messages
   * @param out where the server's messages go
   * @throws IllegalStateException when the server is closed
   */
  public void serveStdio(InputStream in, OutputStream out) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    checkOpen();
    CountDownLatch ended = new CountDownLatch(1);
    InputStream watched =
        new FilterInputStream(in) {
          @Override
          public int read() throws IOException {
            int c = super.read();
            if (c < 0) {
              ended.countDown();
            }
            return c;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
              n = super.read(b, off, len);
            } catch (IOException e) {
              ended.countDown();
              throw e;
            }
            if (n < 0) {
              ended.countDown();
            }
            return n;
          }
        };
    McpSyncServer server =
        configure(
            McpServer.sync(
                new SerialSendProvider(new StdioServerTransportProvider(json, watched, out))));
    log.info("runs MCP server on stdio over {}", store.location());
    try {
      ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stop(server);
    }
  }

  /**
   * The streamable HTTP endpoint, created on first call. Mount it beside the HTTP API, which gives
   * it the API's {@link Authenticator} and loopback rule:
   *
   * <pre>{@code
   * RunsHttpServer http = RunsHttpServer.builder(orchestrator)
   *     .mount("/mcp", mcp.httpHandler())
   *     .start();   // MCP clients connect to http://127.0.0.1:<port>/mcp
   * }</pre>
   *
   * @return the handler of the endpoint
   * @throws IllegalStateException when the server is closed
   */
  public synchronized HttpHandler httpHandler() {
    checkOpen();
    if (http == null) {
      JdkStreamableTransport t =
          new JdkStreamableTransport(json, maxBodyBytes, RunsHttpServer.PRINCIPAL_ATTRIBUTE);
      configure(McpServer.sync(t));
      http = t;
    }
    return http;
  }

  private void stop(McpSyncServer server) {
    notifier.remove(server.getAsyncServer());
    synchronized (servers) {
      servers.remove(server);
    }
    try {
      server.closeGracefully();
    } catch (RuntimeException e) {
      log.debug("runs MCP server - close failed: {}", e.toString());
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the MCP server is closed");
    }
  }

  /** Ends every session, stops watching the store; the store stays open. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<McpSyncServer> open;
    synchronized (servers) {
      open = new ArrayList<>(servers);
    }
    open.forEach(this::stop);
    notifier.close();
  }

  private static String version() {
    String v = RunsMcpServer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Runs the server from a command line: {@code --store URI} (required), then stdio by default, or
   * {@code --http PORT} to serve the HTTP API with the MCP endpoint at {@code /mcp} on {@code
   * 127.0.0.1}, with {@code --token TOKEN} (or the environment variable {@code RUNS_MCP_TOKEN}) to
   * require {@code Authorization: Bearer TOKEN}.
   *
   * @param args the arguments
   */
  public static void main(String... args) {
    int status = run(args, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  static int run(String[] args, PrintStream err) {
    Optional<String> storeUri = Optional.empty();
    Optional<Integer> port = Optional.empty();
    Optional<String> token = Optional.ofNullable(System.getenv("RUNS_MCP_TOKEN"));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length || !List.of("--store", "--http", "--token").contains(a)) {
        err.println(usage(a.equals("--help") ? "" : "unknown or incomplete argument '" + a + "'"));
        return 2;
      }
      String v = args[++i];
      switch (a) {
        case "--store" -> storeUri = Optional.of(v);
        case "--http" -> {
          try {
            port = Optional.of(Integer.parseInt(v));
          } catch (NumberFormatException e) {
            err.println(usage("--http needs a port number, not '" + v + "'"));
            return 2;
          }
        }
        default -> token = Optional.of(v);
      }
    }
    if (storeUri.isEmpty()) {
      err.println(usage("--store is required, e.g. --store sqlite:runs.db"));
      return 2;
    }
    try (RunStore store = RunStores.open(storeUri.get());
        RunsMcpServer mcp = RunsMcpServer.builder(store).build()) {
      if (port.isEmpty()) {
        mcp.serveStdio();
        return 0;
      }
      try (RunOrchestrator orchestrator = RunOrchestrator.builder(store).build()) {
        RunsHttpServer.Builder b =
            RunsHttpServer.builder(orchestrator)
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.get()))
                .mount("/mcp", mcp.httpHandler());
        if (token.isPresent()) {
          try {
            b.authenticator(Authenticator.bearerToken(token.get(), "mcp-client"));
          } catch (IllegalArgumentException e) {
            err.println(usage("--token: " + e.getMessage()));
            return 2;
          }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread serving = Thread.currentThread();
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      stop.countDown();
                      try {
                        serving.join(5000);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    },
                    "runs-mcp-shutdown"));
        try (RunsHttpServer http = b.start()) {
          err.println("runs MCP endpoint at " + http.uri().resolve("/mcp"));
          stop.await();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static String usage(String problem) {
    return (problem.isEmpty() ? "" : problem + "\n")
        + "usage: java -cp <runs-mcp and a store jar> dev.runs.mcp.RunsMcpServer --store URI"
        + " [--http PORT [--token TOKEN]]";
  }

  /** Builds a {@link RunsMcpServer}. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private final RunStore store;
    private String eventSource = DEFAULT_EVENT_SOURCE;
    private int maxBatchEvents = DEFAULT_MAX_BATCH_EVENTS;
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

    private Builder(RunStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * @param value the {@code source} of the events the tools append (default {@code mcp}), e.g.
     *     {@code agent.planner}
     * @return this builder
     * @throws dev.runs.ValidationException when it is not a valid source
     */
    public Builder eventSource(String value) {
      EventDraft.of(dev.runs.EventTypes.CONSOLE_LINE).withSource(value);
      this.eventSource = value;
      return this;
    }

    /**
     * @param value the most events one {@code runs_emit_event} call may carry, 1 to 10,000 (default
     *     1,000); the store's own limit applies too
     * @return this builder
     */
    public Builder maxBatchEvents(int value) {
      if (value < 1 || value > 10_000) {
        throw new IllegalArgumentException("maxBatchEvents must be 1 to 10000 but was " + value);
      }
      this.maxBatchEvents = value;
      return this;
    }

    /**
     * @param value the largest HTTP request body, 1 KiB to 1 GiB (default 4 MiB)
     * @return this builder
     */
    public Builder maxBodyBytes(long value) {
      if (value < 1024 || value > 1024L * 1024 * 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be 1 KiB to 1 GiB but was " + value);
      }
      this.maxBodyBytes = value;
      return this;
    }

    /**
     * @param value how long one request may take, 1 second to 1 hour (default 60 seconds)
     * @return this builder
     */
    public Builder requestTimeout(Duration value) {
      Objects.requireNonNull(value, "requestTimeout");
      if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "requestTimeout must be 1 second to 1 hour but was " + value);
      }
      this.requestTimeout = value;
      return this;
    }

    /**
     * @return the server, watching the store for changes
     */
    public RunsMcpServer build() {
      return new RunsMcpServer(this);
    }
  }
}
