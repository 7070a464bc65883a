package dev.runs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** A small java.net.http client for the tests: JSON requests and a Server-Sent Events reader. */
final class Http {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final URI base;

  Http(URI base) {
    this.base = base;
  }

  /** A complete response. */
  @SuppressWarnings("ArrayRecordComponent") // a test carrier, never compared
  record Response(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + text(), e);
      }
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    String contentType() {
      return header("Content-Type").orElse("");
    }
  }

  HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  Response get(String path, String... headers) {
    return send(request(path, headers).GET().build());
  }

  Response post(String path, String json, String... headers) {
    HttpRequest.Builder b = request(path, headers);
    if (!List.of(headers).contains("Content-Type")) {
      b.header("Content-Type", "application/json");
    }
    return send(b.POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  Response send(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
    return send(request(path, headers).method(method, body).build());
  }

  Response send(HttpRequest request) {
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Opens an event stream; read it with {@link Sse#next(Duration)}, close it to disconnect. */
  Sse sse(HttpRequest request) {
    try {
      HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      return new Sse(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Sse sse(String path, String... headers) {
    return sse(request(path, headers).header("Accept", "text/event-stream").GET().build());
  }

  /**
   * One Server-Sent Events message, or a comment line ({@code comment} set), or the end of the
   * stream ({@code eof}).
   */
  record Message(
      Optional<String> id, String event, String data, Optional<String> comment, boolean eof) {
    JsonNode json() {
      try {
        return MAPPER.readTree(data);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + data, e);
      }
    }

    long sequence() {
      return Long.parseLong(id.orElseThrow());
    }
  }

  /** Reads an event stream on its own thread, so reads can time out. */
  static final class Sse implements AutoCloseable {
    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Message> messages = new ArrayBlockingQueue<>(100_000);
    private final Thread reader;

    Sse(HttpResponse<InputStream> response) {
      this.response = response;
      this.reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    int status() {
      return response.statusCode();
    }

    HttpHeaders headers() {
      return response.headers();
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String id = null;
        String event = "message";
        List<String> data = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isEmpty()) {
            if (!data.isEmpty()) {
              messages.add(
                  new Message(
                      Optional.ofNullable(id),
                      event,
                      String.join("\n", data),
                      Optional.empty(),
                      false));
            }
            id = null;
            event = "message";
            data.clear();
          } else if (line.startsWith(":")) {
            messages.add(
                new Message(
                    Optional.empty(), "", "", Optional.of(line.substring(1).strip()), false));
          } else {
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
              value = value.substring(1);
            }
            switch (field) {
              case "id" -> id = value;
              case "event" -> event = value;
              case "data" -> data.add(value);
              default -> {}
            }
          }
        }
      } catch (IOException e) {
        // the stream was closed or broken: treated as its end
      }
      messages.add(new Message(Optional.empty(), "", "", Optional.empty(), true));
    }

    /**
     * @param timeout the longest wait
     * @return the next message, comment or end
     * @throws AssertionError when nothing came in time
     */
    Message next(Duration timeout) {
      try {
        Message m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
          throw new AssertionError("no SSE message within " + timeout);
        }
        return m;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /**
     * @return the next message that is not a comment
     */
    Message nextMessage(Duration timeout) {
      while (true) {
        Message m = next(timeout);
        if (m.comment().isEmpty()) {
          return m;
        }
      }
    }

    @Override
    public void close() {
      try {
        response.body().close();
      } catch (IOException e) {
        // closing to disconnect: nothing to do
      }
    }
  }
}
