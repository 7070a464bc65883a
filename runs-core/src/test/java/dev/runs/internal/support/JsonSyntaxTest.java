package dev.runs.internal.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@link JsonSyntax} over bytes: a string's end is what a byte-by-byte reading finds, and a value
 * is accepted exactly when it is compact (no whitespace outside strings) and Jackson (the general
 * path's parser, which refuses repeated member names) reads it as one value with nothing after it,
 * for generated JSON and for JSON with one byte changed, inserted or removed. Member names with
 * escapes are left to Jackson: there, anything accepted is what Jackson accepts too.
 */
final class JsonSyntaxTest {
  @SeededProperty(cases = 2000)
  void plainStringEnd_isTheQuoteBeforeAnyBackslashOrControlCharacter(Cases cases) {
    byte[] b = ByteScanTest.bytes(cases);
    int p = cases.intBetween(0, b.length);
    int expected = -1;
    for (int i = p; i < b.length; i++) {
      int c = b[i] & 0xff;
      if (c == '"') {
        expected = i;
        break;
      }
      if (c == '\\' || c < 0x20) {
        break;
      }
    }
    assertThat(JsonSyntax.plainStringEnd(b, p, b.length))
        .as("%s from %d", Arrays.toString(b), p)
        .isEqualTo(expected);
  }

  @SeededProperty(cases = 3000)
  void skipValue_acceptsWhatJacksonReads(Cases cases) {
    Verdicts v = verdicts(cases, false);
    if (v.jackson() && nameWithEscapes(v.text())) {
      return; // a damaged byte made one: the other property covers those
    }
    assertThat(v.ours()).as(v.what()).isEqualTo(v.jackson());
  }

  @SeededProperty(cases = 1000)
  void skipValue_withEscapedNames_acceptsOnlyWhatJacksonReads(Cases cases) {
    Verdicts v = verdicts(cases, true);
    if (v.ours()) {
      assertThat(v.jackson()).as(v.what()).isTrue();
    }
  }

  /** Both verdicts on one generated, maybe damaged, value (Jackson's only for compact text). */
  private record Verdicts(boolean ours, boolean jackson, String text, String what) {}

  private static Verdicts verdicts(Cases cases, boolean escapedNames) {
    StringBuilder json = new StringBuilder();
    value(cases, json, 0, escapedNames);
    byte[] b = json.toString().getBytes(StandardCharsets.UTF_8);
    String how = "as generated";
    if (cases.intBetween(0, 2) > 0 && b.length > 0) {
      int at = cases.intBetween(0, b.length - 1);
      byte with =
          (byte) (int) cases.oneOf(List.of(0x22, 0x5c, 0x01, 0x1f, 0x20, 0x7b, 0x7d, 0x2c, 0x3a));
      switch (cases.intBetween(0, 2)) {
        case 0 -> {
          b[at] = with;
          how = "byte " + at + " set to " + with;
        }
        case 1 -> {
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = with;
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
          how = with + " inserted at " + at;
        }
        default -> {
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + 1, c, at, b.length - at - 1);
          b = c;
          how = "byte " + at + " removed";
        }
      }
    }
    String text = new String(b, StandardCharsets.UTF_8);
    return new Verdicts(
        JsonSyntax.skipValue(b, 0, b.length) == b.length,
        jacksonReadsOneValue(text) && JsonSyntax.isCompact(text),
        text,
        text + " (" + how + ")");
  }

  /** Whether a member name of the JSON text (which Jackson reads) is written with an escape. */
  private static boolean nameWithEscapes(String text) {
    try (JsonParser p = JsonSupport.FACTORY.createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          int from = (int) p.currentTokenLocation().getCharOffset();
          p.nextToken();
          int to = (int) p.currentTokenLocation().getCharOffset();
          if (text.substring(from, to).indexOf('\\') >= 0) {
            return true;
          }
        }
      }
      return false;
    } catch (IOException e) {
      throw new AssertionError("Jackson read it before: " + text, e);
    }
  }

  private static boolean jacksonReadsOneValue(String text) {
    try (JsonParser p = JsonSupport.FACTORY.createParser(text)) {
      if (p.nextToken() == null) {
        return false;
      }
      p.skipChildren();
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        p.getText(); // a string is read lazily: finish it, so a bad escape in it counts
      }
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Appends a small random JSON value: strings with escapes, non-ASCII text, numbers, nesting;
   * member names from a few short ones (so they repeat), with escapes only when asked.
   */
  private static void value(Cases cases, StringBuilder b, int depth, boolean escapedNames) {
    int kind = cases.intBetween(0, depth > 3 ? 3 : 5);
    switch (kind) {
      case 0 -> string(cases, b);
      case 1 ->
          b.append(
              cases.oneOf(
                  List.of("0", "-0", "12", "-3.25", "1e5", "2E-3", "0.5e+7", "123456789012")));
      case 2 -> b.append(cases.oneOf(List.of("true", "false", "null")));
      case 3 -> string(cases, b);
      case 4 -> {
        b.append('[');
        int n = cases.intBetween(0, 3);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            b.append(cases.oneOf(List.of(",", ", ", " ,")));
          }
          value(cases, b, depth + 1, escapedNames);
        }
        b.append(']');
      }
      default -> {
        b.append('{');
        int n = cases.intBetween(0, 3);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            b.append(',');
          }
          if (escapedNames && cases.bool()) {
            string(cases, b);
          } else {
            b.append('"').append(cases.oneOf(List.of("a", "b", "\u00e9", "a_b", ""))).append('"');
          }
          b.append(cases.oneOf(List.of(":", " : ")));
          value(cases, b, depth + 1, escapedNames);
        }
        b.append('}');
      }
    }
  }

  private static void string(Cases cases, StringBuilder b) {
    b.append('"');
    int n = cases.intBetween(0, 30);
    for (int i = 0; i < n; i++) {
      switch (cases.intBetween(0, 9)) {
        case 0 -> b.append(cases.oneOf(List.of("\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b")));
        case 1 -> b.append(String.format(Locale.ROOT, "\\u%04x", (int) cases.anyChar()));
        case 2 -> b.append(cases.oneOf(List.of("\u00e9", "\u20ac", "\ud83d\ude00")));
        default -> b.append(cases.charBetween(' ', '~') == '"' ? 'q' : cases.charBetween('#', '~'));
      }
    }
    b.append('"');
  }
}
