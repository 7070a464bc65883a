package dev.runs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.http.RunsHttpServer;
import dev.runs.mcp.RunsMcpServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@code runs_emit_event} batches through the MCP server ({@code runs-mcp}), in
 * events per second, beside a direct {@code RunStore.append} of the same batches. One thread sends
 * batches of {@value #BATCH} {@code console.line} events (300-byte payloads) to its own run in a
 * durable {@code sqlite:} store and waits for each answer.
 *
 * <ul>
 *   <li>{@code direct}: {@code store.append(run, batch)} in this JVM: the ceiling.
 *   <li>{@code http}: the SDK's streamable HTTP client against the server mounted on the JDK HTTP
 *       server of {@code runs-http} in this JVM (loopback).
 *   <li>{@code stdio}: the SDK's stdio client against the server in a child JVM, the way an MCP
 *       client starts it ({@code java -cp ... dev.runs.mcp.RunsMcpServer --store sqlite:...}).
 * </ul>
 *
 * <p>{@code java -jar runs-bench/target/benchmarks.jar McpEmit -f 1 -wi 1 -i 3 -r 3s}; the report
 * ({@link BenchReport}) shows the MCP rows beside the direct append.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx1g"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class McpEmitBenchmark {
  /** Events per call. */
  static final int BATCH = 100;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A store with a started run, and the same batch as drafts and as tool arguments. */
  public abstract static class Base {
    Path dir;
    String uri;
    RunStore store;
    List<EventDraft> drafts;
    Map<String, Object> args;

    void open(String name) {
      dir = Bench.scratch("runs-mcp-" + name + "-");
      uri = "sqlite:" + dir.resolve("bench.db") + "?durability=full";
      store = RunStores.open(uri);
    }

    void prepare(RunId run) {
      drafts = new ArrayList<>();
      List<Map<String, Object>> events = new ArrayList<>();
      for (int i = 0; i < BATCH; i++) {
        drafts.add(Bench.EVENT);
        events.add(
            Map.of("type", Bench.EVENT.type().name(), "payload", Bench.PAYLOAD.toJsonNode()));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> a =
          MAPPER.convertValue(Map.of("run_id", run.value(), "events", events), Map.class);
      args = a;
    }

    RunId startedRun() {
      RunId id = store.create(SqliteBench.record()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      return id;
    }

    void closeStore() {
      store.close();
      Bench.delete(dir);
    }
  }

  /** Direct appends. */
  @State(Scope.Benchmark)
  public static class Direct extends Base {
    RunId run;

    /** Opens the store. */
    @Setup(Level.Trial)
    public void setUp() {
      open("direct");
      run = startedRun();
      prepare(run);
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() {
      closeStore();
    }
  }

  /** The streamable HTTP endpoint in this JVM. */
  @State(Scope.Benchmark)
  public static class Http extends Base {
    RunOrchestrator orchestrator;
    RunsMcpServer mcp;
    RunsHttpServer http;
    McpSyncClient client;

    /** Starts the server and connects. */
    @Setup(Level.Trial)
    public void setUp() {
      open("http");
      orchestrator = RunOrchestrator.builder(store).build();
      mcp = RunsMcpServer.builder(store).build();
      http = RunsHttpServer.builder(orchestrator).mount("/mcp", mcp.httpHandler()).start();
      client =
          connect(
              HttpClientStreamableHttpTransport.builder(http.uri().toString())
                  .endpoint("/mcp")
                  .jsonMapper(new JacksonMcpJsonMapper(MAPPER))
                  .build());
      prepare(startedRun());
    }

    /** Disconnects and stops. */
    @TearDown(Level.Trial)
    public void tearDown() {
      client.closeGracefully();
      http.close();
      mcp.close();
      orchestrator.close();
      closeStore();
    }
  }

  /** The server in a child JVM over stdio. */
  @State(Scope.Benchmark)
  public static class Stdio extends Base {
    McpSyncClient client;

    /** Starts the child and connects. */
    @Setup(Level.Trial)
    public void setUp() {
      open("stdio");
      RunId run = startedRun();
      store.close(); // the child owns the file from here
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ServerParameters params =
          ServerParameters.builder(java)
              .args(
                  "-Xmx512m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  RunsMcpServer.class.getName(),
                  "--store",
                  uri)
              .build();
      client = connect(new StdioClientTransport(params, new JacksonMcpJsonMapper(MAPPER)));
      prepare(run);
    }

    /** Disconnects, which ends the child. */
    @TearDown(Level.Trial)
    public void tearDown() {
      client.closeGracefully();
      Bench.delete(dir);
    }
  }

  static McpSyncClient connect(McpClientTransport transport) {
    McpSyncClient c =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(60))
            .jsonSchemaValidator(new DefaultJsonSchemaValidator(MAPPER))
            .build();
    c.initialize();
    return c;
  }

  static Object call(McpSyncClient client, Map<String, Object> args) {
    McpSchema.CallToolResult r =
        client.callTool(
            McpSchema.CallToolRequest.builder("runs_emit_event").arguments(args).build());
    if (Boolean.TRUE.equals(r.isError())) {
      throw new IllegalStateException("runs_emit_event failed: " + r.content());
    }
    return r.structuredContent();
  }

  /**
   * @param s the store
   * @return the stored events
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object direct(Direct s) {
    return s.store.append(s.run, s.drafts);
  }

  /**
   * @param s the HTTP client
   * @return the tool's result
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object http(Http s) {
    return call(s.client, s.args);
  }

  /**
   * @param s the stdio client
   * @return the tool's result
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object stdio(Stdio s) {
    return call(s.client, s.args);
  }
}
