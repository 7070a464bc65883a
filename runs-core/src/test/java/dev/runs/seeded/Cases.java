package dev.runs.seeded;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Random values for one case of a {@link SeededProperty}, drawn from a {@link Random} seeded with
 * the case's seed: the same seed draws the same values in the same order. Its {@code toString}
 * names the seed and how to replay it, and is the case's display name. Not thread-safe.
 */
public final class Cases {
  private final long seed;
  private final Random random;

  /**
   * @param seed the seed every value of this case is drawn from
   */
  public Cases(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
  }

  /**
   * @return the seed this case's values are drawn from
   */
  public long seed() {
    return seed;
  }

  /**
   * @param min the smallest value
   * @param max the largest value (inclusive)
   * @return an int in {@code [min, max]}
   */
  public int intBetween(int min, int max) {
    return (int) longBetween(min, max);
  }

  /**
   * @param min the smallest value
   * @param max the largest value (inclusive)
   * @return a long in {@code [min, max]}
   */
  public long longBetween(long min, long max) {
    if (max == Long.MAX_VALUE && min == Long.MIN_VALUE) {
      return random.nextLong();
    }
    // an edge value now and then: off-by-one bugs live there
    int edge = random.nextInt(16);
    if (edge == 0) {
      return min;
    }
    if (edge == 1) {
      return max;
    }
    return max == Long.MAX_VALUE
        ? random.nextLong(min - 1, max) + 1
        : random.nextLong(min, max + 1);
  }

  /**
   * @return any long, edges included
   */
  public long anyLong() {
    int edge = random.nextInt(16);
    return edge == 0
        ? Long.MIN_VALUE
        : edge == 1 ? Long.MAX_VALUE : edge == 2 ? 0 : random.nextLong();
  }

  /**
   * @return any int, edges included
   */
  public int anyInt() {
    int edge = random.nextInt(16);
    return edge == 0 ? Integer.MIN_VALUE : edge == 1 ? Integer.MAX_VALUE : random.nextInt();
  }

  /**
   * @param min the smallest value
   * @param max the largest value (exclusive)
   * @return a double in {@code [min, max)}
   */
  public double doubleBetween(double min, double max) {
    return random.nextDouble(min, max);
  }

  /**
   * @param bound the magnitude limit
   * @param scale the number of decimals
   * @return a decimal in {@code [-bound, bound]} with exactly {@code scale} decimals
   */
  public BigDecimal decimal(long bound, int scale) {
    long unscaled = longBetween(-bound * pow10(scale), bound * pow10(scale));
    return BigDecimal.valueOf(unscaled, scale);
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }

  /**
   * @return true or false, evenly
   */
  public boolean bool() {
    return random.nextBoolean();
  }

  /**
   * @param <T> the element type
   * @param choices what to choose from
   * @return one of {@code choices}, evenly
   */
  public <T> T oneOf(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /**
   * @param <T> the value type
   * @param generators what to draw from
   * @return the value of one of {@code generators}, chosen evenly
   */
  @SafeVarargs
  public final <T> T oneOf(Supplier<? extends T>... generators) {
    return generators[random.nextInt(generators.length)].get();
  }

  /**
   * @param <T> the value type
   * @param generator what to draw a present value from
   * @return empty or a drawn value, evenly
   */
  public <T> Optional<T> optional(Supplier<T> generator) {
    return random.nextBoolean() ? Optional.of(generator.get()) : Optional.empty();
  }

  /**
   * @param from the smallest character
   * @param to the largest character (inclusive)
   * @return a character in {@code [from, to]}
   */
  public char charBetween(char from, char to) {
    return (char) intBetween(from, to);
  }

  /**
   * @return any character of the Basic Multilingual Plane outside the surrogate block
   */
  public char anyChar() {
    return bool() ? charBetween('\u0000', '\ud7ff') : charBetween('\ue000', '\ufffd');
  }

  /**
   * @param minLength the shortest length
   * @param maxLength the longest length (inclusive)
   * @param chars draws one character
   * @return a string of characters drawn from {@code chars}
   */
  public String string(int minLength, int maxLength, Supplier<Character> chars) {
    int n = intBetween(minLength, maxLength);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(chars.get().charValue());
    }
    return b.toString();
  }

  /**
   * @param minLength the shortest length
   * @param maxLength the longest length (inclusive)
   * @return a string of ASCII letters
   */
  public String alpha(int minLength, int maxLength) {
    return string(
        minLength, maxLength, () -> bool() ? charBetween('a', 'z') : charBetween('A', 'Z'));
  }

  /**
   * @param <T> the element type
   * @param maxSize the largest size (inclusive)
   * @param element draws one element
   * @return a list of up to {@code maxSize} drawn elements
   */
  public <T> List<T> list(int maxSize, Supplier<T> element) {
    int n = intBetween(0, maxSize);
    List<T> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(element.get());
    }
    return list;
  }

  /**
   * @param <T> the element type
   * @param maxSize the largest size (inclusive)
   * @param element draws one element; must be able to draw {@code maxSize} distinct ones
   * @return a list of up to {@code maxSize} distinct drawn elements
   */
  public <T> List<T> uniqueList(int maxSize, Supplier<T> element) {
    int n = intBetween(0, maxSize);
    Set<T> set = new LinkedHashSet<>();
    while (set.size() < n) {
      set.add(element.get());
    }
    return new ArrayList<>(set);
  }

  /**
   * @param <V> the value type
   * @param maxSize the largest size (inclusive)
   * @param key draws a key
   * @param value draws a value
   * @return an insertion-ordered map of up to {@code maxSize} entries (fewer when keys repeat)
   */
  public <V> Map<String, V> map(int maxSize, Supplier<String> key, Supplier<V> value) {
    int n = intBetween(0, maxSize);
    Map<String, V> map = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      map.put(key.get(), value.get());
    }
    return map;
  }

  @Override
  public String toString() {
    return "seed " + seed + " (replay: -Druns.seed=" + seed + ")";
  }
}
