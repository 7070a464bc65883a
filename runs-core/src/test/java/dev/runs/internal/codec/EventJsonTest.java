package dev.runs.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventCodec;
import dev.runs.EventId;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ValidationException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * {@link EventJson#lastDecodeWasCanonical()}: true after reading a canonical line directly, false
 * for every other spelling of the same event and after a decode that failed.
 */
final class EventJsonTest {
  private static final String LINE =
      EventCodec.encode(
          new RunEvent(
              RunEvent.SCHEMA,
              EventId.random(),
              RunId.of("ns/r"),
              7,
              EventTypes.STEP_STARTED,
              Instant.parse("2026-12-06T17:00:00.123456Z"),
              Optional.of("plan"),
              OptionalInt.of(3),
              Optional.of(EventId.random()),
              "host",
              Optional.of("key \"1\""),
              Payload.of("{\"a\":1}"),
              Optional.of("0123456789abcdef".repeat(4)),
              Map.of()));

  private static final String PLAIN_KEY_LINE = LINE.replace("key \\\"1\\\"", "key-1");

  @Test
  void canonicalLine_readDirectly_isProven() {
    RunEvent e = EventCodec.decode(PLAIN_KEY_LINE);
    assertThat(EventJson.lastDecodeWasCanonical()).isTrue();
    assertThat(EventCodec.encode(e)).isEqualTo(PLAIN_KEY_LINE);
  }

  /**
   * JSON has no numbers with leading zeros. The fast path once read them (and did not claim the
   * line canonical) while the general parser refused them, so a leading space changed the answer;
   * now both refuse.
   */
  @Test
  void leadingZeros_inSequenceOrAttempt_areRefusedByEveryPath() {
    for (String other :
        new String[] {
          PLAIN_KEY_LINE.replace("\"sequence\":7", "\"sequence\":07"),
          PLAIN_KEY_LINE.replace("\"attempt\":3", "\"attempt\":003")
        }) {
      for (String line : new String[] {other, " " + other}) {
        assertThatThrownBy(() -> EventCodec.decode(line))
            .as(line)
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("is not valid JSON");
        assertThat(EventJson.lastDecodeWasCanonical()).isFalse();
      }
    }
  }

  @Test
  void lineTheGeneralParserReads_isNotProven() {
    EventCodec.decode(PLAIN_KEY_LINE);
    EventCodec.decode(LINE); // an escaped key: canonical, but not read by the fast path
    assertThat(EventJson.lastDecodeWasCanonical()).isFalse();
    EventCodec.decode(PLAIN_KEY_LINE);
    EventCodec.decode(" " + PLAIN_KEY_LINE);
    assertThat(EventJson.lastDecodeWasCanonical()).isFalse();
  }

  @Test
  void decodeThatFailed_isNotProven() {
    EventCodec.decode(PLAIN_KEY_LINE);
    String badAttempt = PLAIN_KEY_LINE.replace("\"attempt\":3", "\"attempt\":0");
    assertThatThrownBy(() -> EventCodec.decode(badAttempt)).hasMessageContaining("attempt");
    assertThat(EventJson.lastDecodeWasCanonical()).isFalse();
  }
}
