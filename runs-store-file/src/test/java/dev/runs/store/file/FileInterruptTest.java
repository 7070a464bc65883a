package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunsException;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commits run on appending callers' threads, which may be interrupted at any moment: an interrupt
 * must leave every caller with a durable event or a clear error, and never close a log for the
 * others.
 */
class FileInterruptTest {
  @TempDir Path tmp;
  private final List<RunStore> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    for (RunStore s : opened) {
      s.close();
    }
  }

  private RunStore open(Path root, String durability, ChannelOpener opener) {
    StoreLocation loc = StoreLocation.parse("file:" + root + "?poll_ms=0&durability=" + durability);
    RunStore s = RunStoreFactory.create(FileRunStoreProvider.openEngine(loc, opener), loc);
    opened.add(s);
    return s;
  }

  @Test
  void blockingAppendOnAnIdleRun_commitsOnTheCallersThread() {
    Map<Path, Thread> writers = new ConcurrentHashMap<>();
    ChannelOpener recording =
        (path, options) -> {
          if (path.getFileName().toString().equals(Layout.EVENTS)
              && options.contains(StandardOpenOption.WRITE)
              && !options.contains(StandardOpenOption.CREATE_NEW)) {
            writers.putIfAbsent(path, Thread.currentThread());
          }
          return FileChannel.open(path, options);
        };
    RunStore store = open(tmp.resolve("store"), "fsync", recording);
    FileRunStoreTest.startedRun(store, "ns", 3);

    assertThat(writers).hasSize(1);
    assertThat(writers.values()).containsExactly(Thread.currentThread());
  }

  @Test
  void interruptedCaller_getsItsDurableEvent_andKeepsItsInterrupt() {
    RunStore store = open(tmp.resolve("store"), "fsync", ChannelOpener.DEFAULT);
    RunId id = FileRunStoreTest.startedRun(store, "ns", 1);

    Thread.currentThread().interrupt();
    RunEvent e;
    try {
      e = store.append(id, FileRunStoreTest.line(9));
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    }

    assertThat(FileRunStoreTest.all(store, id)).last().isEqualTo(e);
    assertThat(store.append(id, FileRunStoreTest.line(10)).sequence()).isEqualTo(e.sequence() + 1);
  }

  /**
   * A disk slower than the interrupts: every force takes 3 ms while the writer is interrupted about
   * every 0.3 ms, so no try on the writer's own thread can finish. Each append still ends durable,
   * because the cut step is redone on a thread nothing interrupts.
   */
  @Test
  void interruptsFasterThanTheDisk_stillCommitEveryAppend() throws Exception {
    FaultyOpener slow = new FaultyOpener();
    slow.target = p -> p.getFileName().toString().equals(Layout.EVENTS);
    RunStore store = open(tmp.resolve("store"), "fsync", slow);
    RunId id = FileRunStoreTest.startedRun(store, "ns", 0);
    slow.forceDelayNanos = TimeUnit.MILLISECONDS.toNanos(3);
    int count = 40;
    List<RunEvent> acknowledged = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger interruptedAppends = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int i = 1; i <= count; i++) {
                  acknowledged.add(store.append(id, FileRunStoreTest.line(i)));
                  if (Thread.interrupted()) {
                    interruptedAppends.incrementAndGet();
                  }
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "writer");
    AtomicBoolean done = new AtomicBoolean();
    Thread chaos =
        new Thread(
            () -> {
              while (!done.get()) {
                writer.interrupt();
                LockSupport.parkNanos(300_000);
              }
            },
            "interrupter");
    writer.start();
    chaos.start();
    writer.join(TimeUnit.MINUTES.toMillis(2));
    done.set(true);
    chaos.join();

    assertThat(writer.isAlive()).as("the writer finished").isFalse();
    assertThat(failure.get()).isNull();
    assertThat(interruptedAppends.get()).as("interrupts reached appends").isPositive();
    assertThat(acknowledged).hasSize(count);
    assertThat(FileRunStoreTest.all(store, id)).endsWith(acknowledged.toArray(RunEvent[]::new));
    assertThat(store.verify(id).ok()).isTrue();
    slow.forceDelayNanos = 0;
    assertThat(store.append(id, FileRunStoreTest.line(0)).sequence())
        .isEqualTo(acknowledged.get(count - 1).sequence() + 1);
  }

  /**
   * 10,000 blocking appends from several threads to a few runs while a chaos thread interrupts
   * random writers: every acknowledged event is readable afterwards (also after reopening), every
   * log verifies, and later appends work.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 20261206L})
  void appendsUnderRandomInterrupts_loseNothingAcknowledged_andTheLogsStayOpen(long seed)
      throws Exception {
    String seedNote = "seed " + seed;
    Path root = tmp.resolve("store");
    RunStore store = open(root, "fsync", ChannelOpener.DEFAULT);
    int writersCount = 6;
    int total = 10_000;
    List<RunId> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add(FileRunStoreTest.startedRun(store, "ns", 0));
    }
    AtomicInteger claimed = new AtomicInteger();
    ConcurrentLinkedQueue<RunEvent> acknowledged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger interruptedAppends = new AtomicInteger();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < writersCount; w++) {
      RunId run = runs.get(w % runs.size());
      Thread t =
          new Thread(
              () -> {
                try {
                  while (claimed.incrementAndGet() <= total) {
                    EventDraft d = FileRunStoreTest.line(claimed.get());
                    try {
                      acknowledged.add(store.append(run, d));
                    } catch (RunsException e) {
                      errors.add(e);
                    }
                    if (Thread.interrupted()) {
                      interruptedAppends.incrementAndGet();
                    }
                  }
                } catch (Throwable e) {
                  unexpected.compareAndSet(null, e);
                }
              },
              "writer-" + w);
      writers.add(t);
    }
    AtomicBoolean done = new AtomicBoolean();
    Random random = new Random(seed);
    Thread chaos =
        new Thread(
            () -> {
              while (!done.get()) {
                writers.get(random.nextInt(writers.size())).interrupt();
                LockSupport.parkNanos(random.nextInt(200_000));
              }
            },
            "interrupter");
    writers.forEach(Thread::start);
    chaos.start();
    for (Thread t : writers) {
      t.join(TimeUnit.MINUTES.toMillis(5));
      assertThat(t.isAlive()).as(seedNote + ": %s finished", t.getName()).isFalse();
    }
    done.set(true);
    chaos.join();

    assertThat(unexpected.get()).as(seedNote).isNull();
    assertThat(interruptedAppends.get()).as(seedNote + ": interrupts reached appends").isPositive();
    // an interrupt never costs an append: the commit redoes the step it cut
    assertThat(errors).as(seedNote).isEmpty();
    assertThat(acknowledged).as(seedNote).hasSize(total);
    assertAllReadable(store, runs, acknowledged, seedNote);
    for (RunId id : runs) {
      assertThat(store.verify(id).ok()).as(seedNote + ": %s verifies", id).isTrue();
      long last = store.entry(id).orElseThrow().lastSequence();
      assertThat(store.append(id, FileRunStoreTest.line(0)).sequence()).isEqualTo(last + 1);
    }

    store.close();
    RunStore reopened = open(root, "fsync", ChannelOpener.DEFAULT);
    assertAllReadable(reopened, runs, acknowledged, seedNote);
    for (RunId id : runs) {
      assertThat(reopened.verify(id).ok()).as(seedNote).isTrue();
      FileRunStoreTest.assertGapless(
          FileRunStoreTest.all(reopened, id),
          (int) reopened.entry(id).orElseThrow().lastSequence());
    }
  }

  private static void assertAllReadable(
      RunStore store, List<RunId> runs, Iterable<RunEvent> acknowledged, String seedNote) {
    Map<RunId, List<RunEvent>> logs = new HashMap<>();
    for (RunId id : runs) {
      logs.put(id, FileRunStoreTest.all(store, id));
    }
    for (RunEvent e : acknowledged) {
      List<RunEvent> log = logs.get(e.runId());
      assertThat(log.size())
          .as(seedNote + ": %s is in the log", e)
          .isGreaterThanOrEqualTo((int) e.sequence());
      assertThat(log.get((int) e.sequence() - 1)).as(seedNote).isEqualTo(e);
    }
  }
}
