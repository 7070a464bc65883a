package dev.runs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;

/**
 * A handler mounted beside the API with {@link RunsHttpServer.Builder#mount}: it is reached only
 * through the same {@code Host} check and {@link Authenticator} as the API, and only for its path
 * or paths below it. A refused request gets the API's problem response. Thread-safe.
 */
final class MountedHandler implements HttpHandler {
  private final String path;
  private final HttpHandler delegate;
  private final AccessGuard access;

  MountedHandler(String path, HttpHandler delegate, AccessGuard access) {
    this.path = path;
    this.delegate = delegate;
    this.access = access;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    ApiRequest request =
        new ApiRequest(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestURI().getRawQuery(),
            exchange.getRequestHeaders(),
            InputStream::nullInputStream);
    Optional<String> principal;
    try {
      String p = request.path();
      if (!p.equals(path) && !p.startsWith(path + "/")) {
        throw new ProblemException(
            ProblemType.NOT_FOUND, "no resource at " + p, Json.object(), Map.of());
      }
      access.checkHost(request);
      access.authenticate(request);
      principal = request.principal();
    } catch (RuntimeException e) {
      refuse(exchange, Problems.toResponse(e, request));
      return;
    }
    principal.ifPresent(v -> exchange.setAttribute(RunsHttpServer.PRINCIPAL_ATTRIBUTE, v));
    delegate.handle(exchange);
  }

  private static void refuse(HttpExchange exchange, ApiResponse.Full response) throws IOException {
    try (exchange) {
      for (Map.Entry<String, String> h : response.headers().entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      JdkTransport.drain(exchange.getRequestBody());
      byte[] body = response.body();
      exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }
}
