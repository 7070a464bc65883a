package dev.runs.mcp.internal;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Wraps a transport provider so that each session hands its transport one message at a time. The
 * SDK's stdio transport queues outgoing messages in a sink that refuses concurrent emission and
 * gives up after a short busy loop; a resource-updated notice sent from the change notifier's
 * thread while a response is sent from a request thread could then be dropped, and the client would
 * wait for that response until it timed out. Thread-safe.
 */
public final class SerialSendProvider implements McpServerTransportProvider {
  private final McpServerTransportProvider delegate;

  /**
   * @param delegate the provider whose sessions' sends are serialized
   */
  public SerialSendProvider(McpServerTransportProvider delegate) {
    this.delegate = delegate;
  }

  @Override
  public void setSessionFactory(McpServerSession.Factory factory) {
    delegate.setSessionFactory(transport -> factory.create(new Serial(transport)));
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    return delegate.notifyClients(method, params);
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    return delegate.notifyClient(sessionId, method, params);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return delegate.closeGracefully();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public List<String> protocolVersions() {
    return delegate.protocolVersions();
  }

  /** A session transport that subscribes to one send at a time. */
  static final class Serial implements McpServerTransport {
    private final McpServerTransport inner;
    private final Object lock = new Object();

    Serial(McpServerTransport inner) {
      this.inner = inner;
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return Mono.create(
          sink -> {
            synchronized (lock) {
              inner.sendMessage(message).subscribe(v -> {}, sink::error, sink::success);
            }
          });
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
      return inner.unmarshalFrom(data, type);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return inner.closeGracefully();
    }

    @Override
    public void close() {
      inner.close();
    }

    @Override
    public List<String> protocolVersions() {
      return inner.protocolVersions();
    }
  }
}
