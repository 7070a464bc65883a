package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runs.ValidationException;
import dev.runs.internal.codec.RecordJson;
import dev.runs.internal.support.JsonSupport;
import org.jspecify.annotations.Nullable;

/** Conversions between workflow values and the JSON recorded in events. */
final class Json {
  private Json() {}

  /**
   * Converts a value strictly: records, strings, numbers, booleans, maps, lists, JSON trees.
   *
   * @throws ValidationException naming {@code field} for an unsupported value
   */
  static JsonNode strict(@Nullable Object value, String field) {
    try {
      return RecordJson.toJson(value);
    } catch (IllegalArgumentException e) {
      throw new ValidationException(field, String.valueOf(e.getMessage()));
    }
  }

  /** Converts a value, falling back to its {@code toString()} when it has no JSON form. */
  static JsonNode lenient(@Nullable Object value) {
    try {
      return RecordJson.toJson(value);
    } catch (IllegalArgumentException | ValidationException e) {
      return TextNode.valueOf(String.valueOf(value));
    }
  }

  /**
   * Reads a recorded value back as {@code type}.
   *
   * @throws ValidationException when the JSON does not fit the type
   */
  static <T> @Nullable T read(@Nullable JsonNode node, Class<T> type, String field) {
    if (type == Void.class) {
      return null;
    }
    if (node == null || node.isNull() || node.isMissingNode()) {
      return type.isInstance(NullNode.getInstance()) ? type.cast(NullNode.getInstance()) : null;
    }
    if (type.isInstance(node)) {
      return type.cast(node.deepCopy());
    }
    if (JsonNode.class.isAssignableFrom(type)) {
      throw new ValidationException(
          field, "recorded " + node.getNodeType() + " cannot be read as " + type.getSimpleName());
    }
    if (type.isRecord()) {
      return type.cast(RecordJson.fromJson(node, type.asSubclass(Record.class), field));
    }
    if (type == String.class) {
      if (!node.isTextual()) {
        throw new ValidationException(field, "recorded " + node.getNodeType() + " is not a string");
      }
      return type.cast(node.textValue());
    }
    try {
      return JsonSupport.MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new ValidationException(
          field,
          "recorded output cannot be read as " + type.getName() + ": " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw new ValidationException(
          field, "recorded output cannot be read as " + type.getName() + ": " + e.getMessage());
    }
  }
}
