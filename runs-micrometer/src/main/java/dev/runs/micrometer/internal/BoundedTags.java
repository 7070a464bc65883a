package dev.runs.micrometer.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a tag's distinct values bounded: the first {@code max} values are used as they are, any
 * later new value becomes {@value #OTHER}. Thread-safe.
 */
public final class BoundedTags {
  /** The value that stands for every value beyond the bound. */
  public static final String OTHER = "other";

  private final int max;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /**
   * @param max the most distinct values
   */
  public BoundedTags(int max) {
    this.max = max;
  }

  /**
   * @param value a tag value
   * @return the value, or {@value #OTHER} when the bound is reached and it is new
   */
  public String of(String value) {
    if (seen.contains(value)) {
      return value;
    }
    if (seen.size() >= max) {
      return OTHER;
    }
    seen.add(value);
    return value;
  }
}
