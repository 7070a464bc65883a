package dev.runs.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appends batches from several threads and prints each acknowledged batch; the test
 * kills it with SIGKILL at random moments, then reopens the database and checks that every
 * acknowledged event is there, sequences are gapless and no batch is half written.
 */
@Timeout(900)
final class SqliteCrashIT {
  private static final int KILLS = 24;

  @TempDir Path dir;

  /** An acknowledged batch: its size and the sequence of its last event. */
  private record Ack(int size, long lastSequence) {}

  @Test
  void sigkillAtRandomMoments_keepsEveryAcknowledgedEventAndNoHalfBatch() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Path db = dir.resolve("runs.db");
    RunId run;
    try (RunStore store = RunStores.open("sqlite:" + db)) {
      run = store.create(Fixtures.record().build()).record().id();
      store.append(run, EventDraft.of(EventTypes.RUN_STARTED));
    }
    Map<String, Ack> acknowledged = new LinkedHashMap<>();
    int killsAfterAcks = 0;
    long[] lastStored = {0};
    for (int kill = 1; kill <= KILLS; kill++) {
      String context = "kill " + kill + " of " + KILLS + " (seed " + seed + ")";
      boolean waitForAcks = random.nextBoolean();
      int acksWanted = 1 + random.nextInt(400);
      long killAfterMillis = random.nextInt(1500);
      int acksThisRound = 0;
      try (ChildJvm child =
          SqliteChild.start(
              dir, "crash", db.toString(), run.value(), "4", Long.toString(seed + kill * 1000L))) {
        long deadline = System.nanoTime() + killAfterMillis * 1_000_000L;
        while (true) {
          if (!waitForAcks && System.nanoTime() >= deadline) {
            break;
          }
          Optional<String> line = child.pollLine(Duration.ofMillis(waitForAcks ? 60_000 : 5));
          if (line.isEmpty()) {
            if (child.outputEnded()) {
              throw new AssertionError(
                  context + ": the child exited on its own; stderr:\n" + child.stderr());
            }
            if (waitForAcks) {
              throw new AssertionError(
                  context
                      + ": the child acknowledged nothing for 60 s; stderr:\n"
                      + child.stderr());
            }
            continue;
          }
          acksThisRound += record(acknowledged, line.get());
          if (waitForAcks && acksThisRound >= acksWanted) {
            break;
          }
        }
        child.kill();
        // lines the child printed before it died were acknowledged too (kill() read them all)
        Optional<String> printed = child.pollLine(Duration.ofSeconds(30));
        while (printed.isPresent()) {
          acksThisRound += record(acknowledged, printed.get());
          printed = child.pollLine(Duration.ofSeconds(30));
        }
      }
      if (acksThisRound > 0) {
        killsAfterAcks++;
      }
      lastStored[0] = check(db, run, acknowledged, context);
    }
    System.out.printf(
        "crash test (seed %d): %d kills, %d while acknowledging, %d batches acknowledged,"
            + " %d events stored%n",
        seed, KILLS, killsAfterAcks, acknowledged.size(), lastStored[0]);
    assertThat(killsAfterAcks)
        .as("kills that interrupted a child that had acknowledged batches")
        .isGreaterThanOrEqualTo(KILLS / 3);
    assertThat(acknowledged).hasSizeGreaterThan(100);
  }

  private static int record(Map<String, Ack> acknowledged, String line) {
    String[] f = line.split(" ", -1);
    if (f.length != 4 || !f[0].equals("ACK")) {
      throw new AssertionError("unexpected child output: " + line);
    }
    acknowledged.put(f[1], new Ack(Integer.parseInt(f[2]), Long.parseLong(f[3])));
    return 1;
  }

  private static long check(Path db, RunId run, Map<String, Ack> acknowledged, String context) {
    try (RunStore store = RunStores.open("sqlite:" + db)) {
      List<RunEvent> events = new ArrayList<>();
      try (EventStream s = store.read(run, 0)) {
        s.forEachRemaining(events::add);
      }
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).sequence())
            .as("%s: sequence at index %d", context, i)
            .isEqualTo(i + 1);
      }
      // every stored batch is whole and contiguous: batch/i/size at consecutive sequences
      Map<String, List<RunEvent>> batches = new HashMap<>();
      for (RunEvent e : events.subList(2, events.size())) {
        String text = e.payload().text("text").orElseThrow();
        batches
            .computeIfAbsent(text.substring(0, text.indexOf('/')), k -> new ArrayList<>())
            .add(e);
      }
      for (Map.Entry<String, List<RunEvent>> b : batches.entrySet()) {
        List<RunEvent> parts = b.getValue();
        String first = parts.get(0).payload().text("text").orElseThrow();
        int size = Integer.parseInt(first.substring(first.lastIndexOf('/') + 1));
        assertThat(parts).as("%s: events of batch %s", context, b.getKey()).hasSize(size);
        for (int i = 0; i < size; i++) {
          assertThat(parts.get(i).payload().text("text").orElseThrow())
              .as("%s: part %d of batch %s", context, i, b.getKey())
              .isEqualTo(b.getKey() + "/" + i + "/" + size);
          assertThat(parts.get(i).sequence()).isEqualTo(parts.get(0).sequence() + i);
        }
      }
      for (Map.Entry<String, Ack> a : acknowledged.entrySet()) {
        Ack ack = a.getValue();
        assertThat(ack.lastSequence())
            .as("%s: acknowledged batch %s is stored", context, a.getKey())
            .isLessThanOrEqualTo(events.size());
        RunEvent last = events.get((int) ack.lastSequence() - 1);
        assertThat(last.payload().text("text").orElseThrow())
            .as("%s: the event at the acknowledged sequence %d", context, ack.lastSequence())
            .isEqualTo(a.getKey() + "/" + (ack.size() - 1) + "/" + ack.size());
      }
      assertThat(store.verify(run).problems())
          .as("%s: cached head equals the fold", context)
          .isEmpty();
      return events.size();
    }
  }
}
