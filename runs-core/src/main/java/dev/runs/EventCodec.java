package dev.runs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.runs.internal.CanonicalEventCodec;
import dev.runs.internal.JsonSupport;
import dev.runs.internal.Times;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The JSON form of the event envelope ({@code runs.event/1}): snake_case fields in a fixed order
 * ({@code schema, event_id, run_id, sequence, type, time, step_id, attempt, parent_event_id,
 * source, idempotency_key, payload}, then unknown fields), compact, one object per line in NDJSON,
 * time as RFC 3339 UTC with six fractional digits. Absent optional fields are left out.
 *
 * <p>Decoding accepts the fields in any order, keeps unknown top-level fields, and refuses a
 * missing or malformed required field with a {@link ValidationException} naming it. The JSON
 * Schema of the envelope is the class-path resource {@value #SCHEMA_RESOURCE}.
 *
 * <p>All methods are static and thread-safe.
 */
public final class EventCodec {
  /** Class-path location of the envelope's JSON Schema (draft 2020-12). */
  public static final String SCHEMA_RESOURCE = "/dev/runs/schema/runs-event-1.schema.json";

  private EventCodec() {}

  /**
   * Encodes an event as one compact JSON object (no trailing newline).
   *
   * @param event the event
   * @return the JSON text
   */
  public static String encode(RunEvent event) {
    StringBuilder b = new StringBuilder(384 + event.payload().json().length());
    CanonicalEventCodec.encode(event, b);
    return b.toString();
  }

  /**
   * Encodes an event as UTF-8 bytes of one compact JSON object (no trailing newline).
   *
   * @param event the event
   * @return the bytes
   */
  public static byte[] encodeUtf8(RunEvent event) {
    return encode(event).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes an event as one compact JSON object (no trailing newline).
   *
   * @param event the event
   * @param out where to write; not closed
   * @throws UncheckedIOException when the writer fails
   */
  public static void encodeTo(RunEvent event, Writer out) {
    try {
      out.write(encode(event));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Appends an event as one compact JSON object (no trailing newline).
   *
   * @param event the event
   * @param out where to append
   */
  public static void encodeTo(RunEvent event, StringBuilder out) {
    CanonicalEventCodec.encode(event, out);
  }

  /**
   * Decodes one JSON object (surrounding whitespace allowed).
   *
   * @param json the text
   * @return the event
   * @throws ValidationException when the text is not JSON, or a required field is missing or
   *     malformed; the exception names the field
   */
  public static RunEvent decode(String json) {
    RunEvent fast = CanonicalEventCodec.tryDecode(json);
    if (fast != null) {
      return fast;
    }
    try (JsonParser p = JsonSupport.FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ValidationException("event", "must be a JSON object");
      }
      String schema = null;
      String eventId = null;
      String runId = null;
      long sequence = -1;
      String type = null;
      String time = null;
      String stepId = null;
      Integer attempt = null;
      String parent = null;
      String source = null;
      String idem = null;
      String payload = null;
      Map<String, String> unknown = null;
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
      require(schema, "schema");
      if (!schema.equals(RunEvent.SCHEMA)) {
        throw new ValidationException("schema", "'" + schema + "' is not supported; this version reads "
            + RunEvent.SCHEMA);
      }
      require(eventId, "event_id");
      require(runId, "run_id");
      if (sequence < 0) {
        throw new ValidationException("sequence", "is required");
      }
      require(type, "type");
      require(time, "time");
      require(source, "source");
      require(payload, "payload");
      Instant instant = Times.parse(time, "time");
      return new RunEvent(schema, EventId.of(eventId), RunId.of(runId), sequence,
          EventType.of(type), instant, Optional.ofNullable(stepId),
          attempt == null ? OptionalInt.empty() : OptionalInt.of(attempt),
          parent == null ? Optional.empty() : Optional.of(EventId.of(parent)), source,
          Optional.ofNullable(idem), Payload.trusted(payload),
          unknown == null ? Map.of() : unknown);
    } catch (IOException e) {
      throw new ValidationException("event", "is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /**
   * Decodes UTF-8 bytes of one JSON object.
   *
   * @param utf8 the bytes
   * @return the event
   * @throws ValidationException as {@link #decode(String)}
   */
  public static RunEvent decode(byte[] utf8) {
    return decode(new String(utf8, StandardCharsets.UTF_8));
  }

  private static String string(JsonParser p, JsonToken v, String field) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw new ValidationException(field, "must be a string");
    }
    return p.getText();
  }

  private static String nullableString(JsonParser p, JsonToken v, String field) throws IOException {
    return v == JsonToken.VALUE_NULL ? null : string(p, v, field);
  }

  private static void require(Object value, String field) {
    if (value == null) {
      throw new ValidationException(field, "is required");
    }
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

  private static String firstLine(String m) {
    if (m == null) {
      return "";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
