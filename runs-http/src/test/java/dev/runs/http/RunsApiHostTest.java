package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An unauthenticated server on a loopback address answers only loopback host names. */
final class RunsApiHostTest {
  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static ApiResponse get(RunsApi api, String host) {
    Map<String, List<String>> headers = host == null ? Map.of() : Map.of("Host", List.of(host));
    return api.handle(
        new ApiRequest(
            "GET", "/workflows", null, headers, () -> new ByteArrayInputStream(new byte[0])));
  }

  @Test
  void loopbackOnly_answersLoopbackNames_andRefusesOthersWith403() {
    RunsApi api = new RunsApi(f.orchestrator, Optional.empty(), 1024, Duration.ofSeconds(1), true);
    for (String host :
        List.of("localhost:8080", "127.0.0.1:8080", "127.0.0.1", "[::1]:8080", "LOCALHOST")) {
      assertThat(get(api, host).status()).as(host).isEqualTo(200);
    }
    for (String host :
        new String[] {"evil.example:8080", "localhost.evil.example", "10.0.0.5:8080", null}) {
      ApiResponse r = get(api, host);
      assertThat(r.status()).as(String.valueOf(host)).isEqualTo(403);
      assertThat(new String(((ApiResponse.Full) r).body(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("urn:runs:problem:forbidden")
          .contains("DNS rebinding");
    }
  }

  @Test
  void withAnAuthenticatorOrAWiderAddress_anyHostIsAnswered() {
    RunsApi api =
        new RunsApi(
            f.orchestrator,
            Optional.of(r -> Optional.of("ops")),
            1024,
            Duration.ofSeconds(1),
            false);
    assertThat(get(api, "runs.example.com").status()).isEqualTo(200);
  }

  /**
   * Sends a raw request with any Host header (java.net.http refuses to set it) and returns the
   * status line.
   */
  private static String rawStatusLine(RunsHttpServer server, String host)
      throws java.io.IOException {
    try (java.net.Socket socket =
        new java.net.Socket(server.address().getAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /workflows HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  @Test
  void theServer_onLoopbackWithoutAuthenticator_refusesForeignHosts_butNotWithOne()
      throws Exception {
    assertThat(rawStatusLine(f.server, "localhost:" + f.server.port())).contains(" 200");
    assertThat(rawStatusLine(f.server, "rebound.example:" + f.server.port())).contains(" 403");
    try (Fixture authed = Fixture.start(b -> b.authenticator(r -> Optional.of("ops")))) {
      assertThat(rawStatusLine(authed.server, "runs.example.com")).contains(" 200");
    }
  }
}
