package dev.runs.archive.s3.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A fault-injecting HTTP/1.1 proxy on loopback, between the SDK and the S3 test server: the SDK
 * signs its requests and the server answers as usual, and in between the proxy passes, corrupts,
 * cuts or answers each request as the test's {@link #rule} says. One request per connection: the
 * proxy sends {@code Connection: close} both ways, so a response ends where the server closes.
 * Every request is recorded ({@link #requests()}) before its fault is applied, so a test counts
 * attempts.
 */
final class FaultProxy implements AutoCloseable {

  /** What to do with one request. */
  enum Kind {
    /** forward both ways unchanged */
    PASS,
    /** flip one bit of the request body's byte at {@code offset} */
    FLIP_REQUEST_BODY,
    /** forward the request body's first {@code offset} bytes, then reset both connections */
    CUT_REQUEST_BODY,
    /** as {@link #CUT_REQUEST_BODY}, then {@link #refuseConnections()}: the server is gone */
    CUT_REQUEST_BODY_AND_STOP,
    /** answer {@code status} with an S3 error document of {@code code}; the server sees nothing */
    RESPOND,
    /** flip one bit of the response body's byte at {@code offset} */
    FLIP_RESPONSE_BODY,
    /** forward the response body's first {@code offset} bytes, then reset the connection */
    CUT_RESPONSE_BODY,
    /** forward the response body's first {@code offset} bytes, then close the connection cleanly */
    END_RESPONSE_BODY,
    /** read the request and never answer */
    STALL
  }

  /**
   * A fault.
   *
   * @param kind what to do
   * @param offset the body offset it applies at
   * @param status the status of {@link Kind#RESPOND}
   * @param code the S3 error code of {@link Kind#RESPOND}
   * @param body the whole XML answer of {@link Kind#RESPOND}, when not an error document of {@code
   *     code}
   * @param responseHeaders headers added to the forwarded response
   */
  record Fault(
      Kind kind,
      long offset,
      int status,
      String code,
      String body,
      Map<String, String> responseHeaders) {
    static Fault pass() {
      return new Fault(Kind.PASS, 0, 0, "", "", Map.of());
    }

    static Fault of(Kind kind, long offset) {
      return new Fault(kind, offset, 0, "", "", Map.of());
    }

    static Fault respond(int status, String code) {
      return new Fault(Kind.RESPOND, 0, status, code, "", Map.of());
    }

    /** Answers with this XML document instead of the server. */
    static Fault reply(int status, String xml) {
      return new Fault(Kind.RESPOND, 0, status, "", xml, Map.of());
    }

    Fault withResponseHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(responseHeaders);
      h.put(name, value);
      return new Fault(kind, offset, status, code, body, h);
    }
  }

  /**
   * A request as the proxy saw it.
   *
   * @param method e.g. {@code PUT}
   * @param target the request target: path and query, as sent
   * @param headers the headers, names in lower case
   */
  record Request(String method, String target, Map<String, String> headers) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }

    boolean isObjectRequest(String method) {
      return this.method.equals(method) && !target.contains("list-type=");
    }
  }

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(FaultProxy::daemon);
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile Function<Request, Fault> rule = r -> Fault.pass();
  private volatile boolean closed;
  private volatile boolean refusing;

  /**
   * Starts the proxy on a free loopback port.
   *
   * @param upstream the server's endpoint, {@code http://host:port}
   */
  FaultProxy(URI upstream) throws IOException {
    this.upstream = new InetSocketAddress(upstream.getHost(), upstream.getPort());
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "fault-proxy");
    t.setDaemon(true);
    return t;
  }

  /**
   * @return the proxy's endpoint, for the archive URI
   */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /**
   * @param next decides the fault of each request from now on
   */
  void rule(Function<Request, Fault> next) {
    rule = next;
  }

  /**
   * @return every request so far, in arrival order
   */
  List<Request> requests() {
    return List.copyOf(requests);
  }

  /**
   * @return the requests of one method to objects (not listings) so far
   */
  List<Request> objectRequests(String method) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      if (r.isObjectRequest(method)) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Refuses every new connection with a TCP reset, as a host whose server stopped does. The port
   * stays bound to the proxy, so no other process on the machine can take it and answer.
   */
  void refuseConnections() {
    refusing = true;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing a server socket does not fail in a way that matters here
    }
    for (Socket s : open) {
      reset(s);
    }
    pool.shutdownNow();
  }

  private void acceptLoop() {
    while (!closed && !server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // stopped
      }
      if (refusing) {
        reset(client);
        continue;
      }
      open.add(client);
      pool.execute(() -> handle(client));
    }
  }

  private void handle(Socket client) {
    Socket up = null;
    try {
      client.setSoTimeout(120_000);
      InputStream cin = client.getInputStream();
      OutputStream cout = client.getOutputStream();
      List<String> head = readHead(cin);
      if (head == null) {
        return;
      }
      String[] line = head.get(0).split(" ", 3);
      Map<String, String> headers = headers(head);
      Request request = new Request(line[0], line.length > 1 ? line[1] : "", headers);
      requests.add(request);
      Fault fault = rule.apply(request);
      if (headers.containsKey("transfer-encoding")) {
        respond(cout, 501, "NotImplemented", "the fault proxy takes Content-Length bodies only");
        return;
      }
      long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
      switch (fault.kind()) {
        case RESPOND -> {
          skip(cin, length);
          if (fault.body().isEmpty()) {
            respond(cout, fault.status(), fault.code(), "injected by the fault proxy");
          } else {
            reply(cout, fault.status(), fault.body().getBytes(StandardCharsets.UTF_8));
          }
          return;
        }
        case STALL -> {
          skip(cin, length);
          while (!closed && cin.read() >= 0) {
            // wait for the client to give up
          }
          return;
        }
        default -> {}
      }
      up = new Socket();
      open.add(up);
      up.connect(upstream, 5000);
      up.setSoTimeout(120_000);
      OutputStream uout = up.getOutputStream();
      uout.write(rewrite(head, Map.of()));
      boolean cut =
          fault.kind() == Kind.CUT_REQUEST_BODY || fault.kind() == Kind.CUT_REQUEST_BODY_AND_STOP;
      long limit = cut ? Math.min(fault.offset(), length) : length;
      copy(cin, uout, limit, fault.kind() == Kind.FLIP_REQUEST_BODY ? fault.offset() : -1);
      if (cut) {
        uout.flush();
        if (fault.kind() == Kind.CUT_REQUEST_BODY_AND_STOP) {
          refuseConnections();
        }
        reset(up);
        reset(client);
        return;
      }
      uout.flush();
      InputStream uin = up.getInputStream();
      List<String> responseHead = readHead(uin);
      if (responseHead == null) {
        reset(client);
        return;
      }
      cout.write(rewrite(responseHead, fault.responseHeaders()));
      if (fault.kind() == Kind.CUT_RESPONSE_BODY || fault.kind() == Kind.END_RESPONSE_BODY) {
        copy(uin, cout, fault.offset(), -1);
        cout.flush();
        if (fault.kind() == Kind.CUT_RESPONSE_BODY) {
          reset(client);
        }
        return; // the finally block closes the connection
      }
      copy(
          uin, cout, Long.MAX_VALUE, fault.kind() == Kind.FLIP_RESPONSE_BODY ? fault.offset() : -1);
      cout.flush();
    } catch (IOException e) {
      // the client or the server went away; that is what some tests do
    } finally {
      if (up != null) {
        quietClose(up);
      }
      quietClose(client);
    }
  }

  /** Reads a head up to its empty line; null when the stream ends first. */
  private static List<String> readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      buf.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (buf.size() > 64 * 1024) {
        throw new IOException("head too long");
      }
    }
    String text = buf.toString(StandardCharsets.ISO_8859_1);
    List<String> lines = new ArrayList<>(List.of(text.split("\r\n")));
    lines.removeIf(String::isEmpty);
    return lines;
  }

  private static Map<String, String> headers(List<String> head) {
    Map<String, String> h = new LinkedHashMap<>();
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        h.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    return Collections.unmodifiableMap(h);
  }

  /** The head with Connection: close (and without Expect), plus extra headers. */
  private static byte[] rewrite(List<String> head, Map<String, String> extra) {
    StringBuilder sb = new StringBuilder(head.get(0)).append("\r\n");
    for (String line : head.subList(1, head.size())) {
      String name =
          line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
      if (!name.equals("connection") && !name.equals("keep-alive") && !name.equals("expect")) {
        sb.append(line).append("\r\n");
      }
    }
    extra.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    sb.append("Connection: close\r\n\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Copies up to {@code limit} bytes (to the end when there are fewer), flipping one if asked. */
  private static void copy(InputStream in, OutputStream out, long limit, long flipAt)
      throws IOException {
    byte[] buf = new byte[16 * 1024];
    long done = 0;
    while (done < limit) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, limit - done));
      if (n < 0) {
        return;
      }
      if (flipAt >= done && flipAt < done + n) {
        buf[(int) (flipAt - done)] ^= 0x01;
      }
      out.write(buf, 0, n);
      done += n;
    }
  }

  private static void skip(InputStream in, long length) throws IOException {
    long left = length;
    byte[] buf = new byte[16 * 1024];
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        return;
      }
      left -= n;
    }
  }

  private static void respond(OutputStream out, int status, String code, String message)
      throws IOException {
    byte[] body =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message></Error>")
            .getBytes(StandardCharsets.UTF_8);
    reply(out, status, body);
  }

  private static void reply(OutputStream out, int status, byte[] body) throws IOException {
    String head =
        "HTTP/1.1 "
            + status
            + " Injected\r\nContent-Type: application/xml\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  /** Closes with a TCP reset, as a crashed peer or a dropped link looks. */
  private void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException e) {
      // already closed
    }
    quietClose(s);
  }

  private void quietClose(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
