package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.testsupport.TestRuns;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The canonical check of an event line ({@link EventLines.Reader#isCanonical}) says yes exactly for
 * the bytes {@link EventCodec#encodeUtf8} makes, for ASCII and other text alike, with one builder
 * reused across lines of different lengths.
 */
final class EventLinesCanonicalTest {
  private static List<RunEvent> events() {
    try (RunStore store = RunStores.memory()) {
      RunId id = TestRuns.startedRun(store);
      for (String text :
          List.of("plain", "caf\u00e9", "\ud83d\ude00 smile", "", "x".repeat(3000))) {
        store.append(
            id,
            EventDraft.of(
                EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", text))));
      }
      return store.read(id, 0, 100);
    }
  }

  @Test
  void canonicalLines_areCanonical_withOneBuilderForAll() {
    StringBuilder text = new StringBuilder(16);
    for (RunEvent e : events()) {
      byte[] line = EventCodec.encodeUtf8(e);
      assertThat(EventLines.Reader.isCanonical(EventCodec.decode(line), line, text))
          .as("sequence %d", e.sequence())
          .isTrue();
    }
  }

  @Test
  void otherSpellingsOfTheSameEvent_areNotCanonical() {
    StringBuilder text = new StringBuilder();
    for (RunEvent e : events()) {
      String canonical = EventCodec.encode(e);
      for (String other : List.of("{ " + canonical.substring(1), canonical + " ")) {
        byte[] line = other.getBytes(StandardCharsets.UTF_8);
        assertThat(EventLines.Reader.isCanonical(EventCodec.decode(line), line, text))
            .as("sequence %d: %s", e.sequence(), other)
            .isFalse();
      }
      byte[] shorter =
          canonical.substring(0, canonical.length() - 1).getBytes(StandardCharsets.UTF_8);
      assertThat(EventLines.Reader.isCanonical(e, shorter, text)).isFalse();
    }
  }

  @Test
  void escapedTextInThePayload_isJudgedAsTheEncoderWritesIt() {
    // the payload keeps its JSON text as given, so an escape there is as canonical as the encoder
    // makes it: the check agrees with comparing whole encodings, whatever that says
    StringBuilder text = new StringBuilder();
    for (RunEvent e : events()) {
      String escaped = EventCodec.encode(e).replace("\u00e9", "\\" + "u00e9");
      byte[] line = escaped.getBytes(StandardCharsets.UTF_8);
      RunEvent decoded = EventCodec.decode(line);
      assertThat(EventLines.Reader.isCanonical(decoded, line, text))
          .as("sequence %d", e.sequence())
          .isEqualTo(Arrays.equals(EventCodec.encodeUtf8(decoded), line));
    }
  }
}
