package dev.runs.http;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who may ask: the {@code Host} check that keeps an unauthenticated loopback server out of reach of
 * DNS rebinding, and the {@link Authenticator} that names the caller. Thread-safe.
 */
final class AccessGuard {
  private final Optional<Authenticator> authenticator;
  private final boolean loopbackOnly;

  /**
   * @param authenticator checks the callers of the API; empty lets everyone in
   * @param loopbackOnly answer only requests whose {@code Host} is a loopback name or address
   */
  AccessGuard(Optional<Authenticator> authenticator, boolean loopbackOnly) {
    this.authenticator = authenticator;
    this.loopbackOnly = loopbackOnly;
  }

  /**
   * Refuses a request for another host name when the server answers loopback names only.
   *
   * @param req the request
   * @throws ProblemException forbidden, naming the host asked for
   */
  void checkHost(ApiRequest req) {
    if (loopbackOnly) {
      checkLoopbackHost(req);
    }
  }

  private static void checkLoopbackHost(ApiRequest req) {
    String host = req.header("Host").orElse("").strip().toLowerCase(Locale.ROOT);
    String name =
        host.startsWith("[")
            ? host.substring(0, host.indexOf(']') + 1)
            : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
    if (!name.equals("localhost") && !name.equals("127.0.0.1") && !name.equals("[::1]")) {
      throw new ProblemException(
          ProblemType.FORBIDDEN,
          "this unauthenticated server on a loopback"
              + " address answers only requests for localhost, 127.0.0.1 or [::1], not Host '"
              + host
              + "' (protection against DNS rebinding); set an Authenticator to serve other host"
              + " names",
          Json.object(),
          Map.of());
    }
  }

  /**
   * Asks the {@link Authenticator}, if any, who the caller is and records the principal on the
   * request.
   *
   * @param req the request
   * @throws ProblemException unauthorized when the authenticator refuses the caller
   */
  void authenticate(ApiRequest req) {
    if (authenticator.isEmpty()) {
      return;
    }
    Optional<String> principal = authenticator.get().authenticate(req);
    if (principal == null || principal.isEmpty()) {
      throw new ProblemException(
          ProblemType.UNAUTHORIZED,
          "this API needs credentials the server's"
              + " Authenticator accepts (e.g. Authorization: Bearer <token>)",
          Json.object(),
          Map.of("WWW-Authenticate", "Bearer realm=\"runs\""));
    }
    String p = principal.get();
    if (p.isBlank() || p.length() > 200 || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalStateException(
          "the Authenticator returned a principal that is blank, longer"
              + " than 200 characters or has control characters; fix the host's Authenticator");
    }
    req.principal(p);
  }
}
