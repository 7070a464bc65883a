package dev.runs.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Paths of the API's resources and the links its responses carry. A run id is one path segment with
 * its {@code /} written as {@code %2F} ({@code /runs/acme%2Fetl%2F0190...}).
 */
final class Links {
  private Links() {}

  /**
   * @return the path of a run, its id as one segment
   */
  static String runPath(RunId id) {
    return "/runs/" + encodeSegment(id.value());
  }

  /**
   * Percent-encodes everything but unreserved characters (RFC 3986), so {@code /} is {@code %2F}.
   */
  static String encodeSegment(String value) {
    StringBuilder b = new StringBuilder(value.length() + 8);
    for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  /** Percent-encodes each segment of a path, keeping the {@code /} between them. */
  static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/", -1)) {
      parts.add(encodeSegment(p));
    }
    return String.join("/", parts);
  }

  /**
   * @return the links of a run: itself, its events and its stages
   */
  static ObjectNode ofRun(RunId id) {
    String self = runPath(id);
    ObjectNode l = Json.object();
    l.put("self", self);
    l.put("events", self + "/events");
    l.put("stages", self + "/stages");
    return l;
  }
}
