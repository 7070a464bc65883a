package dev.runs.mcp.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The MCP streamable HTTP transport on the JDK's {@code com.sun.net.httpserver}: {@code POST}
 * carries client messages (an {@code initialize} request opens a session and is answered with JSON
 * and an {@code Mcp-Session-Id}; other requests are answered with a short event stream holding the
 * response; notifications and responses get {@code 202}), {@code GET} opens the session's listening
 * event stream for server notifications, {@code DELETE} ends the session. Each request and each
 * open stream holds one thread of the HTTP server's executor. Thread-safe.
 */
public final class JdkStreamableTransport
    implements McpStreamableServerTransportProvider, HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(JdkStreamableTransport.class);
  private static final String SESSION_HEADER = "Mcp-Session-Id";
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  private static final byte[] KEEP_ALIVE_COMMENT =
      ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

  /** Wakes a stream's pump without a message. */
  private static final byte[] WAKE = new byte[0];

  /**
   * Messages a stream holds for a client that does not read them; past this the stream is closed
   * (the client opens a new one) instead of holding ever more.
   */
  static final int MAX_QUEUED = 10_000;

  /** A session without an open stream and without requests for this long is closed. */
  static final Duration SESSION_IDLE = Duration.ofHours(1);

  private final McpJsonMapper json;
  private final long maxBodyBytes;
  private final String principalAttribute;
  private final Map<String, McpStreamableServerSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private McpStreamableServerSession.@Nullable Factory factory;

  /**
   * @param json the mapper of the server
   * @param maxBodyBytes the largest request body accepted
   * @param principalAttribute the exchange attribute holding the authenticated principal
   */
  public JdkStreamableTransport(McpJsonMapper json, long maxBodyBytes, String principalAttribute) {
    this.json = json;
    this.maxBodyBytes = maxBodyBytes;
    this.principalAttribute = principalAttribute;
  }

  @Override
  public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
    this.factory = sessionFactory;
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    return Flux.fromIterable(sessions.values())
        .flatMap(
            s ->
                s.sendNotification(method, params)
                    .onErrorResume(
                        e -> {
                          log.debug(
                              "mcp session {} - notification failed: {}", s.getId(), e.toString());
                          return Mono.empty();
                        }))
        .then();
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    McpStreamableServerSession s = sessions.get(sessionId);
    return s == null ? Mono.empty() : s.sendNotification(method, params);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.defer(
        () -> {
          closing.set(true);
          return Flux.fromIterable(sessions.values())
              .flatMap(s -> s.closeGracefully().onErrorResume(e -> Mono.empty()))
              .then(
                  Mono.fromRunnable(
                      () -> {
                        sessions.clear();
                        lastSeen.clear();
                      }));
        });
  }

  /**
   * @return sessions open now
   */
  public int sessionCount() {
    return sessions.size();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (closing.get()) {
        plain(exchange, 503, "the MCP server is shutting down");
        return;
      }
      McpTransportContext context = context(exchange);
      switch (exchange.getRequestMethod()) {
        case "POST" -> post(exchange, context);
        case "GET" -> get(exchange, context);
        case "DELETE" -> delete(exchange);
        default -> {
          exchange.getResponseHeaders().set("Allow", "GET, POST, DELETE");
          plain(exchange, 405, "use POST, GET or DELETE");
        }
      }
    } catch (IOException e) {
      log.debug("mcp {} - the client went away: {}", exchange.getRequestMethod(), e.toString());
    }
  }

  private McpTransportContext context(HttpExchange exchange) {
    Object principal = exchange.getAttribute(principalAttribute);
    return principal instanceof String p
        ? McpTransportContext.create(Map.of(McpTools.PRINCIPAL, p))
        : McpTransportContext.EMPTY;
  }

  private void post(HttpExchange exchange, McpTransportContext context) throws IOException {
    String accept = header(exchange, "Accept").toLowerCase(Locale.ROOT);
    if (!accept.contains("application/json") || !accept.contains("text/event-stream")) {
      plain(exchange, 406, "Accept must list application/json and text/event-stream");
      return;
    }
    byte[] body = readBody(exchange.getRequestBody());
    if (body.length > maxBodyBytes) {
      exchange.getResponseHeaders().set("Connection", "close");
      plain(exchange, 413, "the request body is larger than " + maxBodyBytes + " bytes");
      return;
    }
    McpSchema.JSONRPCMessage message;
    try {
      message = McpSchema.deserializeJsonRpcMessage(json, new String(body, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      plain(exchange, 400, "not a JSON-RPC message: " + e.getMessage());
      return;
    }
    if (message instanceof McpSchema.JSONRPCRequest request
        && request.method().equals(McpSchema.METHOD_INITIALIZE)) {
      initialize(exchange, request);
      return;
    }
    McpStreamableServerSession session = session(exchange);
    if (session == null) {
      return;
    }
    if (message instanceof McpSchema.JSONRPCNotification n) {
      session.accept(n).contextWrite(c -> c.put(McpTransportContext.KEY, context)).block();
      empty(exchange, 202);
    } else if (message instanceof McpSchema.JSONRPCResponse r) {
      session.accept(r).contextWrite(c -> c.put(McpTransportContext.KEY, context)).block();
      empty(exchange, 202);
    } else if (message instanceof McpSchema.JSONRPCRequest request) {
      startStream(exchange);
      SseStream stream = new SseStream(exchange.getResponseBody());
      try {
        CompletableFuture<Void> handled =
            session
                .responseStream(stream)
                .handle(request)
                .contextWrite(c -> c.put(McpTransportContext.KEY, context))
                .toFuture();
        stream.pumpUntil(handled, KEEP_ALIVE);
        if (handled.isCompletedExceptionally()) {
          log.debug("mcp {} - the request ended in an error", request.method());
        }
      } finally {
        stream.finish();
      }
    } else {
      plain(exchange, 400, "unknown JSON-RPC message");
    }
  }

  private void initialize(HttpExchange exchange, McpSchema.JSONRPCRequest request)
      throws IOException {
    McpStreamableServerSession.Factory f = factory;
    if (f == null) {
      plain(exchange, 503, "the MCP server is not ready");
      return;
    }
    McpSchema.InitializeRequest init =
        json.convertValue(request.params(), new TypeRef<McpSchema.InitializeRequest>() {});
    McpStreamableServerSession.McpStreamableServerSessionInit started = f.startSession(init);
    McpSchema.InitializeResult result = started.initResult().block();
    evictIdle();
    sessions.put(started.session().getId(), started.session());
    lastSeen.put(started.session().getId(), System.nanoTime());
    log.debug("mcp session {} - opened", started.session().getId());
    byte[] out =
        json.writeValueAsBytes(
            new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, request.id(), result, null));
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set(SESSION_HEADER, started.session().getId());
    exchange.sendResponseHeaders(200, out.length);
    try (OutputStream o = exchange.getResponseBody()) {
      o.write(out);
    }
  }

  private void get(HttpExchange exchange, McpTransportContext context) throws IOException {
    if (!header(exchange, "Accept").toLowerCase(Locale.ROOT).contains("text/event-stream")) {
      plain(exchange, 406, "Accept must list text/event-stream");
      return;
    }
    McpStreamableServerSession session = session(exchange);
    if (session == null) {
      return;
    }
    startStream(exchange);
    SseStream stream = new SseStream(exchange.getResponseBody());
    McpStreamableServerSession.McpStreamableServerSessionStream listening =
        session.listeningStream(stream);
    try {
      stream.pumpUntil(null, KEEP_ALIVE);
    } finally {
      listening.close();
      stream.finish();
    }
    log.debug("mcp session {} - listening stream closed ({})", session.getId(), context);
  }

  private void delete(HttpExchange exchange) throws IOException {
    McpStreamableServerSession session = session(exchange);
    if (session == null) {
      return;
    }
    sessions.remove(session.getId());
    lastSeen.remove(session.getId());
    session.delete().block();
    log.debug("mcp session {} - deleted", session.getId());
    empty(exchange, 200);
  }

  private @Nullable McpStreamableServerSession session(HttpExchange exchange) throws IOException {
    String id = header(exchange, SESSION_HEADER);
    if (id.isEmpty()) {
      plain(exchange, 400, "the Mcp-Session-Id header is required after initialize");
      return null;
    }
    McpStreamableServerSession s = sessions.get(id);
    if (s == null) {
      plain(exchange, 404, "no MCP session " + id + "; initialize a new one");
    } else {
      lastSeen.put(id, System.nanoTime());
    }
    return s;
  }

  /** Closes sessions that clients left without a DELETE: idle and without an open stream. */
  private void evictIdle() {
    long now = System.nanoTime();
    for (Map.Entry<String, Long> e : List.copyOf(lastSeen.entrySet())) {
      McpStreamableServerSession s = sessions.get(e.getKey());
      if (s == null) {
        lastSeen.remove(e.getKey());
      } else if (now - e.getValue() > SESSION_IDLE.toNanos()
          && !s.hasOpenStream()
          && !s.hasListeningStream()) {
        sessions.remove(e.getKey());
        lastSeen.remove(e.getKey());
        log.debug("mcp session {} - closed after {} idle", e.getKey(), SESSION_IDLE);
        s.closeGracefully()
            .subscribe(v -> {}, x -> log.debug("mcp close failed: {}", x.toString()));
      }
    }
  }

  private byte[] readBody(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[16 * 1024];
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (out.size() <= maxBodyBytes) {
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  private static String header(HttpExchange exchange, String name) {
    String v = exchange.getRequestHeaders().getFirst(name);
    return v == null ? "" : v.strip();
  }

  private static void startStream(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
  }

  private static void empty(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
  }

  private static void plain(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream o = exchange.getResponseBody()) {
      o.write(body);
    }
  }

  /**
   * One open event stream of a response or of a session's listening stream. Only the HTTP server's
   * thread that owns the exchange writes to it ({@link #pumpUntil}): the SDK hands messages over
   * from its own threads ({@link #sendMessage}), and those may be interrupted (reactor interrupts a
   * worker when it cancels the worker's task), while a socket channel written by an interrupted
   * thread closes itself mid-response. The client then saw a cut chunked stream instead of the
   * JSON-RPC error that was on its way.
   */
  final class SseStream implements McpStreamableServerTransport {
    /** What the pump writes next, in order; {@link #WAKE} asks it to look whether to stop. */
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>(MAX_QUEUED);

    private final OutputStream out;
    private final AtomicBoolean closed = new AtomicBoolean();

    SseStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return sendMessage(message, null);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, @Nullable String messageId) {
      return Mono.fromRunnable(
          () -> {
            StringBuilder b = new StringBuilder();
            if (messageId != null) {
              b.append("id: ").append(messageId).append('\n');
            }
            try {
              b.append("event: message\ndata: ")
                  .append(json.writeValueAsString(message))
                  .append("\n\n");
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            if (closed.get()) {
              throw new UncheckedIOException(new IOException("the event stream is closed"));
            }
            if (!queue.offer(b.toString().getBytes(StandardCharsets.UTF_8))) {
              close();
              throw new UncheckedIOException(
                  new IOException(
                      "the client reads none of the " + MAX_QUEUED + " messages waiting for it"));
            }
          });
    }

    /**
     * Writes what is handed over, on the calling thread (the exchange's), until {@code done}
     * completes (everything handed over before it is written by then), or the stream is closed, or
     * the client goes away; a keep-alive comment goes out after each {@code idle} without a
     * message.
     *
     * @param done when the stream's work is over; null for a listening stream, which lasts until it
     *     is closed or the transport shuts down
     * @param idle how long to wait for a message before a keep-alive comment
     */
    void pumpUntil(@Nullable CompletableFuture<Void> done, Duration idle) {
      if (done != null) {
        var unused = done.whenComplete((v, e) -> queue.offer(WAKE)); // after all its messages
      }
      boolean interrupted = Thread.interrupted();
      try {
        while (true) {
          byte[] next = queue.poll();
          if (next == null) {
            // drained: a stream whose work is over ends now, not after the next idle wait (a
            // wake-up offered to a full queue is lost; only a pump that waits needs one)
            if (over(done)) {
              writeRest();
              return;
            }
            next = queue.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
            if (next == null) {
              if (over(done)) {
                writeRest();
                return;
              }
              out.write(KEEP_ALIVE_COMMENT);
              out.flush();
              continue;
            }
          }
          if (next != WAKE) {
            out.write(next);
            out.flush();
          }
        }
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (IOException e) {
        log.debug("mcp event stream - the client went away: {}", e.toString());
      } finally {
        closed.set(true);
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /**
     * Writes what was handed over between the pump's last look at the queue and its seeing the work
     * over (everything handed over is queued by then).
     */
    private void writeRest() throws IOException {
      for (byte[] m; (m = queue.poll()) != null; ) {
        if (m != WAKE) {
          out.write(m);
        }
      }
      out.flush();
    }

    /** Whether the stream's work is over: its request is done, or it is closed. */
    private boolean over(@Nullable CompletableFuture<Void> done) {
      return done != null ? done.isDone() : closed.get() || closing.get();
    }

    /** Ends the stream: what is still queued is dropped, and the response's last chunk written. */
    void finish() {
      closed.set(true);
      queue.clear();
      try {
        out.close();
      } catch (IOException e) {
        log.debug("mcp event stream - close failed: {}", e.toString());
      }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
      return json.convertValue(data, typeRef);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.fromRunnable(this::close);
    }

    /**
     * Takes no more messages; a listening stream's pump stops once what is queued is written, and
     * its thread ends the stream.
     */
    @Override
    public void close() {
      closed.set(true);
      queue.offer(WAKE); // (a full queue keeps the pump busy: it sees the flag once drained)
    }
  }
}
