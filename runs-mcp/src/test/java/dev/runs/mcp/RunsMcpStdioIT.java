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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server in a child JVM started the way an MCP client starts it, over stdio. */
@Timeout(180)
final class RunsMcpStdioIT {
  @TempDir Path dir;

  @Test
  void childJvmServer_recordsARun_thatTheStoreReadsBack() throws Exception {
    String uri = "sqlite:" + dir.resolve("runs.db");
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
    List<String> stderr = new ArrayList<>();
    transport.setStdErrorHandler(stderr::add);
    String runId;
    try (McpAgent agent = new McpAgent(transport)) {
      assertThat(agent.client.getServerInfo().name()).isEqualTo("runs");
      assertThat(agent.client.listTools().tools()).hasSize(7);
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
      JsonNode error =
          agent.fail(
              "runs_emit_event",
              obj("run_id", runId, "type", "tool.call.started", "payload", Map.of()));
      assertThat(error.path("field").asText()).isEqualTo("payload.tool_name");
      JsonNode state = agent.call("runs_get_state", obj("run_id", runId));
      try (RunStore store = RunStores.open(uri)) {
        RunState expected = store.state(RunId.of(runId));
        assertThat(state.path("status").asText()).isEqualTo("completed");
        assertThat(state.path("last_sequence").asLong()).isEqualTo(expected.lastSequence());
        assertThat(state.path("event_count").asLong()).isEqualTo(expected.eventCount());
      }
    }
    transport.awaitForExit();
    assertThat(String.join("\n", stderr)).doesNotContain("Exception");
  }
}
