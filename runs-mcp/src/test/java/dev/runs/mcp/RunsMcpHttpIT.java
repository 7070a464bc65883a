package dev.runs.mcp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.http.Authenticator;
import dev.runs.http.RunsHttpServer;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted agent over streamable HTTP: the endpoint mounted beside the HTTP API behind a bearer
 * token, each agent a client connection (session) of its own.
 */
@Timeout(180)
final class RunsMcpHttpIT extends AgentScenario {
  private static final String TOKEN = "mcp-test-token-0123456789";

  @TempDir Path dir;
  private String uri;
  private RunStore store;
  private RunOrchestrator orchestrator;
  private RunsMcpServer mcp;
  private RunsHttpServer http;

  @BeforeEach
  void start() {
    uri = "sqlite:" + dir.resolve("runs.db");
    store = RunStores.open(uri);
    orchestrator = RunOrchestrator.builder(store).build();
    mcp = RunsMcpServer.builder(store).build();
    http =
        RunsHttpServer.builder(orchestrator)
            .authenticator(Authenticator.bearerToken(TOKEN, "agent-007"))
            .mount("/mcp", mcp.httpHandler())
            .start();
  }

  @AfterEach
  void stop() {
    closeAgents();
    http.close();
    mcp.close();
    orchestrator.close();
    store.close();
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
    return McpAgent.http(http.uri(), TOKEN);
  }

  @Override
  Optional<String> principal() {
    return Optional.of("agent-007");
  }

  @Test
  void withoutTheToken_theEndpointRefusesTheClient() {
    assertThatThrownBy(() -> McpAgent.http(http.uri(), null)).isNotNull();
    assertThatThrownBy(() -> McpAgent.http(http.uri(), "wrong-token-wrong-token")).isNotNull();
  }
}
