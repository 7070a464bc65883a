package dev.runs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@link RunsApi} on the JDK's {@code com.sun.net.httpserver}: turns each exchange into
 * an {@link ApiRequest} and writes the {@link ApiResponse} back, streamed bodies with chunked
 * transfer encoding. Counts exchanges in flight so that closing can wait for them.
 *
 * <p>The transport owns the request body: the API may read as much of it as it wants (closing what
 * it was given does nothing), and before the response goes out the transport reads and discards
 * what is left, within {@link #DRAIN_MAX_BYTES} and {@link #DRAIN_MAX_TIME}. An answer given before
 * the body was read, such as a {@code 413} decided on {@code Content-Length}, then reaches the
 * client: a connection closed with unread bytes in its receive buffer is reset, and the reset can
 * destroy a response the client has received but not yet read. A body that is not drained within
 * those bounds is answered with {@code Connection: close}, and may still be lost that way.
 */
final class JdkTransport implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(JdkTransport.class);

  /**
   * The most request-body bytes read and discarded after the API has answered: 4 MiB. A client
   * sending more than that beyond what the API read (for instance more than {@code maxBodyBytes}
   * plus 4 MiB when its body is refused as too large) gets {@code Connection: close} and may see a
   * connection reset instead of the answer.
   */
  static final long DRAIN_MAX_BYTES = 4L * 1024 * 1024;

  /**
   * The longest time spent discarding the rest of a request body: 2 seconds, checked between reads,
   * so a client that stops sending still holds its request thread until it sends again or goes away
   * (as it would while the API reads the body).
   */
  static final Duration DRAIN_MAX_TIME = Duration.ofSeconds(2);

  private final RunsApi api;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private int inFlight;

  JdkTransport(RunsApi api) {
    this.api = api;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    enter();
    try {
      ApiRequest request =
          new ApiRequest(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              exchange.getRequestURI().getRawQuery(),
              exchange.getRequestHeaders(),
              () -> new KeptOpen(exchange.getRequestBody()));
      ApiResponse response = api.handle(request);
      log.debug("{} {} - {}", request.method(), request.path(), response.status());
      for (Map.Entry<String, String> h : response.headers().entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      if (!drain(exchange.getRequestBody())) {
        log.debug(
            "{} {} - the rest of the request body was not read; closing the connection",
            request.method(),
            request.path());
        exchange.getResponseHeaders().set("Connection", "close");
      }
      if (response instanceof ApiResponse.Full full) {
        byte[] body = full.body();
        exchange.sendResponseHeaders(full.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
      } else if (response instanceof ApiResponse.Streamed streamed) {
        exchange.sendResponseHeaders(streamed.status(), 0);
        try (OutputStream out = exchange.getResponseBody()) {
          streamed
              .body()
              .writeTo(
                  new ApiResponse.StreamSink() {
                    @Override
                    public void write(byte[] bytes) throws IOException {
                      out.write(bytes);
                    }

                    @Override
                    public void flush() throws IOException {
                      out.flush();
                    }
                  });
        } catch (IOException e) {
          log.debug(
              "{} {} - the client went away: {}", request.method(), request.path(), e.toString());
        } catch (RuntimeException e) {
          log.warn("{} {} - the streamed response broke off", request.method(), request.path(), e);
        }
      }
    } finally {
      exchange.close();
      leave();
    }
  }

  /**
   * Reads and discards what is left of a request body, within {@link #DRAIN_MAX_BYTES} and {@link
   * #DRAIN_MAX_TIME}.
   *
   * @return true when the body was read to its end
   */
  static boolean drain(InputStream body) {
    long deadline = System.nanoTime() + DRAIN_MAX_TIME.toNanos();
    byte[] buf = new byte[16 * 1024];
    long left = DRAIN_MAX_BYTES;
    try {
      while (true) {
        int n = body.read(buf, 0, (int) Math.min(buf.length, left + 1));
        if (n < 0) {
          return true;
        }
        left -= n;
        if (left < 0 || System.nanoTime() - deadline > 0) {
          return false;
        }
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** The request body as the API sees it: closing it leaves it to the transport. */
  private static final class KeptOpen extends FilterInputStream {
    KeptOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {
      // the transport drains the rest, then the exchange closes it
    }
  }

  private void enter() {
    lock.lock();
    try {
      inFlight++;
    } finally {
      lock.unlock();
    }
  }

  private void leave() {
    lock.lock();
    try {
      inFlight--;
      if (inFlight == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until no exchange is in flight.
   *
   * @param timeout the longest wait
   * @return true when idle, false when the time ran out
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (inFlight > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * @return exchanges being handled now
   */
  int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }
}
