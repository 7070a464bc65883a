package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.internal.codec.RecordJson;
import dev.runs.internal.support.JsonSupport;
import dev.runs.internal.support.Nearest;
import dev.runs.spi.Sha256;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The frozen configuration of a run: the resolved prompt render, model and parameters, policy, tool
 * definitions with their versions, and inputs — everything needed to run it again the same way.
 * Stored as canonical JSON (keys sorted at every level, compact, numbers in plain form) with the
 * sha256 of that text, so the same logical config always has the same hash whatever the key order
 * or whitespace it was written with.
 *
 * <p>Conventional top-level keys, set by the {@link Builder}: {@code prompt}, {@code model} ({@code
 * provider}, {@code name}, {@code params}), {@code policy}, {@code tools} (list of {@code name},
 * {@code version}, {@code definition}), {@code inputs}. Any other JSON object is accepted too.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigSnapshot {
  private static final ConfigSnapshot EMPTY = new ConfigSnapshot(JsonSupport.object());

  private final String canonicalJson;
  private final String sha256;

  private ConfigSnapshot(ObjectNode node) {
    RecordJson.requireDepthAtMost(node, JsonSupport.MAX_PARSE_DEPTH, "config");
    this.canonicalJson = RecordJson.write(node, true, "config");
    Payload.requireWellFormedUnicode(canonicalJson, "config");
    this.sha256 = Sha256.hex(canonicalJson);
  }

  /**
   * @return the empty config {@code {}}
   */
  public static ConfigSnapshot empty() {
    return EMPTY;
  }

  /**
   * Freezes a JSON object.
   *
   * @param node the config object
   * @return the snapshot
   * @throws ValidationException when the node is not an object
   * @throws LimitExceededException when it is nested deeper than 256 levels
   */
  public static ConfigSnapshot of(JsonNode node) {
    Objects.requireNonNull(node, "node");
    if (!node.isObject()) {
      throw new ValidationException(
          "config", "must be a JSON object but was " + node.getNodeType());
    }
    return new ConfigSnapshot((ObjectNode) node);
  }

  /**
   * Parses and freezes JSON text.
   *
   * @param json one JSON object
   * @return the snapshot
   * @throws ValidationException when the text is not one JSON object
   * @throws LimitExceededException when it is nested deeper than 256 levels
   */
  public static ConfigSnapshot parse(String json) {
    Objects.requireNonNull(json, "json");
    return of(RecordJson.parse(json, "config"));
  }

  /**
   * Freezes a map (values: strings, numbers, booleans, maps, lists, records, JSON trees).
   *
   * @param config the config
   * @return the snapshot
   */
  public static ConfigSnapshot of(Map<String, ?> config) {
    return of(RecordJson.toJson(config));
  }

  /**
   * @return a builder for the conventional layout
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return the canonical JSON text
   */
  public String json() {
    return canonicalJson;
  }

  /**
   * @return lowercase hex sha256 of {@link #json()} in UTF-8
   */
  public String sha256() {
    return sha256;
  }

  /**
   * @return a new tree of the config; changing it does not change the snapshot
   */
  public ObjectNode toJsonNode() {
    try {
      return (ObjectNode) JsonSupport.parse(canonicalJson);
    } catch (IOException e) {
      throw new IllegalStateException("canonical config does not parse", e);
    }
  }

  /**
   * Reads a value by JSON Pointer.
   *
   * @param pointer e.g. {@code /model/params/temperature}
   * @return a copy of the value when present
   */
  public Optional<JsonNode> at(String pointer) {
    JsonNode n = toJsonNode().at(checkPointer(pointer));
    return n.isMissingNode() ? Optional.empty() : Optional.of(n);
  }

  /**
   * Returns a new snapshot with the values at existing JSON Pointer paths replaced; a {@code null}
   * (or JSON null) value removes the path. Every path must exist: a path the config lacks is
   * refused with an {@link UnknownConfigPathException} naming it and the nearest existing keys, so
   * a typo never adds a key. To create paths, use {@link #withOverrides(List)} with {@link
   * ConfigOverride#add}.
   *
   * @param overrides pointer to new value (strings, numbers, booleans, maps, lists, JSON trees), in
   *     the order to apply them
   * @return the changed snapshot
   * @throws UnknownConfigPathException when a path does not exist
   * @throws ValidationException when a pointer is malformed or crosses a non-object value
   * @see ConfigOverride#fromMap(Map)
   */
  public ConfigSnapshot withOverrides(Map<String, ?> overrides) {
    return withOverrides(ConfigOverride.fromMap(overrides));
  }

  /**
   * Returns a new snapshot with the overrides applied in order, each to the config as the earlier
   * ones left it: {@link ConfigOverride#replace replace} and {@link ConfigOverride#remove remove}
   * need an existing path, {@link ConfigOverride#add add} creates it (and missing parent objects).
   * Nothing is changed when one is refused.
   *
   * @param overrides the changes, in order
   * @return the changed snapshot
   * @throws UnknownConfigPathException when a replace or remove names a path that does not exist
   * @throws ValidationException when a path crosses a non-object value
   */
  public ConfigSnapshot withOverrides(List<ConfigOverride> overrides) {
    Objects.requireNonNull(overrides, "overrides");
    ObjectNode root = toJsonNode();
    for (ConfigOverride o : overrides) {
      apply(root, Objects.requireNonNull(o, "override"));
    }
    return new ConfigSnapshot(root);
  }

  private static void apply(ObjectNode root, ConfigOverride o) {
    String pointer = o.path();
    boolean add = o.kind() == ConfigOverride.Kind.ADD;
    List<String> tokens = tokens(pointer);
    ObjectNode parent = root;
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      boolean last = i == tokens.size() - 1;
      JsonNode child = parent.get(token);
      if (!add && child == null) {
        throw unknown(pointer, tokens.subList(0, i), token, parent);
      }
      if (last) {
        break;
      }
      if (child == null || (add && child.isNull())) {
        child = parent.putObject(token);
      }
      if (!child.isObject()) {
        throw new ValidationException(
            "overrides." + pointer,
            "crosses '" + token + "', which is a " + child.getNodeType() + ", not an object");
      }
      parent = (ObjectNode) child;
    }
    String key = tokens.get(tokens.size() - 1);
    JsonNode value = o.rawValue();
    if (value == null) {
      parent.remove(key);
    } else {
      parent.set(key, value.deepCopy());
    }
  }

  private static UnknownConfigPathException unknown(
      String pointer, List<String> levelTokens, String missing, ObjectNode level) {
    StringBuilder levelPointer = new StringBuilder();
    levelTokens.forEach(t -> levelPointer.append('/').append(escape(t)));
    List<String> keys = new ArrayList<>();
    level.fieldNames().forEachRemaining(keys::add);
    return new UnknownConfigPathException(
        pointer,
        levelPointer.toString(),
        missing,
        Nearest.of(missing, keys, UnknownConfigPathException.MAX_NEAREST));
  }

  /** Converts a host value to JSON, for {@link ConfigOverride}. */
  static JsonNode toJsonValue(Object value) {
    return RecordJson.toJson(value);
  }

  /**
   * Compares this snapshot (old) with another (new).
   *
   * @param changed the new snapshot
   * @return the changes from this to {@code changed}
   */
  public ConfigDiff diff(ConfigSnapshot changed) {
    List<ConfigDiff.Change> out = new ArrayList<>();
    diff("", toJsonNode(), changed.toJsonNode(), out);
    return new ConfigDiff(out);
  }

  private static void diff(String path, JsonNode a, JsonNode b, List<ConfigDiff.Change> out) {
    if (a.equals(b)) {
      return;
    }
    if (a.isObject() && b.isObject()) {
      TreeSet<String> keys = new TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        String p = path + "/" + escape(k);
        JsonNode av = a.get(k);
        JsonNode bv = b.get(k);
        if (av == null) {
          out.add(new ConfigDiff.Change(p, ConfigDiff.Op.ADDED, Optional.empty(), Optional.of(bv)));
        } else if (bv == null) {
          out.add(
              new ConfigDiff.Change(p, ConfigDiff.Op.REMOVED, Optional.of(av), Optional.empty()));
        } else {
          diff(p, av, bv, out);
        }
      }
      return;
    }
    if (a.isArray() && b.isArray()) {
      ArrayNode aa = (ArrayNode) a;
      ArrayNode bb = (ArrayNode) b;
      int common = Math.min(aa.size(), bb.size());
      for (int i = 0; i < common; i++) {
        diff(path + "/" + i, aa.get(i), bb.get(i), out);
      }
      for (int i = common; i < aa.size(); i++) {
        out.add(
            new ConfigDiff.Change(
                path + "/" + i, ConfigDiff.Op.REMOVED, Optional.of(aa.get(i)), Optional.empty()));
      }
      for (int i = common; i < bb.size(); i++) {
        out.add(
            new ConfigDiff.Change(
                path + "/" + i, ConfigDiff.Op.ADDED, Optional.empty(), Optional.of(bb.get(i))));
      }
      return;
    }
    out.add(new ConfigDiff.Change(path, ConfigDiff.Op.CHANGED, Optional.of(a), Optional.of(b)));
  }

  static String checkPointer(String pointer) {
    Objects.requireNonNull(pointer, "pointer");
    if (!pointer.isEmpty() && !pointer.startsWith("/")) {
      throw new ValidationException(
          "pointer",
          "'"
              + pointer
              + "' must be a JSON Pointer starting with '/', e.g. /model/params/temperature");
    }
    for (int i = 0; i < pointer.length(); i++) {
      if (pointer.charAt(i) == '~') {
        char next = i + 1 < pointer.length() ? pointer.charAt(i + 1) : ' ';
        if (next != '0' && next != '1') {
          throw new ValidationException(
              "pointer",
              "'" + pointer + "' has '~' not followed by 0 or 1 (write ~0 for '~' and ~1 for '/')");
        }
      }
    }
    return pointer;
  }

  private static List<String> tokens(String pointer) {
    List<String> out = new ArrayList<>();
    for (String raw : pointer.substring(1).split("/", -1)) {
      out.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return out;
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigSnapshot c && c.canonicalJson.equals(canonicalJson);
  }

  @Override
  public int hashCode() {
    return canonicalJson.hashCode();
  }

  @Override
  public String toString() {
    return "ConfigSnapshot[sha256=" + sha256 + "]";
  }

  /** Builds a config in the conventional layout. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private final ObjectNode root = JsonSupport.object();

    private Builder() {}

    /**
     * @param rendered the resolved prompt text, exactly as sent
     * @return this builder
     */
    public Builder prompt(String rendered) {
      root.put("prompt", Objects.requireNonNull(rendered, "rendered"));
      return this;
    }

    /**
     * @param provider e.g. {@code openai}
     * @param name e.g. {@code gpt-4.1}
     * @return this builder
     */
    public Builder model(String provider, String name) {
      ObjectNode model = object("model");
      model.put("provider", Objects.requireNonNull(provider, "provider"));
      model.put("name", Objects.requireNonNull(name, "name"));
      return this;
    }

    /**
     * @param key parameter name, e.g. {@code temperature}
     * @param value its value
     * @return this builder
     */
    public Builder param(String key, Object value) {
      Objects.requireNonNull(key, "key");
      object("model").withObjectProperty("params").set(key, RecordJson.toJson(value));
      return this;
    }

    /**
     * @param key policy entry name, e.g. {@code max_tool_calls}
     * @param value its value
     * @return this builder
     */
    public Builder policy(String key, Object value) {
      Objects.requireNonNull(key, "key");
      object("policy").set(key, RecordJson.toJson(value));
      return this;
    }

    /**
     * @param name tool name
     * @param version tool version reference
     * @param definition the tool's definition (schema, description...), or {@code null}
     * @return this builder
     */
    public Builder tool(String name, String version, Object definition) {
      ArrayNode tools = root.has("tools") ? (ArrayNode) root.get("tools") : root.putArray("tools");
      ObjectNode t = tools.addObject();
      t.put("name", Objects.requireNonNull(name, "name"));
      t.put("version", Objects.requireNonNull(version, "version"));
      if (definition != null) {
        t.set("definition", RecordJson.toJson(definition));
      }
      return this;
    }

    /**
     * @param key input name
     * @param value its value
     * @return this builder
     */
    public Builder input(String key, Object value) {
      Objects.requireNonNull(key, "key");
      object("inputs").set(key, RecordJson.toJson(value));
      return this;
    }

    /**
     * Sets any top-level key.
     *
     * @param key the key
     * @param value its value
     * @return this builder
     */
    public Builder set(String key, Object value) {
      Objects.requireNonNull(key, "key");
      root.set(key, RecordJson.toJson(value));
      return this;
    }

    private ObjectNode object(String key) {
      JsonNode n = root.get(key);
      if (n == null) {
        return root.putObject(key);
      }
      if (!n.isObject()) {
        throw new IllegalStateException("'" + key + "' was already set to a non-object value");
      }
      return (ObjectNode) n;
    }

    /**
     * @return the frozen snapshot
     */
    public ConfigSnapshot build() {
      return new ConfigSnapshot(root.deepCopy());
    }
  }
}
