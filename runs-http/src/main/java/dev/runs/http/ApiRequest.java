package dev.runs.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A request as the API sees it, independent of the server that received it: method, raw path and
 * query, headers, and a body read on demand with a size limit.
 */
final class ApiRequest implements Authenticator.Request {

  /** Opens the request body; called at most once. */
  @FunctionalInterface
  interface BodySource {
    InputStream open() throws IOException;
  }

  private final String method;
  private final String rawPath;
  private final String rawQuery;
  private final Map<String, List<String>> headers;
  private final BodySource body;
  private Optional<String> principal = Optional.empty();
  private @Nullable List<String> segments;
  private @Nullable Map<String, List<String>> query;

  ApiRequest(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      BodySource body) {
    this.method = Objects.requireNonNull(method, "method");
    this.rawPath = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    this.rawQuery = rawQuery == null ? "" : rawQuery;
    TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((k, v) -> h.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    this.headers = h;
    this.body = Objects.requireNonNull(body, "body");
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return rawPath;
  }

  @Override
  public List<String> headers(String name) {
    List<String> v = headers.get(name);
    return v == null ? List.of() : Collections.unmodifiableList(v);
  }

  Optional<String> principal() {
    return principal;
  }

  void principal(String value) {
    this.principal = Optional.of(value);
  }

  /**
   * The path split at {@code /} with each segment percent-decoded, so {@code %2F} inside a segment
   * is a {@code /} of that segment (run ids carry their namespace that way). A single trailing
   * {@code /} is ignored.
   *
   * @throws ProblemException when a segment has a malformed escape or is not UTF-8
   */
  List<String> segments() {
    if (segments == null) {
      String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
      if (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      List<String> out = new ArrayList<>();
      if (!p.isEmpty()) {
        for (String s : p.split("/", -1)) {
          out.add(decodeSegment(s));
        }
      }
      segments = List.copyOf(out);
    }
    return segments;
  }

  /**
   * Decodes one path segment: {@code %XX} escapes as UTF-8 bytes; {@code +} stays a plus.
   *
   * @throws ProblemException when an escape is malformed or the bytes are not UTF-8
   */
  static String decodeSegment(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()
            || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          throw ProblemException.validation(
              "path", "segment '" + raw + "' has a malformed percent escape at index " + i);
        }
        bytes.write(
            Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw ProblemException.validation("path", "segment '" + raw + "' does not decode as UTF-8");
    }
  }

  /**
   * @return the query parameters, decoded as a form ({@code +} is a space), each name with its
   *     values in order
   * @throws ProblemException when an escape is malformed
   */
  Map<String, List<String>> query() {
    if (query == null) {
      Map<String, List<String>> q = new LinkedHashMap<>();
      if (!rawQuery.isEmpty()) {
        for (String pair : rawQuery.split("&", -1)) {
          if (pair.isEmpty()) {
            continue;
          }
          int eq = pair.indexOf('=');
          String name = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
          String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
          q.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
      }
      query = Collections.unmodifiableMap(q);
    }
    return query;
  }

  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ProblemException.validation("query", "'" + s + "' has a malformed percent escape");
    }
  }

  /**
   * Reads the whole body.
   *
   * @param limit the most bytes accepted
   * @return the body, empty when there is none
   * @throws ProblemException 413 when it is larger than {@code limit}
   */
  byte[] body(long limit) {
    Optional<String> length = header("Content-Length");
    if (length.isPresent()) {
      long declared;
      try {
        declared = Long.parseLong(length.get().strip());
      } catch (NumberFormatException e) {
        throw ProblemException.validation("Content-Length", "must be a number of bytes");
      }
      if (declared > limit) {
        throw tooLarge(limit, declared);
      }
    }
    try (InputStream in = body.open()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > limit) {
          throw tooLarge(limit, total);
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request body", e);
    }
  }

  private static ProblemException tooLarge(long limit, long seen) {
    ObjectNode ext = Json.object();
    ext.put("limit_bytes", limit);
    return new ProblemException(
        ProblemType.PAYLOAD_TOO_LARGE,
        "the request body has at least "
            + seen
            + " bytes but this server accepts at most "
            + limit
            + " (RunsHttpServer.Builder.maxBodyBytes)",
        ext,
        Map.of());
  }
}
