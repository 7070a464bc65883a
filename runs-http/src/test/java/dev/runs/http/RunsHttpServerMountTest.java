package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A handler mounted beside the API gets the API's access rules. */
@Timeout(60)
final class RunsHttpServerMountTest {
  private static final String TOKEN = "0123456789abcdef-token";

  private RunStore store;
  private RunOrchestrator orchestrator;
  private final HttpClient client = HttpClient.newHttpClient();

  /** Answers 200 with the principal it was given, or "-". */
  private static final HttpHandler ECHO =
      exchange -> {
        Object p = exchange.getAttribute(RunsHttpServer.PRINCIPAL_ATTRIBUTE);
        byte[] body =
            (exchange.getRequestURI().getPath() + " " + (p == null ? "-" : p))
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      };

  @BeforeEach
  void open() {
    store = RunStores.open("memory:");
    orchestrator = RunOrchestrator.builder(store).build();
  }

  @AfterEach
  void closeAll() {
    orchestrator.close();
    store.close();
  }

  private HttpResponse<String> get(RunsHttpServer server, String path, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void mount_withAuthenticator_refusesWithout_andPassesThePrincipal() throws Exception {
    try (RunsHttpServer server =
        RunsHttpServer.builder(orchestrator)
            .authenticator(Authenticator.bearerToken(TOKEN, "agent"))
            .mount("/mcp", ECHO)
            .start()) {
      HttpResponse<String> refused = get(server, "/mcp", null);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).contains("urn:runs:problem:unauthorized");
      assertThat(get(server, "/mcp", "wrong-token-wrong-token").statusCode()).isEqualTo(401);

      HttpResponse<String> ok = get(server, "/mcp/sub", TOKEN);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("/mcp/sub agent");
      assertThat(get(server, "/mcpx", TOKEN).statusCode()).isEqualTo(404);
      assertThat(get(server, "/workflows", TOKEN).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void mount_unauthenticatedLoopback_answersLoopbackHostsOnly() throws Exception {
    try (RunsHttpServer server = RunsHttpServer.builder(orchestrator).mount("/mcp", ECHO).start()) {
      assertThat(get(server, "/mcp", null).body()).isEqualTo("/mcp -");
      assertThat(rawStatusLine(server, "evil.example")).contains("403");
      assertThat(rawStatusLine(server, "localhost")).contains("200");
    }
  }

  @Test
  void mount_malformedTakenOrRepeatedPath_throws() {
    RunsHttpServer.Builder b = RunsHttpServer.builder(orchestrator).mount("/mcp", ECHO);
    assertThatThrownBy(() -> b.mount("/mcp", ECHO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mounted at /mcp already");
    assertThatThrownBy(() -> b.mount("/runs/mcp", ECHO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inside the API's /runs");
    for (String bad : new String[] {"mcp", "/", "/MCP", "/mcp/", "/a//b"}) {
      assertThatThrownBy(() -> b.mount(bad, ECHO))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("mount path");
    }
  }

  private static String rawStatusLine(RunsHttpServer server, String host) throws Exception {
    try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /mcp HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }
  }
}
