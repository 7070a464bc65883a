package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The difference between two config snapshots, as JSON Pointer paths (RFC 6901) with their old and
 * new values. Produced by {@link ConfigSnapshot#diff(ConfigSnapshot)}; recorded on a rerun's
 * lineage and on a run started from a recommendation.
 *
 * @param changes the changes in path order
 */
public record ConfigDiff(List<Change> changes) {
  private static final ConfigDiff EMPTY = new ConfigDiff(List.of());

  /**
   * @return the diff with no change
   */
  public static ConfigDiff empty() {
    return EMPTY;
  }

  /** Copies the list. */
  public ConfigDiff {
    changes = List.copyOf(changes);
  }

  /**
   * @return true when the snapshots are equal
   */
  public boolean isEmpty() {
    return changes.isEmpty();
  }

  /** What happened at a path. */
  public enum Op {
    /** The path exists only in the new snapshot. */
    ADDED,
    /** The path exists only in the old snapshot. */
    REMOVED,
    /** The path exists in both with different values. */
    CHANGED
  }

  /**
   * One change.
   *
   * @param path JSON Pointer, e.g. {@code /model/params/temperature}
   * @param op what happened
   * @param oldValue the value before (absent for {@code ADDED})
   * @param newValue the value after (absent for {@code REMOVED})
   */
  public record Change(
      String path, Op op, Optional<JsonNode> oldValue, Optional<JsonNode> newValue) {
    /** Validates and copies the values. */
    public Change {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(op, "op");
      oldValue = oldValue.map(JsonNode::deepCopy);
      newValue = newValue.map(JsonNode::deepCopy);
      if ((op == Op.ADDED) != oldValue.isEmpty() || (op == Op.REMOVED) != newValue.isEmpty()) {
        throw new IllegalArgumentException(
            op
                + " at "
                + path
                + ": ADDED has only a new value, REMOVED only an old one, CHANGED both");
      }
    }

    /**
     * @return a copy of the old value
     */
    @Override
    public Optional<JsonNode> oldValue() {
      return oldValue.map(JsonNode::deepCopy);
    }

    /**
     * @return a copy of the new value
     */
    @Override
    public Optional<JsonNode> newValue() {
      return newValue.map(JsonNode::deepCopy);
    }

    @Override
    public String toString() {
      return switch (op) {
        case ADDED -> "+ " + path + " = " + newValue.get();
        case REMOVED -> "- " + path + " (was " + oldValue.get() + ")";
        case CHANGED -> "~ " + path + ": " + oldValue.get() + " -> " + newValue.get();
      };
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Change c : changes) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(c);
    }
    return b.length() == 0 ? "(no changes)" : b.toString();
  }
}
