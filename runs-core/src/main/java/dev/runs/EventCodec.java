package dev.runs;

import dev.runs.internal.codec.EventJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The JSON form of the event envelope ({@code runs.event/1}): snake_case fields in a fixed order
 * ({@code schema, event_id, run_id, sequence, type, time, step_id, attempt, parent_event_id,
 * source, idempotency_key, payload}, then unknown fields), compact, one object per line in NDJSON,
 * time as RFC 3339 UTC with six fractional digits. Absent optional fields are left out.
 *
 * <p>Decoding accepts the fields in any order, keeps unknown top-level fields, and refuses a
 * missing or malformed required field with a {@link ValidationException} naming it. The JSON Schema
 * of the envelope is the class-path resource {@value #SCHEMA_RESOURCE}.
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
    EventJson.encode(event, b);
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
    EventJson.encode(event, out);
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
    return EventJson.decode(json, Payload::trusted);
  }

  /**
   * Decodes UTF-8 bytes of one JSON object. The bytes must be well-formed UTF-8: a malformed
   * sequence is refused, never read as replacement characters.
   *
   * @param utf8 the bytes
   * @return the event
   * @throws ValidationException as {@link #decode(String)}, and when the bytes are not well-formed
   *     UTF-8 (the message names the first malformed byte)
   */
  public static RunEvent decode(byte[] utf8) {
    return EventJson.decode(utf8, 0, utf8.length, Payload::trusted);
  }

  /**
   * Decodes the UTF-8 bytes of one JSON object from part of a buffer, such as a line read into a
   * larger one, without copying them first. The bytes must be well-formed UTF-8, as for {@link
   * #decode(byte[])}.
   *
   * @param utf8 the buffer
   * @param offset index of the object's first byte
   * @param length number of bytes
   * @return the event
   * @throws ValidationException as {@link #decode(byte[])}
   * @throws IndexOutOfBoundsException when the range lies outside the buffer
   */
  public static RunEvent decode(byte[] utf8, int offset, int length) {
    return EventJson.decode(utf8, offset, length, Payload::trusted);
  }

  /**
   * Appends the canonical JSON of an event without its {@code hash} field: the text a link of the
   * run's hash chain is computed over (see {@link HashChain}).
   *
   * @param event the event
   * @param out where to write
   * @throws ValidationException when the time is out of range
   */
  public static void encodeUnhashedTo(RunEvent event, StringBuilder out) {
    EventJson.encodeUnhashed(event, out);
  }

  /** The hash chain link of an event: see {@link HashChain#link}. */
  static String link(String previous, RunEvent event) {
    return EventJson.link(previous, event);
  }
}
