package dev.runs.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The streamable HTTP transport on a real JDK server, with the SDK's client and server. */
@Timeout(60)
final class JdkStreamableTransportTest {
  /**
   * The SDK sends a response from the thread that handled the request, and reactor interrupts such
   * a worker thread when it cancels its task; a socket channel written by an interrupted thread
   * closes itself. The transport used to write there, so now and then a JSON-RPC error reached the
   * client as a cut chunked stream ({@code IOException: chunked transfer encoding}). A tool that
   * interrupts its own thread makes that happen every time, unless only the exchange's own thread
   * writes.
   */
  @Test
  void responseSentFromAnInterruptedThread_reachesTheClient() throws Exception {
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
    JdkStreamableTransport transport = new JdkStreamableTransport(json, 1 << 20, "principal");
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService threads = Executors.newCachedThreadPool();
    http.setExecutor(threads);
    http.createContext("/mcp", transport);
    http.start();
    McpSchema.Tool tool = McpSchema.Tool.builder("interrupting", Map.of("type", "object")).build();
    McpSyncServer server =
        McpServer.sync(transport)
            .serverInfo("test", "1")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(
                SyncToolSpecification.builder()
                    .tool(tool)
                    .callHandler(
                        (exchange, request) -> {
                          Thread.currentThread().interrupt();
                          return McpSchema.CallToolResult.builder()
                              .addTextContent("answered")
                              .build();
                        })
                    .build())
            .jsonMapper(json)
            .build();
    String base = "http://127.0.0.1:" + http.getAddress().getPort();
    McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(base)
                    .endpoint("/mcp")
                    .jsonMapper(json)
                    .build())
            .requestTimeout(Duration.ofSeconds(20))
            .build();
    try {
      client.initialize();
      for (int i = 0; i < 20; i++) {
        McpSchema.CallToolResult r =
            client.callTool(
                McpSchema.CallToolRequest.builder("interrupting").arguments(Map.of()).build());
        assertThat(((McpSchema.TextContent) r.content().get(0)).text()).isEqualTo("answered");
      }
    } finally {
      client.closeGracefully();
      server.closeGracefully();
      http.stop(0);
      threads.shutdownNow();
    }
  }

  /**
   * A client that reads nothing: the stream holds {@value JdkStreamableTransport#MAX_QUEUED}
   * messages for it, refuses the next with an error that says why, and is closed; once the client
   * reads again, its pump writes what it held and ends at once, without waiting for the next
   * keep-alive.
   */
  @Test
  void aClientThatReadsNothing_getsItsStreamClosedAtTheQueueLimit() throws Exception {
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
    JdkStreamableTransport transport = new JdkStreamableTransport(json, 1 << 20, "principal");
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch reads = new CountDownLatch(1);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    OutputStream client =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            stuck.countDown();
            try {
              reads.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
            synchronized (received) {
              received.write(b, off, len);
            }
          }
        };
    JdkStreamableTransport.SseStream stream = transport.new SseStream(client);
    Thread pump = new Thread(() -> stream.pumpUntil(null, Duration.ofMinutes(10)));
    pump.start();
    McpSchema.JSONRPCNotification note =
        new McpSchema.JSONRPCNotification("2.0", "notifications/message", Map.of("n", 1));
    stream.sendMessage(note).block(); // the pump takes it and waits on the client
    assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < JdkStreamableTransport.MAX_QUEUED; i++) {
      stream.sendMessage(note).block();
    }

    assertThatThrownBy(() -> stream.sendMessage(note).block())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("the client reads none of the 10000 messages waiting for it");
    assertThatThrownBy(() -> stream.sendMessage(note).block())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("the event stream is closed");

    reads.countDown();
    pump.join(TimeUnit.SECONDS.toMillis(30)); // not the 10 minutes of the next keep-alive
    assertThat(pump.isAlive()).isFalse();
    String text;
    synchronized (received) {
      text = received.toString(StandardCharsets.UTF_8);
    }
    assertThat(text.split("event: message\n", -1)).hasSize(JdkStreamableTransport.MAX_QUEUED + 2);
  }
}
