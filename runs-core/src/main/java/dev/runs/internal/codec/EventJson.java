package dev.runs.internal.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import dev.runs.internal.support.JsonSyntax;
import dev.runs.internal.support.Times;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of the event envelope, behind {@link dev.runs.EventCodec}. The hot path writes the
 * canonical layout with a {@link StringBuilder} and reads back exactly that layout without a
 * general JSON parser; anything else (other field order, escapes in envelope strings, unknown
 * fields, whitespace) goes to the general Jackson path, so accepted inputs and error messages do
 * not depend on which path ran. The payload is checked for JSON syntax by a small allocation-free
 * validator and kept as text.
 *
 * <p>The caller hands in how a payload is made from text already known to be one compact JSON
 * object ({@code Payload::trusted} in the API), so this class needs no private access to the API.
 * Thread-safe.
 */
public final class EventJson {
  private static final String PREFIX = "{\"schema\":\"runs.event/1\",\"event_id\":\"";
  private static final String HASH = ",\"hash\":\"";
  private static final ThreadLocal<Decoding> DECODING = ThreadLocal.withInitial(Decoding::new);

  /**
   * The last time formatted, shared by all threads (a benign race: the snapshot is immutable). The
   * events of one commit share their time, so each is formatted once per commit instead of once per
   * event and again for its hash link.
   */
  private static TimeText lastTime = new TimeText(Instant.EPOCH);

  private EventJson() {}

  /** What one thread's decoding keeps between lines. */
  private static final class Decoding {
    /** The previous run id decoded (reads are per run). */
    @Nullable RunId runId;

    /** Whether the last decode on this thread proved its text canonical. */
    boolean canonical;
  }

  /** An instant and its canonical text. Immutable. */
  private static final class TimeText {
    final long seconds;
    final int nanos;
    final String text;

    TimeText(Instant t) {
      StringBuilder b = new StringBuilder(27);
      try {
        Times.formatTo(t, b);
      } catch (DateTimeException outOfRange) {
        throw new ValidationException("time", firstLine(outOfRange.getMessage()));
      }
      this.seconds = t.getEpochSecond();
      this.nanos = t.getNano();
      this.text = b.toString();
    }
  }

  private static void appendTime(Instant t, StringBuilder b) {
    TimeText last = lastTime;
    if (last.nanos != t.getNano() || last.seconds != t.getEpochSecond()) {
      last = new TimeText(t);
      lastTime = last;
    }
    b.append(last.text);
  }

  /**
   * Appends the canonical JSON of an event (no newline).
   *
   * @param e the event
   * @param b where to write
   */
  public static void encode(RunEvent e, StringBuilder b) {
    encode(e, b, true);
  }

  /**
   * Appends the canonical JSON of an event without its {@code hash} field: the text its hash chain
   * link is computed over.
   *
   * @param e the event
   * @param b where to write
   */
  public static void encodeUnhashed(RunEvent e, StringBuilder b) {
    encode(e, b, false);
  }

  private static void encode(RunEvent e, StringBuilder b, boolean withHash) {
    encodeFields(
        b,
        e.schema(),
        e.eventId(),
        e.runId(),
        e.sequence(),
        e.type(),
        e.time(),
        e.stepId(),
        e.attempt(),
        e.parentEventId(),
        e.source(),
        e.idempotencyKey(),
        e.payload(),
        withHash ? e.hash() : Optional.empty(),
        e.unknownFields());
  }

  /**
   * Computes an event's hash chain link (see {@link dev.runs.HashChain#link}).
   *
   * @param previous the previous link
   * @param event the event; its own hash, if any, is ignored
   * @return the link
   */
  public static String link(String previous, RunEvent event) {
    ChainLink link = ChainLink.forThisThread();
    encode(event, link.begin(previous), false);
    return link.finish();
  }

  /**
   * Appends the canonical JSON of a new event without its {@code hash} field, from its fields: the
   * text its hash chain link is computed over, before the event itself is built. Byte for byte what
   * {@link #encodeUnhashed} writes for a {@link RunEvent} of these fields and no unknown fields.
   *
   * @param b where to write
   * @param eventId the id
   * @param runId the run
   * @param sequence the sequence
   * @param type the type
   * @param time the time, already at microsecond precision
   * @param stepId the step id
   * @param attempt the attempt
   * @param parentEventId the parent event
   * @param source the source
   * @param idempotencyKey the idempotency key
   * @param payload the payload
   * @throws ValidationException when the time is out of range
   */
  public static void encodeUnhashed(
      StringBuilder b,
      EventId eventId,
      RunId runId,
      long sequence,
      EventType type,
      Instant time,
      Optional<String> stepId,
      OptionalInt attempt,
      Optional<EventId> parentEventId,
      String source,
      Optional<String> idempotencyKey,
      Payload payload) {
    encodeFields(
        b,
        RunEvent.SCHEMA,
        eventId,
        runId,
        sequence,
        type,
        time,
        stepId,
        attempt,
        parentEventId,
        source,
        idempotencyKey,
        payload,
        Optional.empty(),
        Map.of());
  }

  @SuppressWarnings("TooManyParameters") // the envelope's fields, written in their order
  private static void encodeFields(
      StringBuilder b,
      String schema,
      EventId eventId,
      RunId runId,
      long sequence,
      EventType type,
      Instant time,
      Optional<String> stepId,
      OptionalInt attempt,
      Optional<EventId> parentEventId,
      String source,
      Optional<String> idempotencyKey,
      Payload payload,
      Optional<String> hash,
      Map<String, String> unknownFields) {
    if (schema.equals(RunEvent.SCHEMA)) {
      b.append(PREFIX); // what the lines below write for this schema, in one append
    } else {
      b.append("{\"schema\":");
      string(b, schema);
      b.append(",\"event_id\":\"");
    }
    b.append(eventId.value());
    b.append("\",\"run_id\":\"").append(runId.value());
    b.append("\",\"sequence\":").append(sequence);
    b.append(",\"type\":\"").append(type.name());
    b.append("\",\"time\":\"");
    appendTime(time, b);
    b.append('"');
    if (stepId.isPresent()) {
      b.append(",\"step_id\":\"").append(stepId.get()).append('"');
    }
    if (attempt.isPresent()) {
      b.append(",\"attempt\":").append(attempt.getAsInt());
    }
    if (parentEventId.isPresent()) {
      b.append(",\"parent_event_id\":\"").append(parentEventId.get().value()).append('"');
    }
    b.append(",\"source\":\"").append(source).append('"');
    if (idempotencyKey.isPresent()) {
      b.append(",\"idempotency_key\":");
      string(b, idempotencyKey.get());
    }
    b.append(",\"payload\":").append(payload.json());
    if (hash.isPresent()) {
      b.append(",\"hash\":\"").append(hash.get()).append('"');
    }
    for (Map.Entry<String, String> u : unknownFields.entrySet()) {
      b.append(',');
      string(b, u.getKey());
      b.append(':').append(u.getValue());
    }
    b.append('}');
  }

  /** Writes a JSON string literal with the escapes Jackson uses. */
  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) {
            b.append("\\u00")
                .append(Character.forDigit(c >> 4, 16))
                .append(Character.forDigit(c & 15, 16));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /**
   * Decodes one JSON object (surrounding whitespace allowed): the canonical layout directly,
   * anything else with Jackson.
   *
   * @param json the text
   * @param payloads makes a payload from text already known to be one compact JSON object
   * @return the event
   * @throws ValidationException when the text is not JSON, or a required field is missing or
   *     malformed; the exception names the field
   */
  public static RunEvent decode(String json, Function<String, Payload> payloads) {
    Decoding d = DECODING.get();
    d.canonical = false;
    RunEvent fast = tryDecode(json, payloads, d);
    return fast != null ? fast : decodeGeneral(json, payloads);
  }

  /**
   * Whether the last {@link #decode} on this thread proved, while decoding, that its text is
   * exactly the canonical encoding of the event it returned: {@link #encode} of that event writes
   * the same characters. True only when the canonical layout was read directly and nothing in it
   * has another spelling (no leading zeros in numbers; every other value is read as written and
   * written as read); false after the general parser, or when that decode threw. False does not
   * mean the text is not canonical, only that encoding the event again is the way to tell.
   *
   * <p>For a caller that holds the UTF-8 bytes the text was decoded from: the bytes are then the
   * canonical UTF-8 too when the decoding replaced nothing (a valid line decodes and encodes back
   * to the same bytes).
   *
   * @return whether the last decode on this thread proved its text canonical
   */
  public static boolean lastDecodeWasCanonical() {
    return DECODING.get().canonical;
  }

  /**
   * Reads the canonical layout; null when the line is not in it (the general parser decides). Sets
   * {@link Decoding#canonical} when the line is exactly what {@link #encode} writes for the event.
   */
  private static @Nullable RunEvent tryDecode(
      String s, Function<String, Payload> payloads, Decoding d) {
    if (!s.startsWith(PREFIX)) {
      return null;
    }
    int p = PREFIX.length();
    if (s.length() < p + 37 || s.charAt(p + 36) != '"') {
      return null;
    }
    EventId eventId = eventIdOrNull(s.substring(p, p + 36));
    if (eventId == null) {
      return null;
    }
    p += 37;
    p = expect(s, p, ",\"run_id\":\"");
    int end = plainStringEnd(s, p);
    if (end < 0) {
      return null;
    }
    String runId = s.substring(p, end);
    p = expect(s, end + 1, ",\"sequence\":");
    if (p < 0) {
      return null;
    }
    // a number is canonical without leading zeros: the encoder writes none
    boolean plainNumbers = !leadingZero(s, p);
    long seq = 0;
    int digits = 0;
    while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9' && digits < 18) {
      seq = seq * 10 + (s.charAt(p) - '0');
      p++;
      digits++;
    }
    if (digits == 0 || (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9')) {
      return null;
    }
    p = expect(s, p, ",\"type\":\"");
    end = plainStringEnd(s, p);
    if (end < 0) {
      return null;
    }
    String type = s.substring(p, end);
    p = expect(s, end + 1, ",\"time\":\"");
    end = plainStringEnd(s, p);
    if (end < 0) {
      return null;
    }
    Instant time = Times.parseCanonical(s.substring(p, end));
    if (time == null) {
      return null;
    }
    p = end + 1;
    @Nullable String stepId = null;
    int q = expect(s, p, ",\"step_id\":\"");
    if (q > 0) {
      end = plainStringEnd(s, q);
      if (end < 0) {
        return null;
      }
      stepId = s.substring(q, end);
      p = end + 1;
    }
    int attempt = -1;
    q = expect(s, p, ",\"attempt\":");
    if (q > 0) {
      if (leadingZero(s, q)) {
        plainNumbers = false;
      }
      int a = 0;
      int n = 0;
      while (q < s.length() && s.charAt(q) >= '0' && s.charAt(q) <= '9' && n < 9) {
        a = a * 10 + (s.charAt(q) - '0');
        q++;
        n++;
      }
      if (n == 0) {
        return null;
      }
      attempt = a;
      p = q;
    }
    @Nullable EventId parent = null;
    q = expect(s, p, ",\"parent_event_id\":\"");
    if (q > 0) {
      if (s.length() < q + 37 || s.charAt(q + 36) != '"') {
        return null;
      }
      parent = eventIdOrNull(s.substring(q, q + 36));
      if (parent == null) {
        return null;
      }
      p = q + 37;
    }
    p = expect(s, p, ",\"source\":\"");
    end = plainStringEnd(s, p);
    if (end < 0) {
      return null;
    }
    String source = s.substring(p, end);
    p = end + 1;
    @Nullable String key = null;
    q = expect(s, p, ",\"idempotency_key\":\"");
    if (q > 0) {
      end = plainStringEnd(s, q);
      if (end < 0) {
        return null;
      }
      key = s.substring(q, end);
      p = end + 1;
    }
    p = expect(s, p, ",\"payload\":");
    if (p < 0 || p >= s.length() || s.charAt(p) != '{') {
      return null;
    }
    int payloadEnd = JsonSyntax.skipValue(s, p);
    if (payloadEnd < 0) {
      return null;
    }
    @Nullable String hash = null;
    int h = expect(s, payloadEnd, HASH);
    if (h > 0 && s.length() == h + 66 && s.charAt(h + 64) == '"') {
      hash = s.substring(h, h + 64);
    } else if (payloadEnd != s.length() - 1) {
      return null; // unknown fields, whitespace or damage: the general parser decides
    }
    if (s.charAt(s.length() - 1) != '}') {
      return null;
    }
    String payload = s.substring(p, payloadEnd);
    RunEvent e =
        new RunEvent(
            RunEvent.SCHEMA,
            eventId,
            runId(runId, d),
            seq,
            EventType.of(type),
            time,
            Optional.ofNullable(stepId),
            attempt < 0 ? OptionalInt.empty() : OptionalInt.of(attempt),
            Optional.ofNullable(parent),
            source,
            Optional.ofNullable(key),
            payloads.apply(payload),
            Optional.ofNullable(hash),
            Map.of());
    // Every other value is written back as read: the ids are canonical UUIDs (lowercase, checked
    // by EventId); the run id, type, step id and source are strings without escapes whose values
    // are their text (no constructor rewrites them), which the encoder writes as they are; the
    // idempotency key has no backslash, quote or control character, the only ones the encoder
    // escapes; the time parsed from its canonical 27 characters formats back to them; the payload
    // and hash are kept as text; there are no unknown fields.
    d.canonical = plainNumbers;
    return e;
  }

  /** Whether the number at p starts with a zero followed by another digit. */
  private static boolean leadingZero(String s, int p) {
    return p + 1 < s.length()
        && s.charAt(p) == '0'
        && s.charAt(p + 1) >= '0'
        && s.charAt(p + 1) <= '9';
  }

  /**
   * The id, checked once (by its constructor); null when not canonical, so the general parser
   * decides and words the error.
   */
  private static @Nullable EventId eventIdOrNull(String text) {
    try {
      return new EventId(text);
    } catch (ValidationException e) {
      return null;
    }
  }

  /** Reuses the previous RunId of this thread when the text repeats (reads are per run). */
  private static RunId runId(String text, Decoding d) {
    RunId r = d.runId;
    if (r == null || !r.value().equals(text)) {
      r = RunId.of(text);
      d.runId = r;
    }
    return r;
  }

  /** Returns the position after {@code token} at {@code p}, or -1. */
  private static int expect(String s, int p, String token) {
    return p >= 0 && s.startsWith(token, p) ? p + token.length() : -1;
  }

  /** Index of the closing quote of a string without escapes starting at p, or -1. */
  private static int plainStringEnd(String s, int p) {
    if (p < 0) {
      return -1;
    }
    for (int i = p; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        return i;
      }
      if (c == '\\' || c < 0x20) {
        return -1;
      }
    }
    return -1;
  }

  /** The general path: any field order, unknown fields kept, errors naming the field. */
  private static RunEvent decodeGeneral(String json, Function<String, Payload> payloads) {
    try (JsonParser p = JsonSupport.FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ValidationException("event", "must be a JSON object");
      }
      @Nullable String schema = null;
      @Nullable String eventId = null;
      @Nullable String runId = null;
      long sequence = -1;
      @Nullable String type = null;
      @Nullable String time = null;
      @Nullable String stepId = null;
      @Nullable Integer attempt = null;
      @Nullable String parent = null;
      @Nullable String source = null;
      @Nullable String idem = null;
      @Nullable String payload = null;
      @Nullable String hash = null;
      @Nullable Map<String, String> unknown = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "schema" -> schema = string(p, v, name);
          case "event_id" -> eventId = string(p, v, name);
          case "run_id" -> runId = string(p, v, name);
          case "sequence" -> {
            if (v != JsonToken.VALUE_NUMBER_INT) {
              throw new ValidationException("sequence", "must be an integer");
            }
            sequence = p.getLongValue();
          }
          case "type" -> type = string(p, v, name);
          case "time" -> time = string(p, v, name);
          case "step_id" -> stepId = nullableString(p, v, name);
          case "attempt" -> {
            if (v == JsonToken.VALUE_NULL) {
              attempt = null;
            } else if (v != JsonToken.VALUE_NUMBER_INT) {
              throw new ValidationException("attempt", "must be an integer");
            } else {
              attempt = p.getIntValue();
            }
          }
          case "parent_event_id" -> parent = nullableString(p, v, name);
          case "source" -> source = string(p, v, name);
          case "idempotency_key" -> idem = nullableString(p, v, name);
          case "hash" -> hash = nullableString(p, v, name);
          case "payload" -> {
            if (v != JsonToken.START_OBJECT) {
              throw new ValidationException("payload", "must be a JSON object");
            }
            payload = rawValue(p, json);
          }
          default -> {
            if (unknown == null) {
              unknown = new LinkedHashMap<>();
            }
            unknown.put(name, rawValue(p, json));
          }
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new ValidationException("event", "is not a complete JSON object");
      }
      if (p.nextToken() != null) {
        throw new ValidationException("event", "has content after the JSON object");
      }
      String schemaText = require(schema, "schema");
      if (!schemaText.equals(RunEvent.SCHEMA)) {
        throw new ValidationException(
            "schema",
            "'" + schemaText + "' is not supported; this version reads " + RunEvent.SCHEMA);
      }
      String eventIdText = require(eventId, "event_id");
      String runIdText = require(runId, "run_id");
      if (sequence < 0) {
        throw new ValidationException("sequence", "is required");
      }
      String typeText = require(type, "type");
      String timeText = require(time, "time");
      String sourceText = require(source, "source");
      String payloadText = require(payload, "payload");
      Instant instant = JsonFields.time(timeText, "time");
      return new RunEvent(
          schemaText,
          EventId.of(eventIdText),
          RunId.of(runIdText),
          sequence,
          EventType.of(typeText),
          instant,
          Optional.ofNullable(stepId),
          attempt == null ? OptionalInt.empty() : OptionalInt.of(attempt),
          parent == null ? Optional.empty() : Optional.of(EventId.of(parent)),
          sourceText,
          Optional.ofNullable(idem),
          payloads.apply(payloadText),
          Optional.ofNullable(hash),
          unknown == null ? Map.of() : unknown);
    } catch (IOException e) {
      throw new ValidationException("event", "is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  private static String string(JsonParser p, JsonToken v, String field) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw new ValidationException(field, "must be a string");
    }
    return p.getText();
  }

  private static @Nullable String nullableString(JsonParser p, JsonToken v, String field)
      throws IOException {
    return v == JsonToken.VALUE_NULL ? null : string(p, v, field);
  }

  private static String require(@Nullable String value, String field) {
    if (value == null) {
      throw new ValidationException(field, "is required");
    }
    return value;
  }

  /** Returns the exact text of the value at the current token, compacted if needed. */
  private static String rawValue(JsonParser p, String source) throws IOException {
    int start = (int) p.currentTokenLocation().getCharOffset();
    JsonToken t = p.currentToken();
    int end;
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      p.skipChildren();
      end = (int) p.currentTokenLocation().getCharOffset() + 1;
    } else {
      // a string is read lazily: finish it, or the location is still just past its opening quote
      p.finishToken();
      end = (int) p.currentLocation().getCharOffset();
    }
    String raw = source.substring(start, end);
    return isCompact(raw) ? raw : JsonSupport.write(JsonSupport.parse(raw));
  }

  /** True when the text has no whitespace outside strings. */
  private static boolean isCompact(String s) {
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(@Nullable String m) {
    if (m == null) {
      return "";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
