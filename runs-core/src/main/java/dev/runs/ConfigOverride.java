package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One change to a {@link ConfigSnapshot} at a JSON Pointer path, for {@link
 * ConfigSnapshot#withOverrides(List)} and {@link RunOrchestrator#rerun(RunId, List, Trigger)}. The
 * three kinds follow JSON Patch (RFC 6902):
 *
 * <ul>
 *   <li>{@link #replace replace}: the path must exist; its value is replaced;
 *   <li>{@link #add add}: the path may be new; missing parent objects are created (unlike JSON
 *       Patch), and an existing value is replaced;
 *   <li>{@link #remove remove}: the path must exist; it is removed.
 * </ul>
 *
 * <p>A replace or remove of a path that does not exist is refused with an {@link
 * UnknownConfigPathException} naming the path and the nearest existing keys, so that a typo such as
 * {@code /inputs/topik} never adds a key nobody reads. Say {@code add} when a new key is meant.
 *
 * <pre>{@code
 * orchestrator.rerun(runId, List.of(
 *     ConfigOverride.replace("/model/params/temperature", 0.7),
 *     ConfigOverride.add("/inputs/audience", "kids"),
 *     ConfigOverride.remove("/policy/max_steps")), trigger);
 * }</pre>
 *
 * <p>Immutable and thread-safe: the value is converted to JSON when the override is made, and
 * {@link #value()} returns a copy.
 */
public final class ConfigOverride {
  /** What an override does at its path. */
  public enum Kind {
    /** Replace the value at a path that exists. */
    REPLACE,
    /** Set the value at a path that may not exist yet, creating missing parent objects. */
    ADD,
    /** Remove a path that exists. */
    REMOVE
  }

  private final String path;
  private final Kind kind;
  private final @Nullable JsonNode value;

  private ConfigOverride(String path, Kind kind, @Nullable JsonNode value) {
    this.path = ConfigSnapshot.checkPointer(Objects.requireNonNull(path, "path"));
    if (path.isEmpty()) {
      throw new ValidationException("overrides", "the root pointer '' cannot be overridden");
    }
    this.kind = kind;
    this.value = value;
  }

  /**
   * Replaces the value at a path that exists in the config.
   *
   * @param path a JSON Pointer such as {@code /model/params/temperature}
   * @param value the new value (strings, numbers, booleans, maps, lists, records, JSON trees)
   * @return the override
   * @throws ValidationException when the pointer is malformed, or the value is JSON null (use
   *     {@link #remove(String)})
   * @throws IllegalArgumentException when the value's type cannot be written as JSON
   */
  public static ConfigOverride replace(String path, Object value) {
    return new ConfigOverride(path, Kind.REPLACE, json(path, value));
  }

  /**
   * Sets the value at a path, which may be new: missing parent objects are created, and a value
   * already there is replaced.
   *
   * @param path a JSON Pointer such as {@code /inputs/audience}
   * @param value the value (strings, numbers, booleans, maps, lists, records, JSON trees)
   * @return the override
   * @throws ValidationException when the pointer is malformed, or the value is JSON null (use
   *     {@link #remove(String)})
   * @throws IllegalArgumentException when the value's type cannot be written as JSON
   */
  public static ConfigOverride add(String path, Object value) {
    return new ConfigOverride(path, Kind.ADD, json(path, value));
  }

  /**
   * Removes a path that exists in the config.
   *
   * @param path a JSON Pointer such as {@code /policy/max_steps}
   * @return the override
   * @throws ValidationException when the pointer is malformed
   */
  public static ConfigOverride remove(String path) {
    return new ConfigOverride(path, Kind.REMOVE, null);
  }

  /**
   * Reads the map form used by {@link ConfigSnapshot#withOverrides(Map)} and {@link
   * RunOrchestrator#rerun(RunId, Map, Trigger)}: each entry replaces the value at an existing path,
   * and a {@code null} (or JSON null) value removes it. Neither creates a path: use {@link
   * #add(String, Object)} for that.
   *
   * @param overrides JSON Pointer to new value, in the order to apply them
   * @return one {@link Kind#REPLACE} or {@link Kind#REMOVE} override per entry, in the map's order
   * @throws ValidationException when a pointer is malformed
   */
  public static List<ConfigOverride> fromMap(Map<String, ?> overrides) {
    Objects.requireNonNull(overrides, "overrides");
    List<ConfigOverride> out = new ArrayList<>(overrides.size());
    for (Map.Entry<String, ?> e : overrides.entrySet()) {
      Object v = e.getValue();
      JsonNode node = v == null ? null : ConfigSnapshot.toJsonValue(v);
      if (node == null || node.isNull()) {
        out.add(remove(e.getKey()));
      } else {
        out.add(new ConfigOverride(e.getKey(), Kind.REPLACE, node));
      }
    }
    return List.copyOf(out);
  }

  private static JsonNode json(String path, Object value) {
    Objects.requireNonNull(value, "value");
    JsonNode node = ConfigSnapshot.toJsonValue(value);
    if (node.isNull()) {
      throw new ValidationException(
          "overrides." + path,
          "a JSON null value is not stored; use ConfigOverride.remove to remove the path");
    }
    return node;
  }

  /**
   * @return the JSON Pointer this override changes
   */
  public String path() {
    return path;
  }

  /**
   * @return what it does there
   */
  public Kind kind() {
    return kind;
  }

  /**
   * @return a copy of the new value; empty for {@link Kind#REMOVE}
   */
  public Optional<JsonNode> value() {
    return value == null ? Optional.empty() : Optional.of(value.deepCopy());
  }

  /**
   * @return the value itself, for {@link ConfigSnapshot} to copy into its tree
   */
  @Nullable JsonNode rawValue() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigOverride c
        && c.path.equals(path)
        && c.kind == kind
        && Objects.equals(c.value, value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, kind, value);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT) + " " + path;
  }
}
