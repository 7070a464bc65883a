package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.internal.codec.RecordJson;
import dev.runs.internal.support.JsonSupport;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The body of an event: an immutable JSON object, kept as compact JSON text in the order its fields
 * were given. Build one from JSON text, a Jackson tree, a map or a record (component names become
 * snake_case keys); read it back as text, as a fresh tree, or field by field.
 *
 * <p>Instances are immutable and thread-safe. {@link #toJsonNode()} returns a new tree each time,
 * so callers may change what they get.
 */
public final class Payload {
  private static final Payload EMPTY = new Payload("{}", null);

  private final String json;

  /** Parsed form when it was at hand at construction; never handed out without a copy. */
  private volatile @Nullable ObjectNode tree;

  private Payload(String json, @Nullable ObjectNode tree) {
    this.json = json;
    this.tree = tree;
  }

  /**
   * @return the empty object {@code {}}
   */
  public static Payload empty() {
    return EMPTY;
  }

  /**
   * Parses JSON text that must be one object.
   *
   * @param json the text
   * @return the payload
   * @throws ValidationException when the text is not one JSON object, or holds a number whose plain
   *     form (as Runs writes numbers) would be longer than 1,000 characters, such as {@code 1e1000}
   * @throws LimitExceededException when it is nested deeper than 256 levels
   */
  public static Payload of(String json) {
    Objects.requireNonNull(json, "json");
    ObjectNode tree = requireObject(RecordJson.parse(json, "payload"));
    // a new tree, nobody else's, so it is not copied; parse checked that its numbers read back
    return checked(JsonSupport.write(tree), tree);
  }

  /**
   * Copies a Jackson tree that must be an object.
   *
   * @param node the tree
   * @return the payload
   * @throws ValidationException when the node is not an object, or holds a number whose plain form
   *     would be longer than 1,000 characters
   * @throws LimitExceededException when it is nested deeper than 256 levels
   */
  public static Payload of(JsonNode node) {
    Objects.requireNonNull(node, "node");
    requireObject(node);
    RecordJson.requireDepthAtMost(node, JsonSupport.MAX_PARSE_DEPTH, "payload");
    ObjectNode copy = ((ObjectNode) node).deepCopy();
    return checked(RecordJson.write(copy, false, "payload"), copy);
  }

  private static ObjectNode requireObject(JsonNode node) {
    if (!node.isObject()) {
      throw new ValidationException(
          "payload", "must be a JSON object but was " + node.getNodeType());
    }
    return (ObjectNode) node;
  }

  /** A payload of a tree and its text, once the text is known to be well-formed Unicode. */
  private static Payload checked(String json, ObjectNode tree) {
    requireWellFormedUnicode(json, "payload");
    return new Payload(json, tree);
  }

  /**
   * Converts a map (string keys; values may be strings, numbers, booleans, maps, lists, records,
   * JSON trees) to a payload.
   *
   * @param fields the fields in order
   * @return the payload
   * @throws IllegalArgumentException for a value that cannot be converted
   * @throws ValidationException for a number whose plain form would be longer than 1,000 characters
   * @throws LimitExceededException when it is nested deeper than 256 levels
   */
  public static Payload of(Map<String, ?> fields) {
    Objects.requireNonNull(fields, "fields");
    return fromTree((ObjectNode) RecordJson.toJson(fields));
  }

  /**
   * Converts a record to a payload: component names become snake_case keys and empty {@code
   * Optional}s are left out.
   *
   * @param value the record
   * @return the payload
   */
  public static Payload ofRecord(Record value) {
    Objects.requireNonNull(value, "value");
    return fromTree((ObjectNode) RecordJson.toJson(value));
  }

  /**
   * Trusted text already known to be one compact JSON object: {@link EventCodec} hands this factory
   * to the envelope codec, which checked the text's syntax without building a tree.
   */
  static Payload trusted(String json) {
    return "{}".equals(json) ? EMPTY : new Payload(json, null);
  }

  private static Payload fromTree(ObjectNode node) {
    return checked(RecordJson.writeConverted(node, "payload"), node);
  }

  /**
   * Refuses text with an unpaired UTF-16 surrogate (from a {@code "\\ud800"} escape or a broken
   * Java string): such text cannot be written as UTF-8, so a store would keep something other than
   * what it acknowledged.
   *
   * @throws ValidationException naming the field, at the first unpaired surrogate
   */
  static void requireWellFormedUnicode(String text, String field) {
    int i = JsonSupport.firstUnpairedSurrogate(text);
    if (i >= 0) {
      throw new ValidationException(
          field,
          String.format(
              "contains an unpaired UTF-16 surrogate \\u%04x at character %d; JSON text must be"
                  + " valid Unicode",
              (int) text.charAt(i), i));
    }
  }

  /**
   * @return the compact JSON text
   */
  public String json() {
    return json;
  }

  /**
   * @return a new Jackson tree of this payload; changing it does not change the payload
   */
  public ObjectNode toJsonNode() {
    return parsed().deepCopy();
  }

  /**
   * Returns a field.
   *
   * @param field the top-level field name
   * @return a copy of its value, or empty when absent or null
   */
  public Optional<JsonNode> get(String field) {
    JsonNode n = parsed().get(field);
    return n == null || n.isNull() ? Optional.empty() : Optional.of(n.deepCopy());
  }

  /**
   * Returns a text field.
   *
   * @param field the top-level field name
   * @return its text when present and a string
   */
  public Optional<String> text(String field) {
    JsonNode n = parsed().get(field);
    return n != null && n.isTextual() ? Optional.of(n.textValue()) : Optional.empty();
  }

  /**
   * Converts this payload to a record (snake_case keys to components).
   *
   * @param type the record class
   * @param <T> the record type
   * @return the record
   * @throws ValidationException naming a missing or mistyped field
   */
  public <T extends Record> T as(Class<T> type) {
    return RecordJson.fromJson(parsed(), type, "payload");
  }

  /**
   * @return true for {@code {}}
   */
  public boolean isEmpty() {
    return "{}".equals(json);
  }

  /**
   * @return the length of the JSON text in UTF-8 bytes
   */
  public int utf8Length() {
    int n = 0;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Shared, read-only parsed view for the fold ({@link RunState}, {@link RunSummary}) in this
   * package; never handed out, and callers must not mutate it.
   */
  ObjectNode parsed() {
    ObjectNode t = tree;
    if (t == null) {
      try {
        t = (ObjectNode) JsonSupport.parse(json);
      } catch (IOException | ClassCastException e) {
        throw new StoreCorruptedException(
            "stored payload is not a JSON object: " + firstLine(e), e);
      }
      tree = t;
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Payload p && p.json.equals(json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return json;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
