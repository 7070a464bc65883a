package dev.runs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON object of a request body, checked against the fields its endpoint knows: an unknown
 * field is refused with its name. Field names in errors are dotted paths from the body's root.
 */
final class JsonBody {
  private final ObjectNode node;
  private final String prefix;

  private JsonBody(ObjectNode node, String prefix, Set<String> known) {
    this.node = node;
    this.prefix = prefix;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw ProblemException.validation(
            prefix + name, "unknown field; allowed: " + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  /**
   * Reads and checks a request body.
   *
   * @param request the request
   * @param limit the most bytes accepted
   * @param known the fields the endpoint accepts
   * @param required whether an empty body is refused (else it reads as {@code {}})
   * @return the body
   * @throws ProblemException 415 for a body that is not JSON, 413 when too large, 400 when not one
   *     JSON object or a field is unknown
   */
  static JsonBody read(ApiRequest request, long limit, Set<String> known, boolean required) {
    byte[] bytes = request.body(limit);
    if (bytes.length == 0 || isBlank(bytes)) {
      if (required) {
        throw ProblemException.validation("body", "a JSON object is required");
      }
      return new JsonBody(Json.object(), "", known);
    }
    String type = request.header("Content-Type").orElse("");
    String mediaType = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
      ObjectNode ext = Json.object();
      ext.putArray("supported").add("application/json");
      throw new ProblemException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          "the body must be"
              + " application/json but Content-Type is '"
              + (type.isEmpty() ? "(none)" : type)
              + "'",
          ext,
          Map.of("Accept-Post", "application/json"));
    }
    JsonNode n = Json.parse(bytes);
    if (!n.isObject()) {
      throw ProblemException.validation("body", "must be a JSON object but is " + kind(n));
    }
    return new JsonBody((ObjectNode) n, "", known);
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /**
   * @return the field's value; JSON null reads as absent
   */
  Optional<JsonNode> value(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  boolean has(String field) {
    return value(field).isPresent();
  }

  Optional<String> text(String field) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!v.get().isTextual()) {
      throw ProblemException.validation(prefix + field, "must be a string but is " + kind(v.get()));
    }
    return Optional.of(v.get().textValue());
  }

  String requiredText(String field) {
    return text(field)
        .orElseThrow(() -> ProblemException.validation(prefix + field, "is required"));
  }

  Optional<ObjectNode> object(String field) {
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!v.get().isObject()) {
      throw ProblemException.validation(
          prefix + field, "must be a JSON object but is " + kind(v.get()));
    }
    return Optional.of((ObjectNode) v.get());
  }

  /**
   * @return the dotted path of a field of this object, for error messages
   */
  String path(String field) {
    return prefix + field;
  }

  /** A nested object read with its own known fields. */
  Optional<JsonBody> nested(String field, Set<String> known) {
    return object(field).map(o -> new JsonBody(o, prefix + field + ".", known));
  }

  Map<String, String> stringMap(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    object(field)
        .ifPresent(
            o ->
                o.properties()
                    .forEach(
                        e -> {
                          if (!e.getValue().isTextual()) {
                            throw ProblemException.validation(
                                prefix + field + "." + e.getKey(),
                                "must be a string but is " + kind(e.getValue()));
                          }
                          out.put(e.getKey(), e.getValue().textValue());
                        }));
    return out;
  }

  List<String> stringList(String field) {
    List<String> out = new ArrayList<>();
    Optional<JsonNode> v = value(field);
    if (v.isEmpty()) {
      return out;
    }
    if (!v.get().isArray()) {
      throw ProblemException.validation(
          prefix + field, "must be an array of strings but is " + kind(v.get()));
    }
    int i = 0;
    for (JsonNode item : v.get()) {
      if (!item.isTextual()) {
        throw ProblemException.validation(
            prefix + field + "[" + i + "]", "must be a string but is " + kind(item));
      }
      out.add(item.textValue());
      i++;
    }
    return out;
  }
}
