package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class HashChainTest {
  private static RunStore store(boolean chain) {
    return RunStores.open("memory:", RunStoreOptions.builder().hashChain(chain).build());
  }

  private static RunRecord record() {
    return RunRecord.builder(
            WorkflowRef.of("w", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, "t-" + java.util.UUID.randomUUID()))
        .build();
  }

  private static List<RunEvent> all(RunStore s, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream e = s.read(id, 0)) {
      e.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void everyEventLinksToThePreviousOne_fromTheRecord() {
    try (RunStore s = store(true)) {
      RunRecord r = record();
      s.create(r);
      s.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
      s.append(
          r.id(),
          List.of(EventDraft.of("x.a.b", Map.of("n", 1)), EventDraft.of("x.a.b", Map.of("n", 2))));
      List<RunEvent> events = all(s, r.id());
      // the chain starts from the record as stored (the store stamps and redacts it)
      String previous = HashChain.genesis(s.get(r.id()).orElseThrow());
      for (RunEvent e : events) {
        assertThat(e.hash()).contains(HashChain.link(previous, e));
        previous = e.hash().orElseThrow();
      }
      RunVerification v = s.verify(r.id());
      assertThat(v.ok()).isTrue();
      assertThat(v.chain().chainedEvents()).isEqualTo(4);
      assertThat(v.chain().headHash()).contains(previous);
      // the line carries the hash after the payload, and decoding keeps it
      String line = EventCodec.encode(events.get(3));
      assertThat(line).endsWith(",\"hash\":\"" + previous + "\"}");
      assertThat(EventCodec.decode(line)).isEqualTo(events.get(3));
      assertThat(EventCodec.decode(" " + line)).isEqualTo(events.get(3));
    }
  }

  @Test
  void aChangedByteIsFoundAtItsSequence_andOnlyThere() {
    try (RunStore s = store(true)) {
      RunRecord r = record();
      s.create(r);
      s.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
      for (int i = 0; i < 5; i++) {
        s.append(r.id(), EventDraft.of("x.a.b", Map.of("text", "line " + i)));
      }
      List<RunEvent> events = all(s, r.id());
      RunRecord stored = s.get(r.id()).orElseThrow();
      assertThat(HashChain.verify(stored, events.iterator()).intact()).isTrue();
      for (int k = 0; k < events.size(); k++) {
        List<RunEvent> tampered = new ArrayList<>(events);
        RunEvent e = events.get(k);
        String line = EventCodec.encode(e);
        int at = line.indexOf("\"source\":\"") + 10;
        String changed = line.substring(0, at) + "z" + line.substring(at + 1);
        tampered.set(k, EventCodec.decode(changed));
        HashChain.Result result = HashChain.verify(stored, tampered.iterator());
        assertThat(result.firstBroken()).hasValue(e.sequence());
        assertThat(result.chainedEvents()).isEqualTo(k);
      }
      // removing an event breaks the chain at the event after it
      List<RunEvent> without = new ArrayList<>(events);
      without.remove(3);
      assertThat(HashChain.verify(stored, without.iterator()).firstBroken()).hasValue(5);
      // a stripped hash is a break too
      List<RunEvent> stripped = new ArrayList<>(events);
      stripped.set(2, events.get(2).withHash(Optional.empty()));
      assertThat(HashChain.verify(stored, stripped.iterator()).firstBroken()).hasValue(3);
      // another run's record does not start this chain
      assertThat(HashChain.verify(record(), events.iterator()).firstBroken()).hasValue(1);
    }
  }

  @Test
  void offMeansNoHash_andVerifySaysNothingIsChained() {
    try (RunStore s = store(false)) {
      RunRecord r = record();
      s.create(r);
      RunEvent e = s.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
      assertThat(e.hash()).isEmpty();
      assertThat(EventCodec.encode(e)).doesNotContain("\"hash\"");
      RunVerification v = s.verify(r.id());
      assertThat(v.ok()).isTrue();
      assertThat(v.chain().chainedEvents()).isZero();
      assertThat(v.chain().headHash()).isEmpty();
    }
  }

  /**
   * verify reads the entry, the log and the head one after the other: while another thread appends,
   * the head it compares with the chain's end must be the one of the log it read, or none.
   */
  @Test
  void verifyDuringAppends_findsNoDifference() throws Exception {
    try (RunStore s = store(true)) {
      RunRecord r = record();
      s.create(r);
      s.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
      Thread writer =
          new Thread(
              () -> {
                for (int i = 0; i < 3_000; i++) {
                  s.append(
                      r.id(),
                      EventDraft.of(
                          EventTypes.CONSOLE_LINE,
                          Payload.of(Map.of("stream", "stdout", "text", "x"))));
                }
              });
      writer.start();
      List<String> problems = new ArrayList<>();
      int verified = 0;
      while (writer.isAlive()) {
        problems.addAll(s.verify(r.id()).problems());
        verified++;
      }
      writer.join();
      assertThat(verified).isPositive();
      assertThat(problems).isEmpty();
      assertThat(s.verify(r.id()).problems()).isEmpty();
    }
  }

  @Test
  void theUriParameterOverridesTheOption() {
    try (RunStore s =
        RunStores.open(
            "memory:?hash_chain=off", RunStoreOptions.builder().hashChain(true).build())) {
      RunRecord r = record();
      s.create(r);
      assertThat(all(s, r.id()).get(0).hash()).isEmpty();
    }
  }
}
