package dev.runs.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides who is calling the HTTP API: checks a bearer token, a session cookie or any other header
 * and returns the caller's name (the principal), or refuses the request, which is then answered
 * {@code 401} with an {@code application/problem+json} body. The principal becomes the {@code
 * actor} of the triggers the caller sends.
 *
 * <pre>{@code
 * RunsHttpServer.builder(orchestrator)
 *     .authenticator(request -> request.bearerToken().flatMap(sessions::userForToken))
 *     .start();
 * }</pre>
 *
 * <p>It is called once per API request, on the server's request threads, so it must be thread-safe.
 * The viewer's static files ({@code /} and {@code /viewer/*}) hold no data and are served without
 * it; every API path asks it. An exception it throws is answered {@code 500}.
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * Checks a request.
   *
   * @param request the method, path and headers of the request
   * @return the principal (1 to 200 printable characters), or empty to refuse with {@code 401}
   */
  Optional<String> authenticate(Request request);

  /**
   * Accepts requests carrying {@code Authorization: Bearer <token>} with exactly this token
   * (compared in constant time) and names their principal {@code principal}.
   *
   * @param token the expected token, at least 16 characters
   * @param principal the name given to callers holding it, e.g. {@code ops-dashboard}
   * @return the authenticator
   * @throws IllegalArgumentException when the token is shorter than 16 characters or the principal
   *     is blank
   */
  static Authenticator bearerToken(String token, String principal) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(principal, "principal");
    if (token.length() < 16) {
      throw new IllegalArgumentException(
          "a bearer token must have at least 16 characters but has "
              + token.length()
              + "; use a long random value");
    }
    if (principal.isBlank()) {
      throw new IllegalArgumentException("principal must not be blank");
    }
    byte[] expected = token.getBytes(StandardCharsets.UTF_8);
    return request ->
        request
            .bearerToken()
            .filter(t -> MessageDigest.isEqual(t.getBytes(StandardCharsets.UTF_8), expected))
            .map(t -> principal);
  }

  /** What an {@link Authenticator} sees of a request. */
  interface Request {
    /**
     * @return the method, e.g. {@code POST}
     */
    String method();

    /**
     * @return the raw (still percent-encoded) path, e.g. {@code /runs/acme%2F0190...}
     */
    String path();

    /**
     * @param name a header name, in any case
     * @return every value of that header, in order; empty when absent
     */
    List<String> headers(String name);

    /**
     * @param name a header name, in any case
     * @return its first value
     */
    default Optional<String> header(String name) {
      List<String> values = headers(name);
      return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * @return the token of an {@code Authorization: Bearer <token>} header
     */
    default Optional<String> bearerToken() {
      return header("Authorization")
          .flatMap(
              h -> {
                String v = h.strip();
                if (v.length() > 7
                    && v.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                  String token = v.substring(7).strip();
                  return token.isEmpty() ? Optional.empty() : Optional.of(token);
                }
                return Optional.empty();
              });
    }

    /**
     * @param name a cookie name
     * @return the value of that cookie in the {@code Cookie} headers
     */
    default Optional<String> cookie(String name) {
      for (String header : headers("Cookie")) {
        for (String pair : header.split(";", -1)) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
            return Optional.of(pair.substring(eq + 1).strip());
          }
        }
      }
      return Optional.empty();
    }
  }
}
