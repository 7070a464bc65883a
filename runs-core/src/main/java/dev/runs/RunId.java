package dev.runs;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The id of a run: an optional namespace prefix followed by a local id, separated by {@code /},
 * such as {@code acme/etl/0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55}. New ids use a time-ordered UUIDv7
 * as the local part.
 *
 * <p>Ids are safe as file paths and in SQL: 1 to {@value #MAX_LENGTH} characters; segments of
 * lowercase ASCII letters, digits, {@code -}, {@code _} and {@code .}, each starting with a letter
 * or digit; at most {@value #MAX_SEGMENTS} segments; no empty segment, no {@code .} or {@code ..}
 * segment, no leading or trailing {@code /}, no backslash, no NUL, no upper case (two ids must
 * never collide on a case-insensitive file system).
 *
 * @param value the id text
 */
public record RunId(String value) implements Comparable<RunId> {
  /** Maximum length of a run id in characters. */
  public static final int MAX_LENGTH = 200;

  /** Maximum number of {@code /}-separated segments, namespace included. */
  public static final int MAX_SEGMENTS = 8;

  private static final Clock UTC = Clock.systemUTC();
  private static final dev.runs.internal.support.Uuid7 IDS =
      new dev.runs.internal.support.Uuid7(UTC);

  /**
   * Validates the id.
   *
   * @throws ValidationException naming the rule the value breaks
   */
  public RunId {
    Objects.requireNonNull(value, "value");
    validate("run_id", value, MAX_SEGMENTS);
  }

  /**
   * Parses a run id.
   *
   * @param value the id text
   * @return the id
   * @throws ValidationException when the text breaks one of the rules above
   */
  public static RunId of(String value) {
    return new RunId(value);
  }

  /**
   * @return a new id with no namespace: a UUIDv7
   */
  public static RunId random() {
    return new RunId(IDS.next().toString());
  }

  /**
   * Returns a new id in a namespace.
   *
   * @param namespace the namespace, e.g. {@code acme/etl}; empty for none
   * @return {@code namespace + "/" + uuidv7}
   * @throws ValidationException when the namespace is not a valid id prefix
   */
  public static RunId random(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty()) {
      return random();
    }
    validateNamespace(namespace);
    return new RunId(namespace + "/" + IDS.next());
  }

  /**
   * Checks that a namespace could prefix a run id.
   *
   * @param namespace the namespace; empty is allowed and means none
   * @return the namespace
   * @throws ValidationException when it breaks a rule
   */
  public static String validateNamespace(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (!namespace.isEmpty()) {
      validate("namespace", namespace, MAX_SEGMENTS - 1);
    }
    return namespace;
  }

  /**
   * @return the namespace part (everything before the last {@code /}), or empty for none
   */
  public String namespace() {
    int slash = value.lastIndexOf('/');
    return slash < 0 ? "" : value.substring(0, slash);
  }

  /**
   * @return the local part (after the last {@code /})
   */
  public String localId() {
    return value.substring(value.lastIndexOf('/') + 1);
  }

  /**
   * @return the segments of the id, namespace segments first
   */
  public List<String> segments() {
    return List.of(value.split("/", -1));
  }

  /**
   * @return the namespace, if the id has one
   */
  public Optional<String> namespaceIfAny() {
    String ns = namespace();
    return ns.isEmpty() ? Optional.empty() : Optional.of(ns);
  }

  @Override
  public int compareTo(RunId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  private static void validate(String field, String value, int maxSegments) {
    if (value.isEmpty()) {
      throw new ValidationException(field, "must not be empty");
    }
    if (value.length() > MAX_LENGTH) {
      throw new ValidationException(
          field, "must be at most " + MAX_LENGTH + " characters but has " + value.length());
    }
    if (value.charAt(0) == '/' || value.charAt(value.length() - 1) == '/') {
      throw new ValidationException(field, "must not start or end with '/' in '" + value + "'");
    }
    int segments = 1;
    int segmentStart = 0;
    for (int i = 0; i <= value.length(); i++) {
      char c = i == value.length() ? '/' : value.charAt(i);
      if (c == '/') {
        checkSegment(field, value, segmentStart, i);
        if (i < value.length()) {
          segments++;
        }
        segmentStart = i + 1;
        continue;
      }
      if (c == '\\') {
        throw new ValidationException(
            field, "must not contain a backslash: '" + printable(value) + "'");
      }
      if (c == 0) {
        throw new ValidationException(field, "must not contain a NUL character");
      }
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) {
        throw new ValidationException(
            field,
            "character '"
                + printable(String.valueOf(c))
                + "' at index "
                + i
                + " is not allowed in '"
                + printable(value)
                + "' (allowed: lowercase letters, digits, '-', '_', '.', and '/' between"
                + " segments)");
      }
    }
    if (segments > maxSegments) {
      throw new ValidationException(
          field, "must have at most " + maxSegments + " segments but has " + segments);
    }
  }

  private static void checkSegment(String field, String value, int start, int end) {
    if (start == end) {
      throw new ValidationException(field, "must not contain an empty segment: '" + value + "'");
    }
    String segment = value.substring(start, end);
    if (segment.equals(".") || segment.equals("..")) {
      throw new ValidationException(
          field, "must not contain a '" + segment + "' segment: '" + value + "'");
    }
    char first = segment.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'))) {
      throw new ValidationException(
          field,
          "segment '" + printable(segment) + "' must start with a lowercase letter or digit");
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
