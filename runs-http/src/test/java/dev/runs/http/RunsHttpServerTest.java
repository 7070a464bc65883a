package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starting, addressing and closing the server. */
@Timeout(60)
final class RunsHttpServerTest {
  private static final int OVERSIZED_TRIES = 10;

  private RunStore store;
  private RunOrchestrator orchestrator;

  @BeforeEach
  void open() {
    store = RunStores.open("memory:");
    orchestrator = RunOrchestrator.builder(store).workflow("noop", "1", ctx -> null).build();
  }

  @AfterEach
  void closeAll() {
    orchestrator.close();
    store.close();
  }

  @Test
  void start_bindsLoopbackOnAFreePort_andServesTheViewer() throws Exception {
    try (RunsHttpServer server = RunsHttpServer.start(orchestrator)) {
      assertThat(server.port()).isPositive();
      assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(server.uri().toString()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(server.uri()).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void requestsOnOneConnection_neverWaitForTheClientsDelayedAcknowledgement() throws Exception {
    // with Nagle's algorithm on the server's sockets, the body written after a response's headers
    // waits for the client's delayed ACK: at least 40 ms on Linux, on every request. The fastest
    // of twenty requests on one kept-alive connection shows whether that wait is there
    try (RunsHttpServer server = RunsHttpServer.start(orchestrator)) {
      assertThat(System.getProperty(RunsHttpServer.NODELAY_PROPERTY)).isEqualTo("true");
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest post =
          HttpRequest.newBuilder(server.uri().resolve("/runs"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"workflow\": \"unknown\"}"))
              .build();
      long fastest = Long.MAX_VALUE;
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(post, HttpResponse.BodyHandlers.ofString());
        fastest = Math.min(fastest, System.nanoTime() - t0);
        assertThat(r.statusCode()).isBetween(400, 499);
      }
      assertThat(Duration.ofNanos(fastest)).isLessThan(Duration.ofMillis(30));
    }
  }

  @Test
  void start_onAGivenAddress_listensThere_andCloseStopsListening() {
    RunsHttpServer server =
        RunsHttpServer.start(
            orchestrator, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Http http = new Http(server.uri());
    assertThat(http.get("/workflows").json().path("workflows").get(0).path("name").asText())
        .isEqualTo("noop");
    server.close();
    server.close();
    assertThatThrownBy(() -> http.get("/workflows")).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void start_onAPortInUse_failsNamingTheAddress() {
    try (RunsHttpServer first = RunsHttpServer.start(orchestrator)) {
      assertThatThrownBy(() -> RunsHttpServer.builder(orchestrator).port(first.port()).start())
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + first.port());
    }
  }

  @Test
  void aHostExecutor_runsTheRequests_andIsNotShutDown() {
    AtomicInteger tasks = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      try (RunsHttpServer server =
          RunsHttpServer.builder(orchestrator)
              .executor(
                  r -> {
                    tasks.incrementAndGet();
                    pool.execute(r);
                  })
              .heartbeatInterval(Duration.ofSeconds(1))
              .maxBodyBytes(1000)
              .start()) {
        assertThat(new Http(server.uri()).get("/workflows").status()).isEqualTo(200);
      }
      assertThat(tasks.get()).isPositive();
      assertThat(pool.isShutdown()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A body over the limit is refused before it is read; the client is still sending it when the
   * answer goes out. Unless the server reads the rest before it closes the connection, the reset
   * that unread bytes cause can destroy the 413 in the client's receive buffer (about 3 in 10 for
   * java.net.http on loopback), so each way of sending is tried ten times.
   */
  @Test
  void oversizedBody_withContentLengthOrChunked_isAnswered413EveryTime() {
    byte[] body = new byte[2 * 1024 * 1024];
    Arrays.fill(body, (byte) 'x');
    body[0] = '"';
    body[body.length - 1] = '"';
    try (RunsHttpServer server = RunsHttpServer.start(orchestrator)) {
      Http http = new Http(server.uri());
      for (int i = 0; i < OVERSIZED_TRIES; i++) {
        assertTooLarge(
            http,
            HttpRequest.BodyPublishers.ofByteArray(body),
            "with Content-Length, try " + (i + 1));
        assertTooLarge(
            http,
            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)),
            "chunked, try " + (i + 1));
      }
    }
    assertThat(orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
  }

  private static void assertTooLarge(Http http, HttpRequest.BodyPublisher body, String what) {
    Http.Response r;
    try {
      r = http.send(http.request("/runs", "Content-Type", "application/json").POST(body).build());
    } catch (UncheckedIOException e) {
      throw new AssertionError("no 413 for the 2 MiB body sent " + what + ": " + e.getCause(), e);
    }
    JsonNode p = assertProblem(r, 413, "payload-too-large");
    assertThat(p.path("limit_bytes").asLong())
        .as(what)
        .isEqualTo(RunsHttpServer.DEFAULT_MAX_BODY_BYTES);
  }

  @Test
  void builder_rejectsBadSettings() {
    RunsHttpServer.Builder b = RunsHttpServer.builder(orchestrator);
    assertThatThrownBy(() -> b.maxBodyBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> b.heartbeatInterval(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("heartbeatInterval");
    assertThatThrownBy(() -> b.port(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port");
    assertThatThrownBy(() -> b.address(InetSocketAddress.createUnresolved("example.invalid", 80)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unresolved");
    assertThatThrownBy(() -> RunsHttpServer.builder(null)).isInstanceOf(NullPointerException.class);
  }
}
