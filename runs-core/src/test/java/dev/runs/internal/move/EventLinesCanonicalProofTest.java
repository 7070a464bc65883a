package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventCodec;
import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.internal.codec.EventJson;
import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The proof a checker takes instead of encoding an event again ({@link
 * EventJson#lastDecodeWasCanonical} after {@link EventCodec#decode(byte[])} of the line): whenever
 * it says a line is canonical, the line is exactly {@link EventCodec#encodeUtf8} of its event,
 * however the line was damaged or respelled; and it does say so for the ordinary canonical line,
 * ASCII or not, so the re-encoding is really skipped. The reader's verdict (the proof, else the
 * re-encoding) is the re-encoding's alone.
 */
final class EventLinesCanonicalProofTest {
  private static final String HEX = "0123456789abcdef";

  @SeededProperty(cases = 1000)
  void proof_impliesTheCanonicalBytes_underAnyMutation(Cases cases) {
    RunEvent event = event(cases);
    byte[] canonical = EventCodec.encodeUtf8(event);
    byte[] line = canonical;
    int mutations = cases.oneOf(List.of(1, 1, 1, 2, 3));
    List<String> applied = new ArrayList<>();
    for (int m = 0; m < mutations; m++) {
      Mutated next = mutate(cases, line);
      line = next.line();
      applied.add(next.name());
    }
    String why = applied + " made " + new String(line, StandardCharsets.UTF_8);
    RunEvent decoded;
    try {
      decoded = EventCodec.decode(line);
    } catch (RuntimeException refused) {
      return; // refused: never judged canonical
    }
    boolean proven = EventJson.lastDecodeWasCanonical();
    boolean reencoded = Arrays.equals(EventCodec.encodeUtf8(decoded), line);
    if (proven) {
      assertThat(reencoded).as("proven canonical but is not: %s", why).isTrue();
    }
    assertThat(proven || EventLines.Reader.isCanonical(decoded, line, new StringBuilder()))
        .as("the reader's verdict on %s", why)
        .isEqualTo(reencoded);
  }

  @SeededProperty(cases = 400)
  void canonicalLines_areProven_whenReadByTheFastPath(Cases cases) {
    RunEvent event = event(cases);
    byte[] line = EventCodec.encodeUtf8(event);
    RunEvent decoded = EventCodec.decode(line);
    // the fast path reads up to 18 digits and strings without escapes, and compares the payload's
    // member names only when none has escapes (or there is just one)
    List<String> members = new ArrayList<>();
    event.payload().toJsonNode().fieldNames().forEachRemaining(members::add);
    boolean fast =
        event.sequence() < 1_000_000_000_000_000_000L
            && event.idempotencyKey().map(k -> !needsEscape(k)).orElse(true)
            && (members.size() < 2 || members.stream().noneMatch(k -> needsEscape(k)));
    assertThat(EventJson.lastDecodeWasCanonical())
        .as(new String(line, StandardCharsets.UTF_8))
        .isEqualTo(fast);
    assertThat(decoded).isEqualTo(event);
  }

  /** A byte no UTF-8 text has, in a string of the payload: refused, naming the byte. */
  @SeededProperty(cases = 200)
  void invalidUtf8InThePayload_isRefused_namingTheByte(Cases cases) {
    String canonical = EventCodec.encode(event(cases));
    int at = canonical.indexOf("\"payload\":{") + "\"payload\":{".length();
    String rest = canonical.substring(at);
    String withText =
        canonical.substring(0, at) + "\"t\":\"ab\"" + (rest.startsWith("}") ? "" : ",") + rest;
    byte[] line = withText.getBytes(StandardCharsets.UTF_8);
    int a =
        withText.substring(0, withText.indexOf("ab\"", at)).getBytes(StandardCharsets.UTF_8).length;
    int bad = cases.oneOf(List.of(0xff, 0x80, 0xc0, 0xe2, 0xf8));
    line[a] = (byte) bad;
    assertThatThrownBy(() -> EventCodec.decode(line))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(
            "not well-formed UTF-8: byte " + a + " (0x" + Integer.toHexString(bad));
    assertThat(EventJson.lastDecodeWasCanonical()).isFalse();
  }

  private static boolean needsEscape(String k) {
    return k.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\');
  }

  /** A changed line and what changed it. */
  private static final class Mutated {
    private final byte[] line;
    private final String name;

    Mutated(byte[] line, String name) {
      this.line = line;
      this.name = name;
    }

    byte[] line() {
      return line;
    }

    String name() {
      return name;
    }
  }

  /** One random change of a line; it may or may not leave a valid or canonical envelope. */
  private static Mutated mutate(Cases cases, byte[] line) {
    String s = new String(line, StandardCharsets.UTF_8);
    // the subtle respellings a fast path could take for canonical come more often than damage
    int kind =
        cases.oneOf(List.of(0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    return switch (kind) {
      case 0 -> {
        // between members (still JSON) or anywhere
        List<Integer> between = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
          if ((s.charAt(i) == ',' || s.charAt(i) == ':') && !insideString(s, i)) {
            between.add(i + 1);
          }
        }
        int at =
            cases.bool() && !between.isEmpty()
                ? cases.oneOf(between)
                : cases.intBetween(0, s.length());
        String ws = cases.oneOf(List.of(" ", "\t", "\n", "\r", "  "));
        yield text(s.substring(0, at) + ws + s.substring(at), "whitespace at " + at);
      }
      case 1 -> text(leadingZeros(cases, s, "\"sequence\":"), "zeros in sequence");
      case 2 -> text(leadingZeros(cases, s, "\"attempt\":"), "zeros in attempt");
      case 3 -> text(upperHex(cases, s), "uppercase hex");
      case 4 -> {
        // escape one letter or digit of a string: the same value, respelled
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
          if (Character.isLetterOrDigit(s.charAt(i)) && s.charAt(i) < 0x80 && insideString(s, i)) {
            at.add(i);
          }
        }
        if (at.isEmpty()) {
          yield text(s, "no letter to escape");
        }
        int i = cases.oneOf(at);
        String esc = String.format(Locale.ROOT, "\\u%04x", (int) s.charAt(i));
        yield text(
            s.substring(0, i)
                + (cases.bool() ? esc : esc.toUpperCase(Locale.ROOT).replace("\\U", "\\u"))
                + s.substring(i + 1),
            "escape at " + i);
      }
      case 5 -> {
        // in a string of the payload (where the decoder puts U+FFFD for it and keeps the text), or
        // anywhere
        byte[] copy = line.clone();
        List<Integer> inString = new ArrayList<>();
        int payload = Math.max(0, s.indexOf("\"payload\":"));
        for (int k = payload; k < s.length() && s.length() == copy.length; k++) {
          if (insideString(s, k)) {
            inString.add(k);
          }
        }
        int i =
            cases.bool() && !inString.isEmpty()
                ? cases.oneOf(inString)
                : cases.intBetween(0, copy.length - 1);
        copy[i] = (byte) (int) cases.oneOf(List.of(0xff, 0x80, 0xc0, 0xe2, 0xf8));
        yield new Mutated(copy, "invalid UTF-8 at byte " + i);
      }
      case 6 -> {
        List<String> f = fields(s);
        int i = cases.intBetween(0, f.size() - 1);
        int j = cases.intBetween(0, f.size() - 1);
        String t = f.get(i);
        f.set(i, f.get(j));
        f.set(j, t);
        yield text(join(f), "swap fields " + i + " and " + j);
      }
      case 7 -> {
        List<String> f = fields(s);
        int i = cases.intBetween(0, f.size() - 1);
        f.add(cases.intBetween(0, f.size()), f.get(i));
        yield text(join(f), "duplicate field " + i);
      }
      case 8 -> {
        List<String> f = fields(s);
        String unknown =
            cases.oneOf(
                List.of("\"x\":1", "\"note\":\"hi\"", "\"extra\":{}", "\"z\":null", "\"n\":[1]"));
        f.add(cases.intBetween(0, f.size()), unknown);
        yield text(join(f), "unknown field");
      }
      case 9 -> {
        List<String> f = fields(s);
        int i = cases.intBetween(0, f.size() - 1);
        f.remove(i);
        yield text(join(f), "remove field " + i);
      }
      case 10 -> {
        // an optional field spelled as null, or a number as another numeral
        List<String> f = fields(s);
        int i = cases.intBetween(0, f.size() - 1);
        String name = f.get(i).substring(0, f.get(i).indexOf(':') + 1);
        String value = cases.oneOf(List.of("null", "1.0", "1e0", "-1", "\"1\"", "01"));
        f.set(i, name + value);
        yield text(join(f), "field " + i + " as " + value);
      }
      case 11 -> {
        int i = s.indexOf("\"idempotency_key\":\"");
        if (i < 0) {
          yield text(s, "no key to escape");
        }
        int at = i + "\"idempotency_key\":\"".length();
        yield text(s.substring(0, at) + "\\/" + s.substring(at), "escaped '/' in the key");
      }
      default -> {
        int cut = cases.intBetween(1, Math.max(1, s.length() - 1));
        yield text(s.substring(0, cut), "cut at " + cut);
      }
    };
  }

  /** Whether the character at i is inside a string literal of the compact JSON text s. */
  private static boolean insideString(String s, int i) {
    boolean in = false;
    for (int k = 0; k < i; k++) {
      char c = s.charAt(k);
      if (in && c == '\\') {
        k++;
      } else if (c == '"') {
        in = !in;
      }
    }
    return in && s.charAt(i) != '"';
  }

  private static Mutated text(String s, String name) {
    return new Mutated(s.getBytes(StandardCharsets.UTF_8), name);
  }

  private static String leadingZeros(Cases cases, String s, String field) {
    int i = s.indexOf(field);
    if (i < 0) {
      return s;
    }
    int at = i + field.length();
    return s.substring(0, at) + "0".repeat(cases.intBetween(1, 3)) + s.substring(at);
  }

  /** One lowercase hex letter of an event id, the parent's or the hash made uppercase. */
  private static String upperHex(Cases cases, String s) {
    String field = cases.oneOf(List.of("\"event_id\":\"", "\"parent_event_id\":\"", "\"hash\":\""));
    int i = s.indexOf(field);
    if (i < 0) {
      return s;
    }
    int from = i + field.length();
    int to = s.indexOf('"', from);
    List<Integer> letters = new ArrayList<>();
    for (int k = from; k < to; k++) {
      if (s.charAt(k) >= 'a' && s.charAt(k) <= 'f') {
        letters.add(k);
      }
    }
    if (letters.isEmpty()) {
      return s;
    }
    int k = cases.oneOf(letters);
    return s.substring(0, k) + Character.toUpperCase(s.charAt(k)) + s.substring(k + 1);
  }

  /** The top-level {@code "name":value} members of a compact JSON object. */
  private static List<String> fields(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    boolean inString = false;
    int start = 1;
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (depth == 0) {
          out.add(s.substring(start, i));
          return out;
        }
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static String join(List<String> fields) {
    return "{" + String.join(",", fields) + "}";
  }

  /**
   * An event with every optional field present or absent: core and custom types, namespaced run
   * ids, sequences up to the largest, idempotency keys with quotes, backslashes and non-ASCII
   * characters, payloads of ASCII or other text (escapes included), a hash or none.
   */
  private static RunEvent event(Cases cases) {
    Supplier<String> ascii = () -> cases.string(0, 20, () -> cases.charBetween(' ', '~'));
    Supplier<String> text =
        () ->
            cases.oneOf(
                ascii,
                () -> cases.string(0, 20, cases::anyChar),
                () -> cases.oneOf(List.of("caf\u00e9", "\ud83d\ude00", "tab\there", "q\"b\\")));
    boolean asciiPayload = cases.intBetween(0, 3) > 0;
    Map<String, Object> payload =
        cases.map(
            5,
            asciiPayload ? ascii : text,
            () -> cases.oneOf(asciiPayload ? ascii : text, cases::anyLong, cases::bool));
    long seq =
        cases.oneOf(
            () -> cases.longBetween(1, 1_000_000),
            () -> cases.longBetween(1, 1_000_000),
            () -> cases.longBetween(1, Long.MAX_VALUE),
            () -> cases.oneOf(List.of(999_999_999_999_999_999L, 1_000_000_000_000_000_000L)));
    Instant time =
        Instant.ofEpochSecond(cases.longBetween(0, 253_402_300_799L))
            .plusNanos(cases.intBetween(0, 999_999) * 1000L);
    EventType type =
        cases.bool()
            ? cases.oneOf(List.copyOf(EventTypes.all()))
            : EventType.of(cases.oneOf(List.of("x.acme.score", "x.a.b.c", "x.b_2.c3")));
    Optional<String> key =
        cases.optional(
            () -> {
              String k;
              do {
                k =
                    cases.oneOf(
                        ascii,
                        ascii,
                        text,
                        () -> cases.oneOf(List.of("k\"1", "a\\b", "\"", "/", "\u00e9")));
              } while (k.isEmpty() || k.chars().anyMatch(c -> c < 0x20 || c == 0x7f));
              return k;
            });
    Optional<String> hash =
        cases.optional(() -> cases.string(64, 64, () -> HEX.charAt(cases.intBetween(0, 15))));
    return new RunEvent(
        RunEvent.SCHEMA,
        EventId.random(),
        RunId.of(cases.oneOf(List.of("r", "ns/run-1", "a/b.c/d_e-1"))),
        seq,
        type,
        time,
        cases.optional(() -> cases.oneOf(List.of("plan", "plan/search", "build:1", "a.B/c@2"))),
        cases.bool() ? OptionalInt.of(cases.intBetween(1, 1000)) : OptionalInt.empty(),
        cases.optional(EventId::random),
        cases.oneOf(List.of("host", "store", "runs:worker-1")),
        key,
        Payload.of(new LinkedHashMap<>(payload)),
        hash,
        Map.of());
  }
}
