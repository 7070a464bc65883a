package dev.runs.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A scripted MCP agent: the SDK's sync client with helpers that read tool results as JSON. */
final class McpAgent implements AutoCloseable {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JacksonMcpJsonMapper JSON = new JacksonMcpJsonMapper(MAPPER);

  final McpSyncClient client;
  final List<McpSchema.ResourceContents> updates = new CopyOnWriteArrayList<>();

  McpAgent(McpClientTransport transport) {
    Consumer<List<McpSchema.ResourceContents>> onUpdate = updates::addAll;
    this.client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(60))
            .resourcesUpdateConsumer(onUpdate)
            .build();
    client.initialize();
  }

  static McpAgent http(URI base, String token) {
    HttpClientStreamableHttpTransport.Builder b =
        HttpClientStreamableHttpTransport.builder(base.toString())
            .endpoint("/mcp")
            .jsonMapper(JSON);
    if (token != null) {
      b.addHttpRequestCustomizer(
          (request, method, uri, body, context) ->
              request.header("Authorization", "Bearer " + token));
    }
    return new McpAgent(b.build());
  }

  /** Calls a tool and returns its result, which may be an error. */
  McpSchema.CallToolResult raw(String tool, Object args) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = MAPPER.convertValue(args, Map.class);
    return client.callTool(McpSchema.CallToolRequest.builder(tool).arguments(map).build());
  }

  /** Calls a tool that must succeed and returns its structured result. */
  JsonNode call(String tool, Object args) {
    McpSchema.CallToolResult r = raw(tool, args);
    JsonNode body = MAPPER.valueToTree(r.structuredContent());
    assertThat(r.isError()).as("%s %s -> %s", tool, args, body).isFalse();
    return body;
  }

  /** Calls a tool that must fail and returns its structured error. */
  JsonNode fail(String tool, Object args) {
    McpSchema.CallToolResult r = raw(tool, args);
    JsonNode body = MAPPER.valueToTree(r.structuredContent());
    assertThat(r.isError()).as("%s %s -> %s", tool, args, body).isTrue();
    return body;
  }

  JsonNode read(String uri) {
    McpSchema.ReadResourceResult r =
        client.readResource(McpSchema.ReadResourceRequest.builder(uri).build());
    return text(r.contents().get(0));
  }

  static JsonNode text(McpSchema.ResourceContents c) {
    try {
      return MAPPER.readTree(((McpSchema.TextResourceContents) c).text());
    } catch (java.io.IOException e) {
      throw new AssertionError("resource is not JSON: " + c, e);
    }
  }

  static ObjectNode obj(Object... kv) {
    ObjectNode o = MAPPER.createObjectNode();
    for (int i = 0; i < kv.length; i += 2) {
      o.set((String) kv[i], MAPPER.valueToTree(kv[i + 1]));
    }
    return o;
  }

  @Override
  public void close() {
    client.closeGracefully();
  }
}
