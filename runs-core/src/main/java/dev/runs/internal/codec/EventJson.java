package dev.runs.internal.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.internal.support.ByteScan;
import dev.runs.internal.support.JsonSupport;
import dev.runs.internal.support.JsonSyntax;
import dev.runs.internal.support.Times;
import dev.runs.spi.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of the event envelope, behind {@link dev.runs.EventCodec}. The hot path writes the
 * canonical layout with a {@link StringBuilder} and reads back exactly that layout without a
 * general JSON parser; anything else (other field order, escapes in envelope strings, unknown
 * fields, whitespace) goes to the general Jackson path, so accepted inputs and error messages do
 * not depend on which path ran. The payload is checked for JSON syntax by a small validator and
 * kept as text when it is compact (no whitespace, no repeated member names); any other payload goes
 * the general way, which refuses repeated names and compacts the rest, so a decoded payload never
 * holds a line break outside its strings.
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

    /** Its UTF-8 bytes. */
    byte[] runIdBytes = new byte[0];

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
   * Decodes one JSON object (surrounding whitespace allowed): the canonical layout directly from
   * its UTF-8 bytes, anything else with Jackson. Text that does not survive a round trip through
   * UTF-8 (an unpaired surrogate) always goes to Jackson, which reads it as it is.
   *
   * @param json the text
   * @param payloads makes a payload from text already known to be one compact JSON object
   * @return the event
   * @throws ValidationException when the text is not JSON, or a required field is missing or
   *     malformed; the exception names the field
   */
  public static RunEvent decode(String json, Function<String, Payload> payloads) {
    byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
    // one byte per character and no '?' (what an unpaired surrogate becomes): all ASCII
    boolean same =
        (utf8.length == json.length() && ByteScan.indexOf(utf8, 0, utf8.length, (byte) '?') < 0)
            || new String(utf8, StandardCharsets.UTF_8).equals(json);
    if (!same) {
      DECODING.get().canonical = false;
      return decodeGeneral(json, payloads);
    }
    return decode(utf8, 0, utf8.length, payloads);
  }

  /**
   * Decodes the UTF-8 bytes of one JSON object (surrounding whitespace allowed): the canonical
   * layout directly from the bytes, making text only of each field's value; anything else as {@link
   * #decode(String, Function)} of the text. The bytes must be well-formed UTF-8.
   *
   * @param utf8 the buffer
   * @param offset where the object's bytes start
   * @param length how many bytes it has
   * @param payloads makes a payload from text already known to be one compact JSON object
   * @return the event
   * @throws ValidationException when the bytes are not well-formed UTF-8 (naming the first
   *     malformed byte), are not JSON, or a required field is missing or malformed; the exception
   *     names the field
   * @throws IndexOutOfBoundsException when the range is not within the buffer
   */
  public static RunEvent decode(
      byte[] utf8, int offset, int length, Function<String, Payload> payloads) {
    Objects.checkFromIndexSize(offset, length, utf8.length);
    Decoding d = DECODING.get();
    d.canonical = false;
    RunEvent fast;
    try {
      fast = tryDecode(utf8, offset, offset + length, payloads, d);
    } catch (MalformedText e) {
      fast = null; // named below
    }
    if (fast != null) {
      return fast;
    }
    int bad = Utf8.firstMalformed(utf8, offset, length);
    if (bad >= 0) {
      throw new ValidationException(
          "event",
          "is not well-formed UTF-8: byte "
              + bad
              + " (0x"
              + Integer.toHexString(utf8[offset + bad] & 0xff)
              + ") does not start a valid sequence");
    }
    return decodeGeneral(new String(utf8, offset, length, StandardCharsets.UTF_8), payloads);
  }

  /**
   * Thrown by {@link #text} on bytes that are not well-formed UTF-8: the caller finds and names the
   * first malformed byte. Without a stack trace: it is caught right away.
   */
  private static final class MalformedText extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedText() {
      super(null, null, false, false);
    }
  }

  /**
   * Whether the last {@link #decode} on this thread proved, while decoding, that its input is
   * exactly the canonical encoding of the event it returned: {@link #encode} of that event writes
   * the same characters, and their UTF-8 is the same bytes. True when the canonical layout was read
   * directly (every value in it is read as written and written as read); false after the general
   * parser, or when that decode threw. False does not mean the input is not canonical, only that
   * encoding the event again is the way to tell.
   *
   * @return whether the last decode on this thread proved its input canonical
   */
  public static boolean lastDecodeWasCanonical() {
    return DECODING.get().canonical;
  }

  /**
   * Reads the canonical layout; null when the bytes are not in it (the general parser decides).
   * Sets {@link Decoding#canonical} when they are exactly what {@link #encode} writes for the
   * event. Bytes outside ASCII can only lie inside strings here (everything else is compared with
   * ASCII), and every string's bytes are made text by {@link #text}, which checks them: the line is
   * well-formed UTF-8 when this returns an event.
   *
   * @throws MalformedText when a string's bytes are not well-formed UTF-8
   */
  private static @Nullable RunEvent tryDecode(
      byte[] b, int from, int end, Function<String, Payload> payloads, Decoding d) {
    if (!startsWith(b, from, end, PREFIX_BYTES)) {
      return null;
    }
    int p = from + PREFIX_BYTES.length;
    if (end < p + 37 || b[p + 36] != '"') {
      return null;
    }
    EventId eventId = eventIdOrNull(b, p);
    if (eventId == null) {
      return null;
    }
    p = expect(b, p + 37, end, RUN_ID);
    int close = JsonSyntax.plainStringEnd(b, p, end);
    if (close < 0) {
      return null;
    }
    int runIdFrom = p;
    int runIdTo = close;
    p = expect(b, close + 1, end, SEQUENCE);
    if (p < 0) {
      return null;
    }
    if (leadingZero(b, p, end)) {
      return null; // not JSON: the general parser refuses it
    }
    long seq = 0;
    int digits = 0;
    while (p < end && isDigit(b[p]) && digits < 18) {
      seq = seq * 10 + (b[p] - '0');
      p++;
      digits++;
    }
    if (digits == 0 || (p < end && isDigit(b[p]))) {
      return null;
    }
    p = expect(b, p, end, TYPE);
    close = JsonSyntax.plainStringEnd(b, p, end);
    if (close < 0) {
      return null;
    }
    String type = text(b, p, close);
    p = expect(b, close + 1, end, TIME);
    close = JsonSyntax.plainStringEnd(b, p, end);
    if (close < 0) {
      return null;
    }
    Instant time = Times.parseCanonical(text(b, p, close));
    if (time == null) {
      return null;
    }
    p = close + 1;
    @Nullable String stepId = null;
    int q = expect(b, p, end, STEP_ID);
    if (q > 0) {
      close = JsonSyntax.plainStringEnd(b, q, end);
      if (close < 0) {
        return null;
      }
      stepId = text(b, q, close);
      p = close + 1;
    }
    int attempt = -1;
    q = expect(b, p, end, ATTEMPT);
    if (q > 0) {
      if (leadingZero(b, q, end)) {
        return null;
      }
      int a = 0;
      int n = 0;
      while (q < end && isDigit(b[q]) && n < 9) {
        a = a * 10 + (b[q] - '0');
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
    q = expect(b, p, end, PARENT);
    if (q > 0) {
      if (end < q + 37 || b[q + 36] != '"') {
        return null;
      }
      parent = eventIdOrNull(b, q);
      if (parent == null) {
        return null;
      }
      p = q + 37;
    }
    p = expect(b, p, end, SOURCE);
    close = JsonSyntax.plainStringEnd(b, p, end);
    if (close < 0) {
      return null;
    }
    String source = text(b, p, close);
    p = close + 1;
    @Nullable String key = null;
    q = expect(b, p, end, IDEMPOTENCY_KEY);
    if (q > 0) {
      close = JsonSyntax.plainStringEnd(b, q, end);
      if (close < 0) {
        return null;
      }
      key = text(b, q, close);
      p = close + 1;
    }
    p = expect(b, p, end, PAYLOAD);
    if (p < 0 || p >= end || b[p] != '{') {
      return null;
    }
    int payloadEnd = JsonSyntax.skipValue(b, p, end);
    if (payloadEnd < 0) {
      return null;
    }
    @Nullable String hash = null;
    int h = expect(b, payloadEnd, end, HASH_BYTES);
    if (h > 0 && end == h + 66 && b[h + 64] == '"') {
      hash = text(b, h, h + 64);
    } else if (payloadEnd != end - 1) {
      return null; // unknown fields, whitespace or damage: the general parser decides
    }
    if (b[end - 1] != '}') {
      return null;
    }
    RunEvent e =
        new RunEvent(
            RunEvent.SCHEMA,
            eventId,
            runId(b, runIdFrom, runIdTo, d),
            seq,
            EventType.of(type),
            time,
            Optional.ofNullable(stepId),
            attempt < 0 ? OptionalInt.empty() : OptionalInt.of(attempt),
            Optional.ofNullable(parent),
            source,
            Optional.ofNullable(key),
            payloads.apply(text(b, p, payloadEnd)),
            Optional.ofNullable(hash),
            Map.of());
    // Every value is written back as read: the numbers have no leading zeros (lines with them are
    // not JSON, and were left to the general parser, which refuses them); the ids are canonical
    // UUIDs (lowercase, checked by EventId); the run id, type, step id and source are strings
    // without escapes whose values are their text (no constructor rewrites them), which the
    // encoder writes as they are; the idempotency key has no backslash, quote or control
    // character, the only ones the encoder escapes; the time parsed from its canonical 27
    // characters formats back to them; the payload and hash are kept as text; there are no unknown
    // fields. The bytes are well-formed UTF-8, so the text's UTF-8 is these bytes again.
    d.canonical = true;
    return e;
  }

  private static final byte[] PREFIX_BYTES = ascii(PREFIX);
  private static final byte[] RUN_ID = ascii(",\"run_id\":\"");
  private static final byte[] SEQUENCE = ascii(",\"sequence\":");
  private static final byte[] TYPE = ascii(",\"type\":\"");
  private static final byte[] TIME = ascii(",\"time\":\"");
  private static final byte[] STEP_ID = ascii(",\"step_id\":\"");
  private static final byte[] ATTEMPT = ascii(",\"attempt\":");
  private static final byte[] PARENT = ascii(",\"parent_event_id\":\"");
  private static final byte[] SOURCE = ascii(",\"source\":\"");
  private static final byte[] IDEMPOTENCY_KEY = ascii(",\"idempotency_key\":\"");
  private static final byte[] PAYLOAD = ascii(",\"payload\":");
  private static final byte[] HASH_BYTES = ascii(HASH);

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }

  /**
   * The text of {@code b[from, to)}.
   *
   * @throws MalformedText when the bytes are not well-formed UTF-8
   */
  private static String text(byte[] b, int from, int to) {
    String s = Utf8.decodeOrNull(b, from, to - from);
    if (s == null) {
      throw new MalformedText();
    }
    return s;
  }

  /** Whether the number at p starts with a zero followed by another digit. */
  private static boolean leadingZero(byte[] b, int p, int end) {
    return p + 1 < end && b[p] == '0' && isDigit(b[p + 1]);
  }

  /**
   * The id of the 36 bytes at p, checked once (by its constructor); null when not canonical, so the
   * general parser decides and words the error.
   */
  private static @Nullable EventId eventIdOrNull(byte[] b, int p) {
    try {
      return new EventId(new String(b, p, 36, StandardCharsets.ISO_8859_1));
    } catch (ValidationException e) {
      return null;
    }
  }

  /** Reuses the previous RunId of this thread when the bytes repeat (reads are per run). */
  private static RunId runId(byte[] b, int from, int to, Decoding d) {
    RunId r = d.runId;
    byte[] last = d.runIdBytes;
    if (r == null || !Arrays.equals(last, 0, last.length, b, from, to)) {
      r = RunId.of(text(b, from, to));
      d.runId = r;
      d.runIdBytes = Arrays.copyOfRange(b, from, to);
    }
    return r;
  }

  /** Returns the position after {@code token} at {@code p}, or -1. */
  private static int expect(byte[] b, int p, int end, byte[] token) {
    return p >= 0 && startsWith(b, p, end, token) ? p + token.length : -1;
  }

  private static boolean startsWith(byte[] b, int p, int end, byte[] token) {
    return p + token.length <= end && Arrays.equals(b, p, p + token.length, token, 0, token.length);
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
            payload = rawValue(p, json, "payload");
          }
          default -> {
            if (unknown == null) {
              unknown = new LinkedHashMap<>();
            }
            unknown.put(name, rawValue(p, json, name));
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

  /**
   * Returns the exact text of the value at the current token, compacted if needed. Its decimal
   * numbers are checked on the way ({@link JsonSupport#numberTooLong(String)}): the line's parser
   * does not read them, and one that {@link JsonSupport#parse} refuses would be kept as text here.
   *
   * @throws ValidationException naming the field for such a number
   */
  private static String rawValue(JsonParser p, String source, String field) throws IOException {
    int start = (int) p.currentTokenLocation().getCharOffset();
    JsonToken t = p.currentToken();
    int end;
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      int depth = 0;
      for (JsonToken k = t; k != null; k = p.nextToken()) {
        if (k == JsonToken.START_OBJECT || k == JsonToken.START_ARRAY) {
          depth++;
        } else if (k == JsonToken.END_OBJECT || k == JsonToken.END_ARRAY) {
          if (--depth == 0) {
            break;
          }
        } else if (k == JsonToken.VALUE_NUMBER_FLOAT) {
          requireDecimalInRange(p, field);
        }
      }
      end = (int) p.currentTokenLocation().getCharOffset() + 1;
    } else {
      if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        requireDecimalInRange(p, field);
      }
      // a string is read lazily: finish it, or the location is still just past its opening quote
      p.finishToken();
      end = (int) p.currentLocation().getCharOffset();
    }
    String raw = source.substring(start, end);
    return JsonSyntax.isCompact(raw) ? raw : JsonSupport.write(JsonSupport.parse(raw));
  }

  private static void requireDecimalInRange(JsonParser p, String field) throws IOException {
    String problem = JsonSupport.numberTooLong(p.getText());
    if (problem != null) {
      throw new ValidationException(field, "is not valid JSON: " + problem);
    }
  }

  private static String firstLine(@Nullable String m) {
    if (m == null) {
      return "";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
