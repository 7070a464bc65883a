package dev.runs.mcp;

import static dev.runs.mcp.McpAgent.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunId;
import dev.runs.RunState;
import dev.runs.RunStore;
import dev.runs.RunStores;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server in a child JVM started the way an MCP client starts it, over stdio. In the scripted
 * agent each client connection is a server process of its own over the same SQLite file, so the
 * concurrent writers and the subscriber are separate processes.
 */
@Timeout(300)
final class RunsMcpStdioIT extends AgentScenario {
  @TempDir Path dir;
  private String uri;
  private RunStore store;
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    uri = "sqlite:" + dir.resolve("runs.db");
    store = RunStores.open(uri);
  }

  @AfterEach
  void close() {
    closeAgents();
    store.close();
    assertThat(String.join("\n", stderr)).doesNotContain("Exception");
  }

  @Override
  String storeUri() {
    return uri;
  }

  @Override
  RunStore store() {
    return store;
  }

  @Override
  McpAgent connect() {
    return new McpAgent(transport());
  }

  @Override
  Optional<String> principal() {
    return Optional.empty();
  }

  private StdioClientTransport transport() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ServerParameters params =
        ServerParameters.builder(java)
            .args(
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                RunsMcpServer.class.getName(),
                "--store",
                uri)
            .build();
    StdioClientTransport transport = new StdioClientTransport(params, McpAgent.JSON);
    transport.setStdErrorHandler(
        line -> {
          stderr.add(line);
          System.out.println("server: " + line);
        });
    return transport;
  }

  @Test
  void childJvmServer_recordsARun_thatTheStoreReadsBack_andExitsWhenTheClientCloses()
      throws Exception {
    StdioClientTransport transport = transport();
    String runId;
    try (McpAgent agent = new McpAgent(transport)) {
      assertThat(agent.client.getServerInfo().name()).isEqualTo("runs");
      assertThat(agent.client.listTools().tools()).hasSize(TOOLS.size());
      runId =
          agent
              .call("runs_create_run", obj("workflow", "cli-agent", "trigger_id", "stdio-1"))
              .path("run_id")
              .asText();
      JsonNode batch = obj("run_id", runId);
      ((com.fasterxml.jackson.databind.node.ObjectNode) batch)
          .putArray("events")
          .add(obj("type", "console.line", "payload", Map.of("stream", "stdout", "text", "a")))
          .add(obj("type", "tool.call.started", "payload", Map.of("tool_name", "grep")))
          .add(obj("type", "run.completed", "payload", Map.of()));
      JsonNode written = agent.call("runs_emit_event", batch);
      assertThat(written.path("last_sequence").asLong()).isEqualTo(5);
      JsonNode state = agent.call("runs_get_state", obj("run_id", runId));
      RunState expected = store.state(RunId.of(runId));
      assertThat(expected.status().wireName()).isEqualTo("completed");
      assertStateEquals(state, expected);
    }
    transport.awaitForExit();
    List<String> lines = new ArrayList<>(stderr);
    assertThat(lines).anyMatch(l -> l.contains("runs MCP server on stdio"));
  }
}
