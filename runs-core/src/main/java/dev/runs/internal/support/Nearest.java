package dev.runs.internal.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Picks the names closest to a mistyped one, for "did you mean" hints in error messages: by edit
 * distance (Levenshtein: one insertion, deletion or substitution each), then by name. Stateless and
 * thread-safe.
 */
public final class Nearest {
  private Nearest() {}

  /**
   * Sorts candidates by their distance to {@code target} and keeps the first {@code max}.
   *
   * @param target the name that was not found
   * @param candidates the names that exist
   * @param max how many to keep, at least 0
   * @return up to {@code max} candidates, nearest first, ties by name
   * @throws IllegalArgumentException when {@code max} is negative
   */
  public static List<String> of(String target, Collection<String> candidates, int max) {
    Objects.requireNonNull(target, "target");
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative but was " + max);
    }
    List<String> sorted = new ArrayList<>(candidates);
    sorted.sort(
        Comparator.comparingInt((String c) -> distance(target, c))
            .thenComparing(Comparator.naturalOrder()));
    return List.copyOf(sorted.subList(0, Math.min(max, sorted.size())));
  }

  /**
   * @return the Levenshtein distance between {@code a} and {@code b}, over UTF-16 units
   */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
