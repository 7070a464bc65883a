package dev.runs.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The run viewer's static files, read once from the class path ({@code dev/runs/http/viewer/}) and
 * served with a strict Content-Security-Policy: scripts and styles from this server only, no inline
 * script, no framing.
 */
final class ViewerAssets {
  private static final String BASE = "/dev/runs/http/viewer/";

  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self';"
          + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";

  // a private carrier, never compared
  @SuppressWarnings("ArrayRecordComponent")
  private record Asset(String contentType, byte[] bytes) {}

  private final Map<String, Asset> assets = new LinkedHashMap<>();

  ViewerAssets() {
    add("index.html", "text/html; charset=utf-8");
    add("app.css", "text/css; charset=utf-8");
    add("app.js", "text/javascript; charset=utf-8");
    add("trace.js", "text/javascript; charset=utf-8");
    add("bigtrace.js", "text/javascript; charset=utf-8");
    add("dashboard.js", "text/javascript; charset=utf-8");
    add("compare.js", "text/javascript; charset=utf-8");
    add("rerun.js", "text/javascript; charset=utf-8");
    add("favicon.svg", "image/svg+xml");
  }

  private void add(String name, String contentType) {
    try (InputStream in = ViewerAssets.class.getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "the run viewer's "
                + BASE
                + name
                + " is missing from the class path; the runs-http jar is incomplete");
      }
      assets.put(name, new Asset(contentType, in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the run viewer's " + BASE + name, e);
    }
  }

  /**
   * @param name a file name, e.g. {@code app.js}; {@code index.html} for the page
   * @return the response serving it, empty when there is no such file
   */
  Optional<ApiResponse.Full> serve(String name) {
    Asset a = assets.get(name);
    if (a == null) {
      return Optional.empty();
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", a.contentType());
    h.put("Content-Security-Policy", CSP);
    h.put("Referrer-Policy", "no-referrer");
    h.put("X-Frame-Options", "DENY");
    h.put("Cache-Control", "no-cache");
    return Optional.of(new ApiResponse.Full(200, h, a.bytes()));
  }
}
