package dev.runs.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.RunChange;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.CollectingSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs on one database file: appends interleave without loss, and subscribers see the other's
 * events.
 */
@Timeout(300)
final class SqliteTwoProcessesIT {
  private static final int THREADS = 4;
  private static final int PER_THREAD = 200;

  @TempDir Path dir;

  private static List<RunEvent> all(RunStore store, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void concurrentAppendsFromTwoProcesses_loseNothingAndStayGapless() throws Exception {
    Path db = dir.resolve("runs.db");
    try (RunStore store = RunStores.open("sqlite:" + db)) {
      RunId hot = store.create(Fixtures.record().build()).record().id();
      store.append(hot, EventDraft.of(EventTypes.RUN_STARTED));
      List<Long> acknowledged = new ArrayList<>();
      try (ChildJvm child =
          SqliteChild.start(
              dir,
              "append",
              db.toString(),
              hot.value(),
              Integer.toString(THREADS),
              Integer.toString(PER_THREAD),
              "child")) {
        child.awaitLine("READY", Duration.ofSeconds(60));
        child.send("go");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
          List<Future<List<Long>>> futures = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(
                pool.submit(
                    () -> {
                      List<Long> seqs = new ArrayList<>();
                      for (int i = 0; i < PER_THREAD; i++) {
                        seqs.add(
                            store
                                .append(hot, Fixtures.line("parent-" + thread + "-" + i))
                                .sequence());
                      }
                      return seqs;
                    }));
          }
          for (Future<List<Long>> f : futures) {
            acknowledged.addAll(f.get(240, TimeUnit.SECONDS));
          }
        } finally {
          pool.shutdownNow();
        }
        child.awaitLine("DONE", Duration.ofMinutes(4));
        assertThat(child.awaitExit(Duration.ofSeconds(60)))
            .as("child exit code; stderr:\n%s", child.stderr())
            .isZero();
      }

      List<RunEvent> events = all(store, hot);
      int total = 2 + 2 * THREADS * PER_THREAD;
      assertThat(events).hasSize(total);
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).sequence()).as("sequence at index %d", i).isEqualTo(i + 1);
      }
      Set<String> texts = new HashSet<>();
      int fromChild = 0;
      for (RunEvent e : events.subList(2, events.size())) {
        String text = e.payload().text("text").orElseThrow();
        assertThat(texts.add(text)).as("duplicate event %s", text).isTrue();
        fromChild += text.startsWith("child-") ? 1 : 0;
      }
      assertThat(fromChild).isEqualTo(THREADS * PER_THREAD);
      assertThat(new HashSet<>(acknowledged)).hasSize(THREADS * PER_THREAD);
      for (long seq : acknowledged) {
        assertThat(events.get((int) seq - 1).payload().text("text").orElseThrow())
            .startsWith("parent-");
      }
      assertThat(store.verify(hot).ok()).isTrue();
      assertThat(store.entry(hot).orElseThrow().lastSequence()).isEqualTo(total);
    }
  }

  @Test
  void subscriberInThisProcess_receivesEveryEventAppendedByAnotherProcess() throws Exception {
    Path db = dir.resolve("runs.db");
    int count = 500;
    try (RunStore store = RunStores.open("sqlite:" + db + "?poll_ms=20")) {
      RunId id = store.create(Fixtures.record().build()).record().id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      ConcurrentLinkedQueue<RunChange> changes = new ConcurrentLinkedQueue<>();
      store.watch(changes::add);
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      store.subscribe(id, 0).subscribe(sub);
      sub.awaitCount(2, Duration.ofSeconds(30));

      try (ChildJvm child =
          SqliteChild.start(dir, "finish", db.toString(), id.value(), Integer.toString(count))) {
        child.awaitLine("DONE", Duration.ofMinutes(4));
        assertThat(child.awaitExit(Duration.ofSeconds(60)))
            .as("child exit code; stderr:\n%s", child.stderr())
            .isZero();
      }

      sub.awaitDone(Duration.ofSeconds(60));
      long last = count + 3L;
      List<Long> expected = new ArrayList<>();
      for (long s = 1; s <= last; s++) {
        expected.add(s);
      }
      assertThat(sub.error()).isNull();
      assertThat(sub.completed()).isTrue();
      assertThat(sub.sequences()).containsExactlyElementsOf(expected);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (changes.stream()
          .noneMatch(
              c ->
                  c.runId().equals(id)
                      && c.lastSequence() == last
                      && c.status() == RunStatus.COMPLETED)) {
        assertThat(System.nanoTime())
            .as("a store-wide watcher is told of the other process's last commit")
            .isLessThan(deadline);
        Thread.sleep(10);
      }
    }
  }
}
