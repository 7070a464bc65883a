package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

final class EventCodecTest {
  private static RunEvent sample() {
    return new RunEvent(
        RunEvent.SCHEMA,
        EventId.of("0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55"),
        RunId.of("acme/etl/r1"),
        7,
        EventTypes.TOOL_CALL_COMPLETED,
        Instant.parse("2026-11-29T20:26:58.123456789Z"),
        Optional.of("plan/search"),
        OptionalInt.of(2),
        Optional.of(EventId.of("0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a54")),
        "engine",
        Optional.of("k-1"),
        Payload.of("{\"tool_name\":\"search\",\"result\":{\"hits\":[1,2,3],\"score\":0.50}}"),
        Map.of());
  }

  @Test
  void encode_hasStableFieldOrderSnakeCaseAndMicroseconds() {
    String json = EventCodec.encode(sample());
    assertThat(json)
        .isEqualTo(
            "{\"schema\":\"runs.event/1\","
                + "\"event_id\":\"0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55\","
                + "\"run_id\":\"acme/etl/r1\","
                + "\"sequence\":7,\"type\":\"tool.call.completed\","
                + "\"time\":\"2026-11-29T20:26:58.123456Z\","
                + "\"step_id\":\"plan/search\",\"attempt\":2,"
                + "\"parent_event_id\":\"0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a54\","
                + "\"source\":\"engine\","
                + "\"idempotency_key\":\"k-1\","
                + "\"payload\":{\"tool_name\":\"search\","
                + "\"result\":{\"hits\":[1,2,3],\"score\":0.50}}}");
  }

  @Test
  void decode_ofEncode_isEqual() {
    RunEvent e = sample();
    assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
    assertThat(EventCodec.decode(EventCodec.encodeUtf8(e))).isEqualTo(e);
  }

  @Test
  void decode_keepsUnknownFields_andWritesThemBack() {
    String withExtra =
        EventCodec.encode(sample())
            .replace(
                "\"source\":\"engine\"",
                "\"trace\":{\"span\":\"abc\",\"depth\":2},\"source\":\"engine\"");
    RunEvent e = EventCodec.decode(withExtra);
    assertThat(e.unknownFields()).containsEntry("trace", "{\"span\":\"abc\",\"depth\":2}");
    assertThat(EventCodec.encode(e)).endsWith(",\"trace\":{\"span\":\"abc\",\"depth\":2}}");
    assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
  }

  @Test
  void decode_acceptsAnyFieldOrderWhitespaceAndOffsets() {
    String json =
        "{ \"payload\" : { \"a\" : 1 },\n"
            + " \"source\":\"host\", \"time\":\"2026-11-29T21:26:58.5+01:00\","
            + "\"type\":\"x.acme.thing\",\"sequence\":1,\"run_id\":\"r\","
            + "\"event_id\":\"0190A5C3-7B1E-7CC1-9E0A-3F6C2D1B4A55\",\"schema\":\"runs.event/1\"}";
    RunEvent e = EventCodec.decode(json);
    assertThat(e.time()).isEqualTo(Instant.parse("2026-11-29T20:26:58.500Z"));
    assertThat(e.payload().json()).isEqualTo("{\"a\":1}");
    assertThat(e.eventId().value()).isEqualTo("0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55");
    assertThat(e.stepId()).isEmpty();
  }

  @Test
  void decode_missingOrMalformedFields_nameTheField() {
    String good = EventCodec.encode(sample());
    assertThatThrownBy(() -> EventCodec.decode(good.replace("\"run_id\":\"acme/etl/r1\",", "")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("run_id");
    assertThatThrownBy(
            () -> EventCodec.decode(good.replace("\"sequence\":7", "\"sequence\":\"7\"")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("sequence");
    assertThatThrownBy(() -> EventCodec.decode(good.replace("\"sequence\":7", "\"sequence\":0")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("sequence");
    assertThatThrownBy(() -> EventCodec.decode(good.replace("runs.event/1", "runs.event/2")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("schema");
    assertThatThrownBy(
            () -> EventCodec.decode(good.replace("2026-11-29T20:26:58.123456Z", "yesterday")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("time");
    assertThatThrownBy(
            () ->
                EventCodec.decode(
                    good.replace("{\"tool_name\"", "[{\"tool_name\"")
                        .replace("0.50}}}", "0.50}}]}")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload");
    assertThatThrownBy(() -> EventCodec.decode(good.substring(0, good.length() - 5)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("JSON");
    assertThatThrownBy(() -> EventCodec.decode(good + "{}"))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> EventCodec.decode("[]")).isInstanceOf(ValidationException.class);
  }

  @Test
  void decode_duplicateTopLevelField_isRefused() {
    String dup =
        EventCodec.encode(sample())
            .replace("\"source\":\"engine\"", "\"source\":\"engine\",\"source\":\"x\"");
    assertThatThrownBy(() -> EventCodec.decode(dup))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("source");
  }

  @Test
  void decode_ofPartOfABuffer_readsOnlyThatRange() {
    byte[] line = EventCodec.encodeUtf8(sample());
    byte[] buffer = new byte[line.length + 20];
    java.util.Arrays.fill(buffer, (byte) '}');
    System.arraycopy(line, 0, buffer, 7, line.length);

    assertThat(EventCodec.decode(buffer, 7, line.length)).isEqualTo(sample());
    assertThatThrownBy(() -> EventCodec.decode(buffer, 7, line.length + 1))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> EventCodec.decode(buffer, 7, buffer.length))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> EventCodec.decode(buffer, -1, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void decode_ofNonAsciiText_isTheSameFromBytesAndFromText() {
    RunEvent e =
        new RunEvent(
            RunEvent.SCHEMA,
            sample().eventId(),
            RunId.of("acme/r1"),
            1,
            EventTypes.CONSOLE_LINE,
            sample().time(),
            Optional.of("plan"),
            OptionalInt.empty(),
            Optional.empty(),
            "engine",
            Optional.of("cl\u00e9 \ud83d\ude00"),
            Payload.of("{\"text\":\"caf\u00e9 \u20ac \ud83d\ude00\"}"),
            Map.of());
    byte[] line = EventCodec.encodeUtf8(e);

    assertThat(EventCodec.decode(line)).isEqualTo(e);
    assertThat(EventCodec.decode(new String(line, java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(e);
  }

  @Test
  void decode_ofMalformedUtf8_isRefusedNamingTheByte() {
    byte[] line = EventCodec.encodeUtf8(sample());
    String text = new String(line, java.nio.charset.StandardCharsets.US_ASCII);
    for (String field : new String[] {"\"engine\"", "\"search\"", "\"plan/search\""}) {
      byte[] bad = line.clone();
      int at = text.indexOf(field) + 2;
      bad[at] = (byte) 0xc3; // starts a two-byte sequence that the next ASCII byte does not end
      assertThatThrownBy(() -> EventCodec.decode(bad))
          .as(field)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("not well-formed UTF-8: byte " + at + " (0xc3)");
    }
  }

  @Test
  void decode_ofTextWithAnUnpairedSurrogate_keepsIt() {
    // text, unlike bytes, can hold one; the general parser reads it as written
    String json = EventCodec.encode(sample()).replace("\"search\"", "\"s\ud800\"");
    assertThat(EventCodec.decode(json).payload().json()).contains("\"s\ud800\"");
  }

  @Test
  void decode_ofACanonicalLineWhosePayloadRepeatsAName_isRefusedAsByTheGeneralParser() {
    String line =
        EventCodec.encode(sample()).replace("\"score\":0.50", "\"score\":0.50,\"score\":1");
    String spaced = line.replace("\"payload\":{", "\"payload\": {"); // only Jackson reads this

    assertThatThrownBy(() -> EventCodec.decode(spaced))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("score");
    assertThatThrownBy(() -> EventCodec.decode(line))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("score");
    assertThatThrownBy(
            () -> EventCodec.decode(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("score");
  }

  @Test
  void decode_ofAPayloadWithManyNamesOrEscapedNames_readsThemAll() {
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i < 40; i++) {
      many.append(i == 0 ? "" : ",").append("\"n").append(i).append("\":").append(i);
    }
    String manyNames = many.append('}').toString();
    String escapedNames = "{\"a\":1,\"\\u0062\":2,\"c\":3}";
    for (String payload : new String[] {manyNames, escapedNames}) {
      String line = EventCodec.encode(sample()).replace(sample().payload().json(), payload);

      assertThat(EventCodec.decode(line).payload().json()).isEqualTo(payload);
    }
    String repeatedEscaped = "{\"a\":1,\"\\u0061\":2}";
    String line = EventCodec.encode(sample()).replace(sample().payload().json(), repeatedEscaped);
    assertThatThrownBy(() -> EventCodec.decode(line)).isInstanceOf(ValidationException.class);
  }

  @Test
  void decode_ofAPayloadWithWhitespace_compactsIt_soItsLineStaysOneLine() {
    String canonical = EventCodec.encode(sample());
    String spaced =
        canonical.replace("\"result\":{\"hits\":[1,2,3]", "\"result\": {\"hits\":\n[1, 2,3]");

    RunEvent fromText = EventCodec.decode(spaced);
    RunEvent fromBytes =
        EventCodec.decode(spaced.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(fromText).isEqualTo(sample());
    assertThat(fromBytes).isEqualTo(sample());
    assertThat(EventCodec.encode(fromBytes)).isEqualTo(canonical).doesNotContain("\n");
  }

  /**
   * A number whose plain form would pass 1,000 characters (the longest Runs reads) is refused by
   * every decode path, in the payload or in an unknown field, naming the field; the fast path used
   * to keep it as text, the general parser to fail with a {@code NumberFormatException} or an
   * {@code UncheckedIOException}.
   */
  @Test
  void decode_ofANumberLongerThan1000CharactersWhenWritten_isRefusedNamingTheField() {
    String canonical = EventCodec.encode(sample());
    for (String number : new String[] {"1e1000", "-2.5E-998", "1e400901234167890"}) {
      String compact = canonical.replace("\"score\":0.50", "\"score\":" + number);
      String spaced = compact.replace("\"payload\":{", "\"payload\": {");
      String unknown =
          canonical.substring(0, canonical.length() - 1) + ",\"x_more\":" + number + "}";
      for (String line : new String[] {compact, spaced, " " + compact}) {
        assertThatThrownBy(() -> EventCodec.decode(line))
            .as(line)
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("payload")
            .hasMessageContaining("out of range");
        assertThatThrownBy(
                () -> EventCodec.decode(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .as(line)
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("payload");
      }
      assertThatThrownBy(() -> EventCodec.decode(unknown))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("x_more");
    }
    for (String number : new String[] {"1e999", "-2.5E-996"}) {
      String line = canonical.replace("\"score\":0.50", "\"score\":" + number);
      assertThat(EventCodec.decode(line).payload().json()).contains("\"score\":" + number);
      assertThat(EventCodec.decode(" " + line).payload().json()).contains("\"score\":" + number);
    }
  }
}
