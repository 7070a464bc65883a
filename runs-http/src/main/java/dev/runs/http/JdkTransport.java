package dev.runs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
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
 */
final class JdkTransport implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(JdkTransport.class);

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
              exchange::getRequestBody);
      ApiResponse response = api.handle(request);
      log.debug("{} {} - {}", request.method(), request.path(), response.status());
      for (Map.Entry<String, String> h : response.headers().entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
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
