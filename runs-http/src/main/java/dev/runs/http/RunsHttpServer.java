package dev.runs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.runs.RunOrchestrator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and Server-Sent Events API over a {@link RunOrchestrator}, with the run viewer at {@code
 * /}, on the JDK's built-in HTTP server ({@code com.sun.net.httpserver}); no web framework.
 *
 * <pre>{@code
 * try (RunsHttpServer server = RunsHttpServer.start(orchestrator)) {   // 127.0.0.1, free port
 *   System.out.println("viewer at " + server.uri());
 *   ...
 * }
 * }</pre>
 *
 * <p>It binds to {@code 127.0.0.1} unless told otherwise. Without an {@link Authenticator} anyone
 * who can reach the address can start and cancel runs; the server then logs one warning saying so,
 * and on a loopback address it answers only requests for {@code localhost}, {@code 127.0.0.1} or
 * {@code [::1]} (a web page cannot reach it through DNS rebinding). The endpoints, their bodies and
 * the problem types are described in {@code docs/http.md}.
 *
 * <p>Each request, and each open event stream, occupies one thread of the server's executor for its
 * duration: the default executor grows to {@value #DEFAULT_MAX_THREADS} threads and refuses
 * (closes) connections beyond that; give the builder an executor to size it otherwise.
 *
 * <p>Thread-safe. {@link #close()} ends open event streams, waits briefly for requests in flight,
 * stops listening and releases the threads; the orchestrator stays open.
 */
public final class RunsHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunsHttpServer.class);

  /** Largest request body accepted by default: 1 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /** Default silence after which an event stream sends a comment line: 15 seconds. */
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

  /** Threads of the default executor. */
  public static final int DEFAULT_MAX_THREADS = 200;

  /**
   * The {@link HttpExchange} attribute under which a {@linkplain Builder#mount mounted handler}
   * finds the principal the {@link Authenticator} named (a {@code String}); absent without an
   * authenticator.
   */
  public static final String PRINCIPAL_ATTRIBUTE = "dev.runs.http.principal";

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** The JDK server's switch for {@code TCP_NODELAY} on its connections, read once per JVM. */
  static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private static final AtomicInteger SERVERS = new AtomicInteger();

  private final HttpServer server;
  private final RunsApi api;
  private final JdkTransport transport;
  private final @Nullable ExecutorService ownedExecutor;
  private final InetSocketAddress address;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Turns off Nagle's algorithm on the JDK server's connections, unless the host chose: with it on,
   * the body written after a response's headers waits for the client's delayed acknowledgement,
   * some 40 ms per request on Linux. The JDK reads the property when its first server in the JVM is
   * created, so a host that created one before (without the property) keeps Nagle's algorithm.
   */
  private static void noDelay() {
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
  }

  private RunsHttpServer(Builder b) {
    boolean loopback = b.address.getAddress() != null && b.address.getAddress().isLoopbackAddress();
    this.api =
        new RunsApi(
            b.orchestrator,
            b.authenticator,
            b.maxBodyBytes,
            b.heartbeat,
            loopback && b.authenticator.isEmpty());
    this.transport = new JdkTransport(api);
    noDelay();
    try {
      this.server = HttpServer.create(b.address, 0);
    } catch (IOException e) {
      String host =
          b.address.getAddress() != null
              ? b.address.getAddress().getHostAddress()
              : b.address.getHostString();
      throw new UncheckedIOException(
          "cannot listen on "
              + host
              + ":"
              + b.address.getPort()
              + " ("
              + e.getMessage()
              + "); choose another address or port 0 for a"
              + " free one",
          e);
    }
    if (b.executor != null) {
      this.ownedExecutor = null;
      server.setExecutor(b.executor);
    } else {
      this.ownedExecutor = defaultExecutor();
      server.setExecutor(ownedExecutor);
    }
    server.createContext("/", transport);
    AccessGuard guard = new AccessGuard(b.authenticator, loopback && b.authenticator.isEmpty());
    b.mounts.forEach(
        (path, handler) -> server.createContext(path, new MountedHandler(path, handler, guard)));
    server.start();
    this.address = server.getAddress();
    log.info("runs http API listening on {}", uri());
    if (b.authenticator.isEmpty()) {
      log.warn(
          "runs http API on {} is UNAUTHENTICATED: anyone who can reach it can read runs and start"
              + " and cancel them; set RunsHttpServer.builder(orchestrator).authenticator(...)"
              + " unless the address is private to you",
          uri());
    }
  }

  /**
   * Starts a server on {@code 127.0.0.1} and a free port with the default settings.
   *
   * @param orchestrator the orchestrator to serve
   * @return the running server
   * @throws UncheckedIOException when it cannot listen
   */
  public static RunsHttpServer start(RunOrchestrator orchestrator) {
    return builder(orchestrator).start();
  }

  /**
   * Starts a server on an address with the default settings.
   *
   * @param orchestrator the orchestrator to serve
   * @param address where to listen; port 0 picks a free one
   * @return the running server
   * @throws UncheckedIOException when it cannot listen there
   */
  public static RunsHttpServer start(RunOrchestrator orchestrator, InetSocketAddress address) {
    return builder(orchestrator).address(address).start();
  }

  /**
   * @param orchestrator the orchestrator to serve
   * @return a builder for a server on {@code 127.0.0.1} and a free port
   */
  public static Builder builder(RunOrchestrator orchestrator) {
    return new Builder(orchestrator);
  }

  /**
   * @return the port it listens on
   */
  public int port() {
    return address.getPort();
  }

  /**
   * @return the address it listens on
   */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * @return the base URI, e.g. {@code http://127.0.0.1:54321/}; a wildcard address is given as the
   *     loopback address
   */
  public URI uri() {
    InetAddress a = address.getAddress();
    if (a == null || a.isAnyLocalAddress()) {
      a = InetAddress.getLoopbackAddress();
    }
    String host = a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    return URI.create("http://" + host + ":" + address.getPort() + "/");
  }

  /**
   * @return how many event streams are open now (for tests and diagnostics)
   */
  int openStreamCount() {
    return api.openStreams();
  }

  /** Ends open event streams, stops listening and releases its threads. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    api.stopStreams();
    try {
      if (!transport.awaitIdle(CLOSE_WAIT)) {
        log.debug(
            "runs http API on {} - {} requests still in flight at close",
            uri(),
            transport.inFlight());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
    log.info("runs http API on {} closed", uri());
  }

  private static ExecutorService defaultExecutor() {
    int server = SERVERS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            0,
            DEFAULT_MAX_THREADS,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "runs-http-" + server + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    return pool;
  }

  /** Builds and starts a {@link RunsHttpServer}. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private final RunOrchestrator orchestrator;
    private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private Optional<Authenticator> authenticator = Optional.empty();
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration heartbeat = DEFAULT_HEARTBEAT;
    private @Nullable Executor executor;
    private final Map<String, HttpHandler> mounts = new LinkedHashMap<>();

    private Builder(RunOrchestrator orchestrator) {
      this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
    }

    /**
     * @param value where to listen (default {@code 127.0.0.1}, port 0 = a free port); a wildcard
     *     address exposes the API to the network, so set an {@link Authenticator} too
     * @return this builder
     */
    public Builder address(InetSocketAddress value) {
      Objects.requireNonNull(value, "address");
      if (value.isUnresolved()) {
        throw new IllegalArgumentException(
            "address " + value + " is unresolved; resolve the host name first");
      }
      this.address = value;
      return this;
    }

    /**
     * @param value the port on {@code 127.0.0.1}, 0 for a free one
     * @return this builder
     */
    public Builder port(int value) {
      if (value < 0 || value > 65_535) {
        throw new IllegalArgumentException("port must be 0 to 65535 but was " + value);
      }
      this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), value);
      return this;
    }

    /**
     * @param value checks every API request (default none: the API is open, and a warning is
     *     logged)
     * @return this builder
     */
    public Builder authenticator(Authenticator value) {
      this.authenticator = Optional.of(Objects.requireNonNull(value, "authenticator"));
      return this;
    }

    /**
     * @param value the largest request body accepted, 1 byte to 1 GiB (default 1 MiB); larger ones
     *     are answered {@code 413}, after the server has read and discarded up to 4 MiB more of
     *     them so that the answer is not lost to a connection reset (a larger excess gets {@code
     *     Connection: close} and may still be reset; see {@code docs/http.md})
     * @return this builder
     */
    public Builder maxBodyBytes(long value) {
      if (value < 1 || value > 1024L * 1024 * 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be 1 to 1 GiB but was " + value);
      }
      this.maxBodyBytes = value;
      return this;
    }

    /**
     * @param value how long an event stream stays silent before it sends a comment line that keeps
     *     proxies from closing it, 10 ms to 10 minutes (default 15 s)
     * @return this builder
     */
    public Builder heartbeatInterval(Duration value) {
      Objects.requireNonNull(value, "heartbeatInterval");
      if (value.compareTo(Duration.ofMillis(10)) < 0
          || value.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(
            "heartbeatInterval must be 10 ms to 10 minutes but was " + value);
      }
      this.heartbeat = value;
      return this;
    }

    /**
     * @param value runs the server's requests; each request and each open event stream holds one of
     *     its threads. The server never shuts it down.
     * @return this builder
     */
    public Builder executor(Executor value) {
      this.executor = Objects.requireNonNull(value, "executor");
      return this;
    }

    /**
     * Serves another protocol beside the API under a path, such as an MCP endpoint at {@code /mcp}.
     * The handler gets the requests for {@code path} and the paths below it, after the same checks
     * as the API: the {@code Host} rule of an unauthenticated loopback server and the {@link
     * Authenticator}, whose principal it finds in the exchange attribute {@link
     * #PRINCIPAL_ATTRIBUTE}. Refused requests are answered with the API's problem responses and
     * never reach it. It runs on the server's executor and must close each exchange.
     *
     * @param path an absolute path of lowercase letters, digits, {@code -}, {@code _} and {@code .}
     *     segments, e.g. {@code /mcp}; not one of the API's ({@code /runs}, {@code /workflows},
     *     {@code /recommendations}, {@code /viewer})
     * @param handler the handler
     * @return this builder
     * @throws IllegalArgumentException when the path is malformed, taken by the API or mounted
     *     already
     */
    public Builder mount(String path, HttpHandler handler) {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(handler, "handler");
      if (!path.matches("(/[a-z0-9][a-z0-9._-]*)+")) {
        throw new IllegalArgumentException(
            "mount path must be absolute, of lowercase segments such as /mcp, but was '"
                + path
                + "'");
      }
      String first = path.substring(1).split("/", -1)[0];
      if (Set.of("runs", "workflows", "recommendations", "viewer").contains(first)) {
        throw new IllegalArgumentException(
            "mount path " + path + " is inside the API's /" + first + "; choose another path");
      }
      if (mounts.containsKey(path)) {
        throw new IllegalArgumentException("a handler is mounted at " + path + " already");
      }
      mounts.put(path, handler);
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the running server
     * @throws UncheckedIOException when it cannot listen on the address
     */
    public RunsHttpServer start() {
      return new RunsHttpServer(this);
    }
  }
}
