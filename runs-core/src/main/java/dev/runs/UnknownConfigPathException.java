package dev.runs;

import java.util.List;
import java.util.Objects;

/**
 * A config override named a path that does not exist, and did not say it adds one: a {@link
 * ConfigOverride#replace replace} or {@link ConfigOverride#remove remove} (the map form of {@link
 * ConfigSnapshot#withOverrides(java.util.Map)} and {@link RunOrchestrator#rerun(RunId,
 * java.util.Map, Trigger)} included) of a path the config lacks. Nothing was changed or written.
 * {@link #path()} is the path as given, {@link #nearestKeys()} the existing keys closest to the
 * missing one at the level where the path left the config. Use {@link ConfigOverride#add} when the
 * new key is meant.
 */
public final class UnknownConfigPathException extends ValidationException {
  private static final long serialVersionUID = 1L;

  /** At most this many nearest keys are named. */
  static final int MAX_NEAREST = 5;

  private final String path;
  private final List<String> nearestKeys;

  /**
   * Creates the exception.
   *
   * @param path the override's JSON Pointer, e.g. {@code /inputs/topik}
   * @param level the pointer of the object that lacks the key, e.g. {@code /inputs}; empty for the
   *     top level
   * @param missingKey the key that level lacks, e.g. {@code topik}
   * @param nearestKeys the existing keys of that level closest to {@code missingKey}, nearest first
   */
  public UnknownConfigPathException(
      String path, String level, String missingKey, List<String> nearestKeys) {
    super("overrides." + path, rule(level, missingKey, nearestKeys));
    this.path = Objects.requireNonNull(path, "path");
    this.nearestKeys = List.copyOf(nearestKeys);
  }

  private static String rule(String level, String missingKey, List<String> nearestKeys) {
    String where = level.isEmpty() ? "the config has no top-level key" : level + " has no key";
    String keys =
        nearestKeys.isEmpty()
            ? (level.isEmpty() ? "the config is empty" : level + " is empty")
            : "nearest keys there: " + String.join(", ", nearestKeys);
    return "no such path: "
        + where
        + " '"
        + missingKey
        + "' ("
        + keys
        + "); replace and remove change existing paths only, use add to create a new one";
  }

  /**
   * @return the override's JSON Pointer, as given
   */
  public String path() {
    return path;
  }

  /**
   * @return up to five existing keys closest to the missing one, nearest first; empty when that
   *     level has no keys
   */
  public List<String> nearestKeys() {
    return nearestKeys;
  }
}
