package dev.runs.http;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the API answers, independent of the server that sends it: a status, headers, and either a
 * complete body or a body written as a stream (NDJSON, SSE).
 */
sealed interface ApiResponse permits ApiResponse.Full, ApiResponse.Streamed {

  /**
   * @return the HTTP status
   */
  int status();

  /**
   * @return the response headers, one value each
   */
  Map<String, String> headers();

  /**
   * A response whose body is known in full.
   *
   * @param status the HTTP status
   * @param headers the headers
   * @param body the body, empty for none
   */
  // an immutable carrier from a resource to the server, never compared: the body is not copied
  @SuppressWarnings("ArrayRecordComponent")
  record Full(int status, Map<String, String> headers, byte[] body) implements ApiResponse {
    public Full {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      Objects.requireNonNull(body, "body");
    }
  }

  /**
   * A response whose body is written piece by piece after the headers are sent.
   *
   * @param status the HTTP status
   * @param headers the headers
   * @param body writes the body
   */
  record Streamed(int status, Map<String, String> headers, StreamBody body) implements ApiResponse {
    public Streamed {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      Objects.requireNonNull(body, "body");
    }
  }

  /** Writes a streamed body; runs on the request's thread until it returns. */
  @FunctionalInterface
  interface StreamBody {
    /**
     * @param sink where the body goes
     * @throws IOException when the client went away
     */
    void writeTo(StreamSink sink) throws IOException;
  }

  /** The open body of a streamed response. */
  interface StreamSink {
    /**
     * @param bytes the next bytes of the body
     * @throws IOException when the client went away
     */
    void write(byte[] bytes) throws IOException;

    /**
     * Sends what was written so far.
     *
     * @throws IOException when the client went away
     */
    void flush() throws IOException;
  }
}
