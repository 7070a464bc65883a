package dev.runs;

import java.util.Arrays;
import java.util.Objects;

/**
 * One file a stage produced, to be written under {@code artifacts/<name>} of its stage attempt.
 *
 * @param name relative name, e.g. {@code report.html} or {@code plots/loss.png}: segments of
 *     letters, digits, {@code -}, {@code _}, {@code .}, each starting with a letter or digit,
 *     separated by {@code /}; at most 200 characters; never {@code ..} or absolute
 * @param kind what it is, e.g. {@code report}, {@code table}, {@code image}
 * @param content the bytes (copied)
 */
// equals, hashCode and the accessor are overridden: content is copied in and out, compared by value
@SuppressWarnings("ArrayRecordComponent")
public record StageArtifact(String name, String kind, byte[] content) {
  /** Maximum length of an artifact name. */
  public static final int MAX_NAME_LENGTH = 200;

  /** Validates the name and copies the content. */
  public StageArtifact {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(content, "content");
    checkName(name);
    Trigger.checkText("artifact.kind", kind, 64);
    content = content.clone();
  }

  /**
   * @param name relative artifact name
   * @param kind what it is
   * @param content the bytes
   * @return the artifact
   */
  public static StageArtifact of(String name, String kind, byte[] content) {
    return new StageArtifact(name, kind, content);
  }

  /**
   * @return a copy of the bytes
   */
  @Override
  public byte[] content() {
    return content.clone();
  }

  /**
   * @return the size in bytes
   */
  public int size() {
    return content.length;
  }

  byte[] contentUnsafe() {
    return content;
  }

  /**
   * Checks an artifact name for path safety.
   *
   * @param name the name
   * @throws ValidationException when it could leave its directory or is malformed
   */
  public static void checkName(String name) {
    String field = "artifact.name";
    if (name.isEmpty()) {
      throw new ValidationException(field, "must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new ValidationException(field, "must be at most " + MAX_NAME_LENGTH + " characters");
    }
    if (name.startsWith("/") || name.endsWith("/")) {
      throw new ValidationException(
          field, "'" + clean(name) + "' must be relative, without a leading or trailing '/'");
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty()) {
        throw new ValidationException(field, "'" + clean(name) + "' has an empty segment");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new ValidationException(
            field, "'" + clean(name) + "' must not contain '" + segment + "'");
      }
      char first = segment.charAt(0);
      if (!Character.isLetterOrDigit(first) || first > 0x7f) {
        throw new ValidationException(
            field, "segment '" + clean(segment) + "' must start with an ASCII letter or digit");
      }
      for (int i = 0; i < segment.length(); i++) {
        char c = segment.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_'
                || c == '.';
        if (!ok) {
          throw new ValidationException(
              field,
              "'"
                  + clean(name)
                  + "' contains '"
                  + clean(String.valueOf(c))
                  + "'; allowed: letters, digits, '-', '_', '.', and '/' between segments");
        }
      }
    }
  }

  private static String clean(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StageArtifact a
        && a.name.equals(name)
        && a.kind.equals(kind)
        && Arrays.equals(a.content, content);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, Arrays.hashCode(content));
  }

  @Override
  public String toString() {
    return "StageArtifact[" + name + ", " + kind + ", " + content.length + " bytes]";
  }
}
