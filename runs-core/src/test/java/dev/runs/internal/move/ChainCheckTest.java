package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.HashChain;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StoreCorruptedException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link ChainCheck} passes every stored line stream a store can hold (chained, unchained, chained
 * after an unchained start, with unknown fields after the hash), however the stream is cut into
 * blocks, and refuses one byte changed anywhere in a chained run at that event.
 */
final class ChainCheckTest {

  /** How a generated run's lines carry the chain. */
  private enum Chain {
    ON,
    OFF,
    ON_AFTER_AN_UNCHAINED_START,
    ON_WITH_UNKNOWN_FIELDS
  }

  @SeededProperty(cases = 60)
  void storedLines_pass_andOneChangedByte_isRefusedAtItsEvent(Cases cases) {
    Chain chain = cases.oneOf(List.of(Chain.values()));
    try (RunStore store = RunStores.memory()) {
      RunRecord record = run(store, cases);
      List<byte[]> lines = lines(store, record, chain, cases);
      String genesis = HashChain.genesis(record);

      ChainCheck clean = new ChainCheck(record.id(), genesis);
      feed(clean, join(lines), cases);
      assertThat(clean.end()).as("%s", chain).isEqualTo(lines.size());

      if (chain == Chain.OFF) {
        return; // nothing to check a change against
      }
      int k = cases.intBetween(1, lines.size());
      byte[] line = lines.get(k - 1);
      int at = cases.intBetween(0, line.length - 1);
      byte was = line[at];
      byte now;
      do {
        now = (byte) cases.intBetween(0, 255);
      } while (now == was);
      List<byte[]> damaged = new ArrayList<>(lines);
      byte[] changed = line.clone();
      changed[at] = now;
      damaged.set(k - 1, changed);

      ChainCheck check = new ChainCheck(record.id(), genesis);
      Throwable thrown = catchThrowable(() -> feed(check, join(damaged), cases));
      String where =
          "%s, line %d of %d, byte %d '%c' -> '%c'"
              .formatted(chain, k, lines.size(), at, (char) was, (char) now);
      if (EventCodec.decode(line).hash().isEmpty()) {
        // an event written before the chain began has no link to break: only a line that no
        // longer decodes is refused, at that event
        if (thrown != null) {
          assertThat(thrown.getMessage()).as(where).contains("its stored event " + k + " ");
        }
        return;
      }
      if (thrown == null && k == 1 && lines.size() == 1) {
        // a lone first event whose hash field became another field: an unchained run of one event,
        // which only the head kept apart from the log can tell (verify compares it)
        assertThat(EventCodec.decode(changed).hash()).as(where).isEmpty();
        return;
      }
      assertThat(thrown).as(where).isInstanceOf(StoreCorruptedException.class);
      // the first event's hash field turned into another field reads as an unchained start, so the
      // second event is the first whose link cannot hold
      String named = k == 1 && thrown.getMessage().contains("event 2 ") ? "2" : String.valueOf(k);
      assertThat(thrown.getMessage())
          .as(where)
          .contains("run " + record.id() + ": its stored event " + named + " ");
    }
  }

  @Test
  void aStreamCutInsideALine_isNotWholeLines() {
    try (RunStore store = RunStores.memory()) {
      RunRecord record = run(store, new Cases(1));
      byte[] all = join(lines(store, record, Chain.ON, new Cases(1)));
      ChainCheck check = new ChainCheck(record.id(), HashChain.genesis(record));
      check.accept(all, 0, all.length - 1); // without the last line feed
      assertThatThrownBy(check::end)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("the lines end inside line");
    }
  }

  /** A run of 1 to 40 events: steps, console lines with any text, sometimes an end. */
  private static RunRecord run(RunStore store, Cases cases) {
    RunRecord r =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("chain-check", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "t-" + cases.seed()))
                    .build())
            .record();
    int n = cases.intBetween(0, 39);
    if (n > 0) {
      store.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
    }
    for (int i = 1; i < n; i++) {
      String text = cases.string(0, 60, cases::anyChar);
      store.append(
          r.id(),
          EventDraft.of(
              EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", text))));
    }
    return r;
  }

  /** The run's lines rebuilt with the chain as asked, each exactly as a store keeps it. */
  private static List<byte[]> lines(RunStore store, RunRecord record, Chain chain, Cases cases) {
    List<RunEvent> events = store.read(record.id(), 0, 1000);
    int unchainedStart =
        chain == Chain.ON_AFTER_AN_UNCHAINED_START ? cases.intBetween(1, events.size()) : 0;
    String previous = HashChain.genesis(record);
    List<byte[]> lines = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      RunEvent e = events.get(i).withHash(Optional.empty());
      if (chain == Chain.ON_WITH_UNKNOWN_FIELDS && cases.bool()) {
        byte[] plain = EventCodec.encodeUtf8(e);
        String text = new String(plain, 0, plain.length - 1, StandardCharsets.UTF_8);
        e = EventCodec.decode(text + ",\"x_note\":{\"n\":" + i + "}}");
        assertThat(e.unknownFields()).containsKey("x_note");
      }
      if (chain == Chain.OFF || i < unchainedStart) {
        previous = HashChain.UNCHAINED;
      } else {
        String link = HashChain.link(previous, e);
        e = e.withHash(Optional.of(link));
        previous = link;
      }
      lines.add(EventCodec.encodeUtf8(e));
    }
    assertThat(HashChain.verify(record, decoded(lines).iterator()).intact()).isTrue();
    return lines;
  }

  private static List<RunEvent> decoded(List<byte[]> lines) {
    List<RunEvent> out = new ArrayList<>();
    for (byte[] l : lines) {
      out.add(EventCodec.decode(l));
    }
    return out;
  }

  private static byte[] join(List<byte[]> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] l : lines) {
      out.writeBytes(l);
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** Feeds the bytes in random pieces, each from a larger buffer at an offset. */
  private static void feed(ChainCheck check, byte[] all, Cases cases) {
    int at = 0;
    while (at < all.length) {
      int n = Math.min(all.length - at, cases.intBetween(1, 3000));
      int pad = cases.intBetween(0, 4);
      byte[] piece = new byte[n + 2 * pad];
      Arrays.fill(piece, (byte) '\n'); // bytes outside the piece must not be read
      System.arraycopy(all, at, piece, pad, n);
      check.accept(piece, pad, n);
      at += n;
    }
  }
}
