package dev.runs.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ValidationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The arguments of one tool call, or one object inside them: typed getters that refuse a wrong JSON
 * kind or an unknown field with a {@link ValidationException} naming the field by its path.
 */
final class Args {
  private final ObjectNode node;
  private final String prefix;

  Args(ObjectNode node, String prefix) {
    this.node = node;
    this.prefix = prefix;
  }

  /** Refuses fields the tool does not know, naming the first. */
  Args only(Set<String> known) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!known.contains(n)) {
        throw new ValidationException(
            field(n),
            "is not a field of this call; known fields: " + new java.util.TreeSet<>(known));
      }
    }
    return this;
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  String field(String name) {
    return prefix + name;
  }

  Optional<String> text(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new ValidationException(field(name), "must be a string");
    }
    return Optional.of(v.textValue());
  }

  String requiredText(String name, String hint) {
    return text(name)
        .orElseThrow(() -> new ValidationException(field(name), "is required: " + hint));
  }

  Optional<Long> integer(String name, long min, long max) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new ValidationException(field(name), "must be an integer");
    }
    long l = v.longValue();
    if (l < min || l > max) {
      throw new ValidationException(field(name), "must be " + min + " to " + max + " but was " + l);
    }
    return Optional.of(l);
  }

  Optional<Boolean> bool(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw new ValidationException(field(name), "must be true or false");
    }
    return Optional.of(v.booleanValue());
  }

  Optional<ObjectNode> object(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw new ValidationException(field(name), "must be a JSON object");
    }
    return Optional.of((ObjectNode) v);
  }

  List<JsonNode> array(String name, int min, int max) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new ValidationException(field(name), "must be a JSON array");
    }
    if (v.size() < min || v.size() > max) {
      throw new ValidationException(
          field(name), "must hold " + min + " to " + max + " items but holds " + v.size());
    }
    List<JsonNode> out = new ArrayList<>();
    v.forEach(out::add);
    return out;
  }

  List<String> texts(String name, int max) {
    List<String> out = new ArrayList<>();
    List<JsonNode> items = array(name, 0, max);
    for (int i = 0; i < items.size(); i++) {
      if (!items.get(i).isTextual()) {
        throw new ValidationException(field(name) + "[" + i + "]", "must be a string");
      }
      out.add(items.get(i).textValue());
    }
    return out;
  }
}
