package dev.runs;

import java.util.Objects;

/**
 * An event type: lowercase dotted segments such as {@code tool.call.completed}, or a host-defined
 * type {@code x.<namespace>.<name>} such as {@code x.acme.score}. The core types are the constants
 * of {@link EventTypes}.
 *
 * <p>Syntax: 1 to 8 segments separated by {@code .}, each starting with a lowercase letter and made
 * of lowercase letters, digits and {@code _}; at most 128 characters. Appends accept only core
 * types and {@code x.*} types (with at least a namespace and a name); reading accepts any type that
 * is syntactically valid, so logs written by a newer version stay readable.
 *
 * @param name the type string
 */
public record EventType(String name) {
  /** Maximum length of a type string. */
  public static final int MAX_LENGTH = 128;

  /**
   * Checks the syntax.
   *
   * @throws ValidationException when the name is not lowercase dotted
   */
  public EventType {
    Objects.requireNonNull(name, "name");
    checkSyntax(name);
  }

  /**
   * Returns the type for a string, checking syntax only.
   *
   * @param name e.g. {@code step.completed}
   * @return the type
   * @throws ValidationException when the syntax is wrong
   */
  public static EventType of(String name) {
    EventType core = EventTypes.byName(name);
    return core != null ? core : new EventType(name);
  }

  /**
   * @return true for a type in the core taxonomy
   */
  public boolean isCore() {
    return EventTypes.byName(name) != null;
  }

  /**
   * @return true for a host-defined {@code x.<namespace>.<name>} type
   */
  public boolean isCustom() {
    return name.startsWith("x.") && name.indexOf('.', 2) > 0;
  }

  /**
   * @return true for {@code run.*} lifecycle types
   */
  public boolean isLifecycle() {
    return name.startsWith("run.");
  }

  @Override
  public String toString() {
    return name;
  }

  private static void checkSyntax(String name) {
    if (name.isEmpty()) {
      throw new ValidationException("type", "must not be empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new ValidationException(
          "type", "must be at most " + MAX_LENGTH + " characters but has " + name.length());
    }
    int segments = 1;
    boolean segmentStart = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (segmentStart) {
          throw new ValidationException("type", "'" + name + "' has an empty segment");
        }
        segments++;
        segmentStart = true;
        continue;
      }
      if (segmentStart && !(c >= 'a' && c <= 'z')) {
        throw new ValidationException(
            "type",
            "'" + name + "' must be lowercase dotted: each segment starts with a letter a-z");
      }
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        throw new ValidationException(
            "type",
            "'" + name + "' must be lowercase dotted: only a-z, 0-9, '_' and '.' are allowed");
      }
      segmentStart = false;
    }
    if (segmentStart) {
      throw new ValidationException("type", "'" + name + "' must not end with '.'");
    }
    if (segments > 8) {
      throw new ValidationException("type", "'" + name + "' must have at most 8 dotted segments");
    }
  }
}
