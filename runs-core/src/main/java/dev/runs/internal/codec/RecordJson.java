package dev.runs.internal.codec;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventId;
import dev.runs.LimitExceededException;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Converts records to JSON objects and back without Jackson data binding: component names become
 * snake_case keys, empty {@code Optional}s are omitted, enums are written in lowercase, and nested
 * records, maps and lists are followed. Only the types listed in {@link #toJson(Object)} are
 * supported, so nothing in a payload can make this class instantiate an arbitrary type.
 */
public final class RecordJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();
  private static final Map<String, String> SNAKE = new ConcurrentHashMap<>();

  private RecordJson() {}

  /**
   * Converts a value to a JSON tree. Supported: {@code null}, JSON trees, {@link Payload}, strings,
   * numbers, booleans, enums, {@link Instant}, {@link RunId}, {@link EventId}, {@code Optional*},
   * maps with string keys, collections and arrays of supported values, and records of supported
   * components.
   *
   * @param value the value
   * @return its JSON tree; JSON null for {@code null} and for an empty {@code Optional}
   * @throws IllegalArgumentException for an unsupported type
   */
  public static JsonNode toJson(@Nullable Object value) {
    JsonNode n = toJsonOrAbsent(value, 0);
    return n == null ? NullNode.getInstance() : n;
  }

  /**
   * Parses JSON text that must be one object, with the limits every parse in Runs has.
   *
   * @param json the text
   * @param field the field to name in errors
   * @return the tree
   * @throws LimitExceededException when it is nested deeper than {@link
   *     JsonSupport#MAX_PARSE_DEPTH}
   * @throws ValidationException when it is not JSON
   */
  public static JsonNode parse(String json, String field) {
    try {
      return JsonSupport.parse(json);
    } catch (StreamConstraintsException e) {
      if (String.valueOf(e.getMessage()).contains("nesting depth")) {
        // the parser stops at the first level past the limit
        throw new LimitExceededException(
            field, "nesting depth", JsonSupport.MAX_PARSE_DEPTH, JsonSupport.MAX_PARSE_DEPTH + 1);
      }
      throw new ValidationException(field, "is refused: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw new ValidationException(field, "must be one JSON object: " + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(@Nullable String m) {
    String s = String.valueOf(m);
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Writes a tree built by a caller (a payload, a config) as compact JSON, after checking that
   * every number in it is written as a number that reads back ({@link
   * JsonSupport#numberProblem(JsonNode)}).
   *
   * @param node the tree
   * @param canonical whether to write it with keys sorted ({@link JsonSupport#canonical})
   * @param field the field to name in the error
   * @return the text
   * @throws ValidationException naming the field and the number's path in it (as {@code
   *     payload.items[3].n}) for a number whose plain form would be longer than {@value
   *     JsonSupport#MAX_NUMBER_LENGTH} characters, or a double that is NaN or infinite
   */
  public static String write(JsonNode node, boolean canonical, String field) {
    requireNumbersReadBack(node, field);
    return canonical ? JsonSupport.canonical(node) : JsonSupport.write(node);
  }

  /**
   * As {@link #write}, for a tree {@link #toJson} made: its doubles are finite already, and a
   * number too long to read back makes the text longer than such a number, so only a long text is
   * searched for one.
   *
   * @param node the tree
   * @param field the field to name in the error
   * @return the text
   * @throws ValidationException as {@link #write}
   */
  public static String writeConverted(JsonNode node, String field) {
    String json;
    try {
      json = JsonSupport.write(node);
    } catch (UncheckedIOException e) {
      requireNumbersReadBack(node, field); // a decimal too long for Jackson to write plain
      throw e;
    }
    if (json.length() > JsonSupport.MAX_NUMBER_LENGTH) {
      requireNumbersReadBack(node, field);
    }
    return json;
  }

  private static void requireNumbersReadBack(JsonNode node, String field) {
    JsonSupport.NumberProblem problem = JsonSupport.numberProblem(node);
    if (problem != null) {
      throw new ValidationException(
          problem.path().isEmpty() ? field : field + "." + problem.path(), problem.reason());
    }
  }

  /**
   * Refuses a tree nested deeper than {@code max} before anything recurses into it (copying or
   * writing a tree recurses once per level).
   *
   * @param node the tree
   * @param max the deepest nesting allowed
   * @param field the field to name in the error
   * @throws LimitExceededException when the tree is deeper
   */
  public static void requireDepthAtMost(JsonNode node, int max, String field) {
    int depth = JsonSupport.depthUpTo(node, max);
    if (depth > max) {
      throw new LimitExceededException(field, "nesting depth", max, depth);
    }
  }

  /** As {@link #toJson}, but null for an empty {@code Optional}: the caller leaves it out. */
  private static @Nullable JsonNode toJsonOrAbsent(@Nullable Object value, int depth) {
    if (value == null) {
      return NullNode.getInstance();
    }
    if (depth > JsonSupport.MAX_PARSE_DEPTH) {
      throw new LimitExceededException(
          "payload", "nesting depth", JsonSupport.MAX_PARSE_DEPTH, depth);
    }
    if (value instanceof JsonNode n) {
      requireDepthAtMost(n, JsonSupport.MAX_PARSE_DEPTH - depth, "payload");
      requireNumbersReadBack(n, "value");
      return n.deepCopy();
    }
    if (value instanceof Payload p) {
      return p.toJsonNode();
    }
    if (value instanceof String s) {
      return NODES.textNode(s);
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof Integer i) {
      return NODES.numberNode(i);
    }
    if (value instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (value instanceof Double d) {
      checkFinite(d);
      return NODES.numberNode(BigDecimal.valueOf(d));
    }
    if (value instanceof Float f) {
      checkFinite(f);
      return NODES.numberNode(new BigDecimal(Float.toString(f)));
    }
    if (value instanceof BigDecimal d) {
      return NODES.numberNode(d);
    }
    if (value instanceof BigInteger i) {
      return NODES.numberNode(i);
    }
    if (value instanceof Short || value instanceof Byte) {
      return NODES.numberNode(((Number) value).intValue());
    }
    if (value instanceof Enum<?> e) {
      return NODES.textNode(e.name().toLowerCase(Locale.ROOT));
    }
    if (value instanceof Instant t) {
      return NODES.textNode(JsonFields.time(t, "time"));
    }
    if (value instanceof RunId r) {
      return NODES.textNode(r.value());
    }
    if (value instanceof EventId e) {
      return NODES.textNode(e.value());
    }
    if (value instanceof Optional<?> o) {
      return o.isPresent() ? toJsonOrAbsent(o.get(), depth) : null;
    }
    if (value instanceof OptionalInt o) {
      return o.isPresent() ? NODES.numberNode(o.getAsInt()) : null;
    }
    if (value instanceof OptionalLong o) {
      return o.isPresent() ? NODES.numberNode(o.getAsLong()) : null;
    }
    if (value instanceof OptionalDouble o) {
      return o.isPresent() ? toJsonOrAbsent(o.getAsDouble(), depth) : null;
    }
    if (value instanceof Map<?, ?> m) {
      ObjectNode out = NODES.objectNode();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("map keys must be strings, got " + e.getKey());
        }
        JsonNode v = toJsonOrAbsent(e.getValue(), depth + 1);
        out.set(key, v == null ? NullNode.getInstance() : v);
      }
      return out;
    }
    if (value instanceof Collection<?> c) {
      ArrayNode out = NODES.arrayNode();
      for (Object item : c) {
        JsonNode v = toJsonOrAbsent(item, depth + 1);
        out.add(v == null ? NullNode.getInstance() : v);
      }
      return out;
    }
    if (value instanceof Object[] array) {
      return toJsonOrAbsent(java.util.Arrays.asList(array), depth);
    }
    if (value.getClass().isRecord()) {
      ObjectNode out = NODES.objectNode();
      for (RecordComponent c : components(value.getClass())) {
        Object v;
        try {
          v = c.getAccessor().invoke(value);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException(
              "cannot read " + c.getName() + " of " + value.getClass(), e);
        }
        JsonNode n = toJsonOrAbsent(v, depth + 1);
        if (n != null && !(v == null)) {
          out.set(snake(c.getName()), n);
        }
      }
      return out;
    }
    throw new IllegalArgumentException(
        "cannot convert "
            + value.getClass().getName()
            + " to JSON: use a record, map, list, string, number, boolean or JsonNode");
  }

  /**
   * Converts a JSON object to a record, matching snake_case keys to components. Unknown keys are
   * ignored; a missing key for a non-{@code Optional} component fails.
   *
   * @param node the JSON object
   * @param type the record class
   * @param path the field path for error messages, e.g. {@code payload}
   * @param <T> the record type
   * @return the record
   * @throws ValidationException naming the field that is missing or of the wrong JSON type
   */
  public static <T extends Record> T fromJson(JsonNode node, Class<T> type, String path) {
    if (!node.isObject()) {
      throw new ValidationException(path, "must be a JSON object");
    }
    RecordComponent[] comps = components(type);
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      types[i] = c.getType();
      String key = snake(c.getName());
      args[i] = convert(node.get(key), c.getGenericType(), join(path, key));
    }
    try {
      Constructor<T> ctor = type.getDeclaredConstructor(types);
      // like the accessors: records need not be public; in a module that does not open the
      // record's package to dev.runs.core only public records of exported packages work
      ctor.trySetAccessible();
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("cannot build " + type.getName(), cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getName(), e);
    }
  }

  private static Object convert(JsonNode n, Type type, String path) {
    Class<?> raw = rawClass(type);
    boolean absent = n == null || n.isNull() || n.isMissingNode();
    if (raw == Optional.class) {
      if (absent) {
        return Optional.empty();
      }
      Type inner = ((ParameterizedType) type).getActualTypeArguments()[0];
      return Optional.of(convert(n, inner, path));
    }
    if (raw == OptionalInt.class) {
      return absent ? OptionalInt.empty() : OptionalInt.of(intValue(n, path));
    }
    if (raw == OptionalLong.class) {
      return absent ? OptionalLong.empty() : OptionalLong.of(longValue(n, path));
    }
    if (raw == OptionalDouble.class) {
      return absent ? OptionalDouble.empty() : OptionalDouble.of(doubleValue(n, path));
    }
    if (raw == JsonNode.class || raw == ObjectNode.class) {
      if (absent) {
        if (raw == ObjectNode.class) {
          return NODES.objectNode();
        }
        return NullNode.getInstance();
      }
      if (raw == ObjectNode.class && !n.isObject()) {
        throw new ValidationException(path, "must be a JSON object");
      }
      return n.deepCopy();
    }
    if (raw == Map.class) {
      if (absent) {
        return Map.of();
      }
      if (!n.isObject()) {
        throw new ValidationException(path, "must be a JSON object");
      }
      Type valueType = ((ParameterizedType) type).getActualTypeArguments()[1];
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        out.put(e.getKey(), convert(e.getValue(), valueType, join(path, e.getKey())));
      }
      return out;
    }
    if (raw == List.class) {
      if (absent) {
        return List.of();
      }
      if (!n.isArray()) {
        throw new ValidationException(path, "must be a JSON array");
      }
      Type itemType = ((ParameterizedType) type).getActualTypeArguments()[0];
      List<Object> out = new ArrayList<>();
      int i = 0;
      for (JsonNode item : n) {
        out.add(convert(item, itemType, path + "[" + i++ + "]"));
      }
      return out;
    }
    if (absent) {
      throw new ValidationException(path, "is required");
    }
    if (raw == String.class) {
      if (!n.isTextual()) {
        throw new ValidationException(path, "must be a string");
      }
      return n.textValue();
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (!n.isBoolean()) {
        throw new ValidationException(path, "must be true or false");
      }
      return n.booleanValue();
    }
    if (raw == int.class || raw == Integer.class) {
      return intValue(n, path);
    }
    if (raw == long.class || raw == Long.class) {
      return longValue(n, path);
    }
    if (raw == double.class || raw == Double.class) {
      return doubleValue(n, path);
    }
    if (raw == BigDecimal.class) {
      if (!n.isNumber()) {
        throw new ValidationException(path, "must be a number");
      }
      return n.decimalValue();
    }
    if (raw == Instant.class) {
      if (!n.isTextual()) {
        throw new ValidationException(path, "must be an RFC 3339 time string");
      }
      return JsonFields.time(n.textValue(), path);
    }
    if (raw == RunId.class) {
      if (!n.isTextual()) {
        throw new ValidationException(path, "must be a run id string");
      }
      return RunId.of(n.textValue());
    }
    if (raw == EventId.class) {
      if (!n.isTextual()) {
        throw new ValidationException(path, "must be an event id string");
      }
      return EventId.of(n.textValue());
    }
    if (raw.isEnum()) {
      if (!n.isTextual()) {
        throw new ValidationException(path, "must be a string");
      }
      return JsonFields.constantOf(raw, n.textValue(), path);
    }
    if (raw.isRecord()) {
      @SuppressWarnings("unchecked")
      Class<? extends Record> recordType = (Class<? extends Record>) raw;
      return fromJson(n, recordType, path);
    }
    throw new IllegalArgumentException("unsupported component type " + type + " at " + path);
  }

  private static int intValue(JsonNode n, String path) {
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new ValidationException(path, "must be an integer");
    }
    return n.intValue();
  }

  private static long longValue(JsonNode n, String path) {
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new ValidationException(path, "must be an integer");
    }
    return n.longValue();
  }

  private static double doubleValue(JsonNode n, String path) {
    if (!n.isNumber()) {
      throw new ValidationException(path, "must be a number");
    }
    return n.doubleValue();
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    throw new IllegalArgumentException("unsupported type " + type);
  }

  private static RecordComponent[] components(Class<?> type) {
    return COMPONENTS.computeIfAbsent(
        type,
        t -> {
          RecordComponent[] comps = t.getRecordComponents();
          for (RecordComponent c : comps) {
            c.getAccessor().trySetAccessible();
          }
          return comps;
        });
  }

  private static void checkFinite(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new ValidationException(
          "value", "must be a finite number, JSON has no NaN or infinity");
    }
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /**
   * Converts a camelCase name to snake_case: {@code toolName} becomes {@code tool_name}. Digits
   * stay attached to the word before them, so {@code manifestSha256} becomes {@code
   * manifest_sha256}, as the taxonomy spells it (and as Jackson's {@code SNAKE_CASE} does).
   *
   * @param name the camelCase name
   * @return the snake_case name
   */
  public static String snake(String name) {
    return SNAKE.computeIfAbsent(
        name,
        n -> {
          StringBuilder b = new StringBuilder(n.length() + 4);
          for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (Character.isUpperCase(c)) {
              if (i > 0) {
                b.append('_');
              }
              b.append(Character.toLowerCase(c));
            } else {
              b.append(c);
            }
          }
          return b.toString();
        });
  }
}
