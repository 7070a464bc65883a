package dev.runs.internal;

import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The hot path of the envelope codec: writes the canonical layout with a {@link StringBuilder}, and
 * reads back exactly that layout without a general JSON parser. The reader returns {@code null} for
 * anything else (other field order, escapes in envelope strings, unknown fields, whitespace), and
 * the caller then uses the general Jackson path, so accepted inputs and error messages do not
 * depend on which path ran. The payload is checked for JSON syntax by a small allocation-free
 * validator and kept as text.
 */
public final class CanonicalEventCodec {
  private static final String PREFIX = "{\"schema\":\"runs.event/1\",\"event_id\":\"";
  private static final ThreadLocal<RunId[]> LAST_RUN_ID = ThreadLocal.withInitial(() -> new RunId[1]);

  private CanonicalEventCodec() {}

  /**
   * Appends the canonical JSON of an event (no newline).
   *
   * @param e the event
   * @param b where to write
   */
  public static void encode(RunEvent e, StringBuilder b) {
    b.append("{\"schema\":");
    string(b, e.schema());
    b.append(",\"event_id\":\"").append(e.eventId().value());
    b.append("\",\"run_id\":\"").append(e.runId().value());
    b.append("\",\"sequence\":").append(e.sequence());
    b.append(",\"type\":\"").append(e.type().name());
    b.append("\",\"time\":\"");
    Times.formatTo(e.time(), b);
    b.append('"');
    if (e.stepId().isPresent()) {
      b.append(",\"step_id\":\"").append(e.stepId().get()).append('"');
    }
    if (e.attempt().isPresent()) {
      b.append(",\"attempt\":").append(e.attempt().getAsInt());
    }
    if (e.parentEventId().isPresent()) {
      b.append(",\"parent_event_id\":\"").append(e.parentEventId().get().value()).append('"');
    }
    b.append(",\"source\":\"").append(e.source()).append('"');
    if (e.idempotencyKey().isPresent()) {
      b.append(",\"idempotency_key\":");
      string(b, e.idempotencyKey().get());
    }
    b.append(",\"payload\":").append(e.payload().json());
    for (Map.Entry<String, String> u : e.unknownFields().entrySet()) {
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
            b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /**
   * Reads the canonical layout.
   *
   * @param s one line
   * @return the event, or {@code null} when the line is not in the canonical layout (use the
   *     general parser then)
   */
  public static RunEvent tryDecode(String s) {
    if (!s.startsWith(PREFIX)) {
      return null;
    }
    int p = PREFIX.length();
    if (s.length() < p + 37 || s.charAt(p + 36) != '"') {
      return null;
    }
    String eventId = s.substring(p, p + 36);
    if (!isCanonicalUuid(eventId)) {
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
    String stepId = null;
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
      int a = 0;
      int d = 0;
      while (q < s.length() && s.charAt(q) >= '0' && s.charAt(q) <= '9' && d < 9) {
        a = a * 10 + (s.charAt(q) - '0');
        q++;
        d++;
      }
      if (d == 0) {
        return null;
      }
      attempt = a;
      p = q;
    }
    String parent = null;
    q = expect(s, p, ",\"parent_event_id\":\"");
    if (q > 0) {
      if (s.length() < q + 37 || s.charAt(q + 36) != '"') {
        return null;
      }
      parent = s.substring(q, q + 36);
      if (!isCanonicalUuid(parent)) {
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
    String key = null;
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
    if (payloadEnd < 0 || payloadEnd != s.length() - 1 || s.charAt(payloadEnd) != '}') {
      return null; // unknown fields, whitespace or damage: the general parser decides
    }
    String payload = s.substring(p, payloadEnd);
    return new RunEvent(RunEvent.SCHEMA, new EventId(eventId), runId(runId), seq, EventType.of(type), time,
        Optional.ofNullable(stepId), attempt < 0 ? OptionalInt.empty() : OptionalInt.of(attempt),
        parent == null ? Optional.empty() : Optional.of(new EventId(parent)), source,
        Optional.ofNullable(key), ApiBridge.payloads().trusted(payload), Map.of());
  }

  /** Reuses the previous RunId of this thread when the text repeats (reads are per run). */
  private static RunId runId(String text) {
    RunId[] last = LAST_RUN_ID.get();
    RunId r = last[0];
    if (r == null || !r.value().equals(text)) {
      r = RunId.of(text);
      last[0] = r;
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

  /**
   * @param s text
   * @return true for a canonical lowercase UUID
   */
  public static boolean isCanonicalUuid(String s) {
    if (s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
