package dev.runs.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Ends request handling with a problem response. Thrown by the request parsing and routing code of
 * this package; never leaves it.
 */
final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ProblemType type;
  private final transient ObjectNode extensions;
  private final transient Map<String, String> headers;

  ProblemException(ProblemType type, String detail) {
    this(type, detail, Json.object(), Map.of());
  }

  ProblemException(
      ProblemType type, String detail, ObjectNode extensions, Map<String, String> headers) {
    super(detail, null, false, false);
    this.type = Objects.requireNonNull(type, "type");
    this.extensions = extensions;
    this.headers = new LinkedHashMap<>(headers);
  }

  /**
   * A validation problem naming the field (or query parameter) and the rule it broke.
   *
   * @param field the field
   * @param rule what was expected
   * @return the exception
   */
  static ProblemException validation(String field, String rule) {
    ObjectNode ext = Json.object();
    ext.put("field", field);
    ext.put("rule", rule);
    return new ProblemException(ProblemType.VALIDATION, field + ": " + rule, ext, Map.of());
  }

  static ProblemException notFound(String detail) {
    return new ProblemException(ProblemType.NOT_FOUND, detail);
  }

  ProblemType type() {
    return type;
  }

  ObjectNode extensions() {
    return extensions;
  }

  Map<String, String> headers() {
    return headers;
  }
}
