package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.HashChain;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunVerification;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The hash chain: every event links to the one before it (the first to the run record), the link
 * travels with the event through reads and subscriptions, and a byte changed in any stored event is
 * found by {@code verify} at exactly that sequence. The contract's {@code Chain} group binds these
 * tests to the store under test.
 */
abstract class RunStoreHashChainKit extends RunStoreKit {
  private static final int EVENTS = 8;

  RunStoreHashChainKit(RunStoreContract contract) {
    super(contract);
  }

  private RunId runWithEvents() {
    RunId id = startedRun();
    List<EventDraft> lines = new ArrayList<>();
    for (int i = 3; i <= EVENTS; i++) {
      lines.add(line(i));
    }
    store().append(id, lines);
    return id;
  }

  @Test
  @DisplayName("every event carries its link; reads, subscriptions and verify agree")
  void chainedByDefault() throws Exception {
    RunId id = runWithEvents();
    List<RunEvent> events = all(store(), id);
    assertThat(events).hasSize(EVENTS).allSatisfy(e -> assertThat(e.hash()).isPresent());
    String previous = HashChain.genesis(store().get(id).orElseThrow());
    for (RunEvent e : events) {
      assertThat(e.hash()).as("sequence %d", e.sequence()).contains(HashChain.link(previous, e));
      previous = e.hash().orElseThrow();
    }
    RunVerification v = store().verify(id);
    assertThat(v.ok()).as("%s", v.problems()).isTrue();
    assertThat(v.chain().chainedEvents()).isEqualTo(EVENTS);
    assertThat(v.chain().headHash()).contains(previous);

    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    store().subscribe(id, 0).subscribe(sub);
    RunEvent live = store().append(id, line(99));
    sub.awaitCount(EVENTS + 1, Duration.ofSeconds(10));
    assertThat(sub.events()).containsExactlyElementsOf(concat(events, live));
    sub.cancel();
    if (isDurable()) {
      reopen();
      assertThat(all(store(), id)).containsExactlyElementsOf(concat(events, live));
      assertThat(store().append(id, line(100)).hash())
          .contains(HashChain.link(live.hash().orElseThrow(), all(store(), id).get(EVENTS + 1)));
      assertThat(store().verify(id).ok()).isTrue();
    }
  }

  @Test
  @DisplayName("a byte changed in any stored event is reported at exactly that sequence")
  void tamperedEvent_reportedAtItsSequence() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (long k = 1; k <= EVENTS; k++) {
      RunId id = runWithEvents();
      long target = k;
      int[] changedAt = new int[1];
      boolean changed =
          tamper(
              id,
              target,
              line -> {
                // one letter inside a string value (the source, or the payload's text), so the line
                // stays a valid envelope and only the hash can tell
                List<Integer> candidates = letterPositions(line, "\"source\":\"");
                candidates.addAll(letterPositions(line, "\"text\":\"line "));
                int at = candidates.get(random.nextInt(candidates.size()));
                changedAt[0] = at;
                char c = line.charAt(at);
                return line.substring(0, at) + (c == 'z' ? 'y' : 'z') + line.substring(at + 1);
              });
      assumeTrue(changed, "this store offers no way to change a stored event (tamper)");
      reopen();
      RunVerification v = store().verify(id);
      assertThat(v.chain().firstBroken())
          .as("seed %d: sequence %d changed at character %d", seed, target, changedAt[0])
          .hasValue(target);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems()).anySatisfy(p -> assertThat(p).contains("sequence " + target));
      assertThat(v.chain().chainedEvents()).isEqualTo(target - 1);
    }
  }

  /** Values of every JSON kind a newer writer might add as a top-level field. */
  private static final List<String> UNKNOWN_VALUES =
      List.of(
          "\"hello\"",
          "\"esc \\\" \\\\ \\n \\t \\u0000 \\u00e9\"",
          "\"\u00e9t\u00e9 \u4e2d\u6587 \ud83d\ude00\"",
          "\"\\ud83d\\ude00\"",
          "0",
          "-1.5e3",
          "123456789012345678901234567890",
          "true",
          "null",
          "[]",
          "[1,\"two\",null,{\"k\":[false]}]",
          "{}",
          "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":\"}\"}]}}}");

  @Test
  @DisplayName(
      "a newer writer's unknown fields of every JSON kind are kept byte for byte, in the chain")
  void unknownFieldsOfANewerWriter_roundTrip() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    RunId id = runWithEvents();
    List<RunEvent> before = all(store(), id);
    RunEvent last = before.get(before.size() - 1);
    String previous = before.get(before.size() - 2).hash().orElseThrow();
    String[] written = new String[1];
    boolean changed =
        tamper(
            id,
            last.sequence(),
            line -> {
              StringBuilder extra = new StringBuilder();
              int n = 1 + random.nextInt(4);
              for (int i = 0; i < n; i++) {
                extra
                    .append(",\"x_newer_")
                    .append(i)
                    .append("\":")
                    .append(UNKNOWN_VALUES.get(random.nextInt(UNKNOWN_VALUES.size())));
              }
              String unhashed = EventCodec.encode(last.withHash(Optional.empty()));
              RunEvent newer =
                  EventCodec.decode(unhashed.substring(0, unhashed.length() - 1) + extra + "}");
              RunEvent linked = newer.withHash(Optional.of(HashChain.link(previous, newer)));
              written[0] = EventCodec.encode(linked);
              return written[0];
            });
    assumeTrue(changed, "this store offers no way to change a stored event (tamper)");
    reopen();
    RunEvent read = all(store(), id).get(before.size() - 1);
    assertThat(EventCodec.encode(read)).as("seed %d", seed).isEqualTo(written[0]);
    assertThat(read.unknownFields()).as("seed %d", seed).isNotEmpty();
    // the newer writer linked its line; an engine that keeps the last hash with its head (SQLite,
    // PostgreSQL) would have it from that writer too, so the check stops at this line
    RunVerification v = store().verify(id);
    assertThat(v.chain().firstBroken()).as("seed %d: %s", seed, v.problems()).isEmpty();
    assertThat(v.chain().chainedEvents()).isEqualTo(EVENTS);
    assertThat(v.chain().headHash()).contains(read.hash().orElseThrow());
    reopen();
    assertThat(EventCodec.encode(all(store(), id).get(before.size() - 1))).isEqualTo(written[0]);
  }

  @Test
  @DisplayName("with hash_chain off, events carry no hash and verify finds nothing chained")
  void off_noHashes() throws Exception {
    Files.createDirectories(dir().resolve("plain"));
    RunStore plain =
        newStore(dir().resolve("plain"), options().toBuilder().hashChain(false).build());
    try {
      RunId id = plain.create(record()).record().id();
      plain.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      RunEvent e =
          plain.append(
              id,
              EventDraft.of(
                  EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "x"))));
      assertThat(all(plain, id)).allSatisfy(ev -> assertThat(ev.hash()).isEmpty());
      assertThat(EventCodec.encode(e)).doesNotContain("\"hash\"");
      RunVerification v = plain.verify(id);
      assertThat(v.ok()).isTrue();
      assertThat(v.chain().chainedEvents()).isZero();
      assertThat(v.chain().headHash()).isEmpty();
    } finally {
      plain.close();
    }
  }

  private static List<Integer> letterPositions(String line, String marker) {
    List<Integer> out = new ArrayList<>();
    int i = line.indexOf(marker);
    if (i < 0) {
      return out;
    }
    for (int p = i + marker.length(); p < line.length() && line.charAt(p) != '"'; p++) {
      if (line.charAt(p) >= 'a' && line.charAt(p) <= 'z') {
        out.add(p);
      }
    }
    return out;
  }

  private static List<RunEvent> concat(List<RunEvent> events, RunEvent last) {
    List<RunEvent> out = new ArrayList<>(events);
    out.add(last);
    return out;
  }
}
