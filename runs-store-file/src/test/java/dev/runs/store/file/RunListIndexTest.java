package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.payload.RunCancelled;
import dev.runs.payload.RunFailed;
import dev.runs.payload.RunInterrupted;
import dev.runs.payload.RunResumed;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listing index ({@link RunListIndex}): listings equal a directory scan, a torn or damaged or
 * missing index is repaired or rebuilt, runs created, ended or deleted by another store instance
 * (another process) show, and a run directory newer than the index is read again at open.
 */
class RunListIndexTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final AtomicInteger TRIGGERS = new AtomicInteger();

  @TempDir Path tmp;

  /** A store and its engine. */
  private record Opened(RunStore store, FileEngine engine, TestClock clock)
      implements AutoCloseable {
    @Override
    public void close() {
      store.close();
    }

    RunId create(String namespace, @org.jspecify.annotations.Nullable String thread) {
      return create(namespace, thread, WorkflowRef.of("wf", "1"), java.util.Map.of());
    }

    RunId create(
        String namespace,
        @org.jspecify.annotations.Nullable String thread,
        WorkflowRef workflow,
        java.util.Map<String, String> labels) {
      RunRecord.Builder b =
          RunRecord.builder(
                  workflow,
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, "t-" + TRIGGERS.incrementAndGet()))
              .namespace(namespace);
      if (thread != null) {
        b.threadKey(thread);
      }
      labels.forEach(b::label);
      return store.create(b.build()).record().id();
    }

    List<String> problems() {
      return engine.checkListIndex();
    }
  }

  private Opened open(Path root) {
    return open(root, ChannelOpener.DEFAULT);
  }

  private Opened open(Path root, ChannelOpener opener) {
    TestClock clock = TestClock.at(T0);
    AtomicReference<FileEngine> engine = new AtomicReference<>();
    RunStore store =
        RunStoreFactory.open(
            StoreLocation.parse(
                "file:" + root + "?durability=none",
                RunStoreOptions.builder().clock(clock).build()),
            l -> {
              FileEngine e = FileRunStoreProvider.openEngine(l, opener);
              engine.set(e);
              return e;
            });
    return new Opened(store, engine.get(), clock);
  }

  private static List<RunId> ids(RunPage p) {
    return p.runs().stream().map(RunEntry::id).toList();
  }

  private static List<RunId> listAll(FileEngine e, RunQuery q) {
    return ids(e.list(RunQuery.builder().limit(1000).build())).stream()
        .filter(id -> q.namespace().map(ns -> ns.equals(id.namespace())).orElse(true))
        .toList();
  }

  /** Pages through a query with the index and with a directory scan: every page must be equal. */
  private static void assertSameAsScan(FileEngine e, RunQuery q, String context) {
    RunQuery page = q;
    for (int n = 0; n < 500; n++) {
      RunPage byIndex = e.list(page);
      RunPage byScan = e.scanList(page);
      assertThat(byIndex.runs()).as(context + ", page " + n + " of " + q).isEqualTo(byScan.runs());
      assertThat(byIndex.nextCursor())
          .as(context + ", cursor of page " + n + " of " + q)
          .isEqualTo(byScan.nextCursor());
      if (byIndex.nextCursor().isEmpty()) {
        return;
      }
      page = q.withPage(q.limit(), Optional.of(RunQuery.Cursor.decode(byIndex.nextCursor().get())));
    }
    throw new AssertionError(context + ": more than 500 pages");
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void listingsEqualADirectoryScan(long seed) {
    Random rnd = new Random(seed);
    String context = "seed " + seed;
    String[] namespaces = {"", "a", "a/b", "c"};
    String[] threads = {"t0", "t1", "t2", "t 3 \\ backslash"};
    Path root = tmp.resolve("s" + seed);
    List<RunId> live = new ArrayList<>();
    Opened s = open(root);
    try {
      for (int step = 0; step < 160; step++) {
        int op = rnd.nextInt(10);
        if (op < 5 || live.isEmpty()) {
          s.clock().set(T0.plusSeconds(rnd.nextInt(30)));
          String thread = rnd.nextInt(4) == 0 ? null : threads[rnd.nextInt(threads.length)];
          live.add(
              s.create(
                  namespaces[rnd.nextInt(namespaces.length)],
                  thread,
                  WorkflowRef.of(WORKFLOWS[rnd.nextInt(2)], VERSIONS[rnd.nextInt(2)]),
                  randomLabels(rnd)));
        } else if (op < 9) {
          RunId id = live.get(rnd.nextInt(live.size()));
          advance(s.store(), id, rnd);
        } else {
          RunId id = live.remove(rnd.nextInt(live.size()));
          end(s.store(), id);
          s.store().delete(id, "test");
        }
        if (step == 80) {
          s.close();
          s = open(root); // the second half starts from the index file
        }
      }
      for (int q = 0; q < 60; q++) {
        assertSameAsScan(s.engine(), randomQuery(rnd, namespaces, threads), context);
      }
      assertThat(s.problems()).as(context).isEmpty();
    } finally {
      s.close();
    }
    try (Opened again = open(root)) {
      for (int q = 0; q < 20; q++) {
        assertSameAsScan(again.engine(), randomQuery(rnd, namespaces, threads), context);
      }
      assertThat(again.problems()).as(context).isEmpty();
    }
  }

  /** Ends a run (completes it unless it ended already), so that it may be deleted. */
  private static void end(RunStore store, RunId id) {
    RunStatus now = store.entry(id).orElseThrow().status();
    if (now == RunStatus.CREATED || now == RunStatus.QUEUED) {
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      now = RunStatus.RUNNING;
    }
    if (!now.isTerminal()) {
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    }
  }

  /** Moves a run one step through created, running, completed, interrupted and resumed. */
  private static void advance(RunStore store, RunId id, Random rnd) {
    RunStatus now = store.entry(id).orElseThrow().status();
    switch (now) {
      case CREATED, QUEUED -> store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      case RUNNING ->
          store.append(
              id,
              rnd.nextBoolean()
                  ? EventDraft.of(EventTypes.RUN_COMPLETED)
                  : EventDraft.of(RunInterrupted.of("test")));
      case INTERRUPTED -> store.append(id, EventDraft.of(RunResumed.of()));
      default -> {
        // completed: final
      }
    }
  }

  private static final String[] WORKFLOWS = {"wf", "other"};
  private static final String[] VERSIONS = {"1", "2"};
  private static final String[] LABEL_KEYS = {"team", "a.b/c"};
  private static final String[] LABEL_VALUES = {"x", "y \t\\ \"z\""};

  private static java.util.Map<String, String> randomLabels(Random rnd) {
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
    for (String key : LABEL_KEYS) {
      if (rnd.nextBoolean()) {
        labels.put(key, LABEL_VALUES[rnd.nextInt(LABEL_VALUES.length)]);
      }
    }
    return labels;
  }

  private static RunQuery randomQuery(Random rnd, String[] namespaces, String[] threads) {
    RunQuery.Builder b = RunQuery.builder().limit(1 + rnd.nextInt(7));
    if (rnd.nextInt(3) == 0) {
      String name = WORKFLOWS[rnd.nextInt(2)];
      if (rnd.nextBoolean()) {
        b.workflow(name, VERSIONS[rnd.nextInt(2)]);
      } else {
        b.workflow(name);
      }
    }
    randomLabels(rnd)
        .forEach(
            (k, v) -> {
              if (rnd.nextInt(3) == 0) {
                b.label(k, v);
              }
            });
    if (rnd.nextInt(3) == 0) {
      b.namespace(namespaces[rnd.nextInt(namespaces.length)]);
    }
    if (rnd.nextInt(3) == 0) {
      b.threadKey(threads[rnd.nextInt(threads.length)]);
    }
    if (rnd.nextInt(2) == 0) {
      RunStatus[] all = RunStatus.values();
      for (int i = 0; i <= rnd.nextInt(3); i++) {
        b.status(all[rnd.nextInt(all.length)]);
      }
    }
    if (rnd.nextInt(4) == 0) {
      b.createdFrom(T0.plusSeconds(rnd.nextInt(30)));
    }
    if (rnd.nextInt(4) == 0) {
      b.createdBefore(T0.plusSeconds(rnd.nextInt(30)));
    }
    return b.build();
  }

  @Test
  void tornTailIsCutAtOpen() throws IOException {
    Path root = tmp.resolve("torn");
    List<RunId> made = new ArrayList<>();
    try (Opened s = open(root)) {
      for (int i = 0; i < 5; i++) {
        made.add(s.create("ns", "t"));
      }
    }
    Path index = root.resolve(Layout.INDEX);
    long whole = Files.size(index);
    Files.write(
        index, "0123abcd\tC\tns/half".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    try (Opened s = open(root)) {
      assertThat(Files.size(index)).isEqualTo(whole);
      assertThat(listAll(s.engine(), RunQuery.all())).containsExactlyInAnyOrderElementsOf(made);
      made.add(s.create("ns", "t"));
      assertThat(listAll(s.engine(), RunQuery.all())).containsExactlyInAnyOrderElementsOf(made);
      assertThat(s.problems()).isEmpty();
    }
    try (Opened s = open(root)) {
      assertThat(listAll(s.engine(), RunQuery.all())).containsExactlyInAnyOrderElementsOf(made);
    }
  }

  @Test
  void tornTailIsCutBeforeTheNextAppend() throws IOException {
    Path root = tmp.resolve("torn-running");
    try (Opened s = open(root)) {
      RunId a = s.create("ns", "t");
      Files.write(
          root.resolve(Layout.INDEX),
          "garbage without newline".getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.APPEND);
      RunId b = s.create("ns", "t");
      assertThat(ids(s.engine().list(RunQuery.all()))).containsExactlyInAnyOrder(a, b);
      try (Opened other = open(root)) {
        assertThat(ids(other.engine().list(RunQuery.all()))).containsExactlyInAnyOrder(a, b);
        assertThat(other.problems()).isEmpty();
      }
    }
  }

  @Test
  void missingIndexIsRebuiltWithoutLosingStatuses() throws IOException {
    Path root = tmp.resolve("missing");
    RunId done;
    RunId open;
    try (Opened s = open(root)) {
      done = s.create("ns", "t");
      open = s.create("ns", "t");
      s.store().append(done, EventDraft.of(EventTypes.RUN_STARTED));
      s.store().append(done, EventDraft.of(EventTypes.RUN_COMPLETED));
    }
    Files.delete(root.resolve(Layout.INDEX));
    try (Opened s = open(root)) {
      assertThat(Files.exists(root.resolve(Layout.INDEX))).isTrue();
      assertThat(ids(s.engine().list(RunQuery.all()))).containsExactly(open, done);
      assertThat(ids(s.engine().list(RunQuery.builder().status(RunStatus.COMPLETED).build())))
          .containsExactly(done);
      assertThat(ids(s.engine().list(RunQuery.builder().status(RunStatus.CREATED).build())))
          .containsExactly(open);
      assertThat(s.problems()).isEmpty();
      // the listing recorded the terminal status it read
      assertThat(s.engine().runIndex().listIndex().get(done).status.status())
          .isEqualTo(RunStatus.COMPLETED);
    }
  }

  @Test
  void damagedIndexIsRebuilt() throws IOException {
    Path root = tmp.resolve("damaged");
    List<RunId> made = new ArrayList<>();
    try (Opened s = open(root)) {
      for (int i = 0; i < 4; i++) {
        made.add(s.create("", null));
      }
    }
    Path index = root.resolve(Layout.INDEX);
    List<String> lines = Files.readAllLines(index);
    lines.set(2, lines.get(2).replace('C', 'X')); // a complete line with a bad checksum
    Files.write(index, lines);
    try (Opened s = open(root)) {
      assertThat(ids(s.engine().list(RunQuery.all()))).containsExactlyInAnyOrderElementsOf(made);
      assertThat(s.problems()).isEmpty();
    }
    for (String bad :
        List.of("", "not an index\n", "runs.file-index/9\n", "runs.file-index/1\nnot a line\n")) {
      Files.write(index, bad.getBytes(StandardCharsets.UTF_8));
      try (Opened s = open(root)) {
        assertThat(ids(s.engine().list(RunQuery.all())))
            .as("index holding %s", bad)
            .containsExactlyInAnyOrderElementsOf(made);
        assertThat(s.problems()).isEmpty();
      }
    }
  }

  @Test
  void aDamagedRunJsonDoesNotKeepARebuildFromOpening() throws IOException {
    Path root = tmp.resolve("bad-run-json");
    RunId good;
    RunId bad;
    try (Opened s = open(root)) {
      good = s.create("ns", null);
      bad = s.create("ns", null);
    }
    Files.delete(root.resolve(Layout.INDEX));
    Files.writeString(root.resolve("runs/ns").resolve(bad.localId()).resolve(Layout.RUN_JSON), "{");
    try (Opened s = open(root)) {
      assertThat(ids(s.engine().list(RunQuery.all()))).containsExactly(good);
      assertThat(s.problems()).singleElement().asString().contains(bad.value(), "run.json");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.store().get(bad))
          .isInstanceOf(dev.runs.StoreCorruptedException.class);
    }
  }

  @Test
  void aDirectoryIndexIsRefusedWithAMessage() throws IOException {
    Path root = tmp.resolve("dir-index");
    try (Opened s = open(root)) {
      s.create("", null);
    }
    Files.delete(root.resolve(Layout.INDEX));
    Files.createDirectory(root.resolve(Layout.INDEX));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> open(root))
        .isInstanceOf(dev.runs.StoreIoException.class)
        .hasMessageContaining("runs.index is not a regular file");
  }

  @Test
  void runsCreatedEndedAndDeletedByAnotherInstanceShow() {
    Path root = tmp.resolve("two");
    try (Opened a = open(root);
        Opened b = open(root)) {
      RunId first = a.create("ns", "t");
      assertThat(ids(a.engine().list(RunQuery.all()))).containsExactly(first);
      RunId second = b.create("ns", "t");
      assertThat(ids(a.engine().list(RunQuery.builder().threadKey("t").build())))
          .containsExactlyInAnyOrder(first, second);
      b.store().append(second, EventDraft.of(EventTypes.RUN_STARTED));
      b.store().append(second, EventDraft.of(EventTypes.RUN_COMPLETED));
      assertThat(a.engine().runIndex().listIndex().size()).isEqualTo(2);
      assertThat(ids(a.engine().list(RunQuery.builder().status(RunStatus.COMPLETED).build())))
          .containsExactly(second);
      assertThat(ids(a.engine().list(RunQuery.builder().status(RunStatus.CREATED).build())))
          .containsExactly(first);
      end(b.store(), first);
      b.store().delete(first, "test");
      assertThat(ids(a.engine().list(RunQuery.all()))).containsExactly(second);
      assertThat(a.engine().runIndex().listIndex().get(first)).isNull();
      assertThat(a.problems()).isEmpty();
    }
  }

  @Test
  void resumedRunLeavesItsTerminalStatus() {
    try (Opened s = open(tmp.resolve("resume"))) {
      RunId id = s.create("ns", null);
      s.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
      s.store().append(id, EventDraft.of(RunInterrupted.of("test")));
      RunListIndex.Entry e = s.engine().runIndex().listIndex().get(id);
      assertThat(e.status.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(ids(s.engine().list(RunQuery.builder().status(RunStatus.INTERRUPTED).build())))
          .containsExactly(id);
      s.store().append(id, EventDraft.of(RunResumed.of()));
      assertThat(ids(s.engine().list(RunQuery.builder().status(RunStatus.INTERRUPTED).build())))
          .isEmpty();
      assertThat(e.status.status()).isNotEqualTo(RunStatus.INTERRUPTED);
      s.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      assertThat(e.status.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(s.problems()).isEmpty();
    }
  }

  /** A way out of a terminal status, and the status it leads to. */
  enum Exit {
    INTERRUPTED_RESUMED(RunStatus.INTERRUPTED, RunStatus.RUNNING),
    INTERRUPTED_FAILED(RunStatus.INTERRUPTED, RunStatus.FAILED),
    FAILED_RESUMED(RunStatus.FAILED, RunStatus.RUNNING),
    CANCELLED_RESUMED(RunStatus.CANCELLED, RunStatus.RUNNING);

    final RunStatus from;
    final RunStatus to;

    Exit(RunStatus from, RunStatus to) {
      this.from = from;
      this.to = to;
    }

    void enter(RunStore store, RunId id) {
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      store.append(
          id,
          switch (from) {
            case INTERRUPTED -> EventDraft.of(RunInterrupted.of("test"));
            case FAILED -> EventDraft.of(RunFailed.of("test"));
            default -> EventDraft.of(RunCancelled.of("test"));
          });
    }

    void leave(RunStore store, RunId id) {
      store.append(
          id,
          to == RunStatus.FAILED
              ? EventDraft.of(RunFailed.of("test"))
              : EventDraft.of(RunResumed.of()));
    }
  }

  /**
   * A process that dies after a commit out of a terminal status, before any index line that follows
   * the commit: the index lets the commit's own forced line through and fails every write after it.
   * Another instance must list the run under its new status, and verify must agree.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Exit.class)
  void leavingATerminalStatusIsRecordedBeforeTheCommit(Exit exit) {
    Path root = tmp.resolve("exit-" + exit);
    FaultyOpener faulty = new FaultyOpener();
    faulty.target = p -> p.getFileName().toString().equals(Layout.INDEX);
    try (Opened a = open(root, faulty)) {
      RunId id = a.create("ns", "t");
      exit.enter(a.store(), id);
      long next = a.store().entry(id).orElseThrow().lastSequence() + 1;
      faulty.writeBudget =
          RunListIndex.frame(RunListIndex.statusLine(id, null, next))
              .getBytes(StandardCharsets.UTF_8)
              .length;
      exit.leave(a.store(), id);
      assertThat(faulty.writeBudget).as("the index line before the commit was written").isZero();
      try (Opened b = open(root)) {
        assertThat(ids(b.engine().list(RunQuery.builder().status(exit.to).build())))
            .containsExactly(id);
        assertThat(ids(b.engine().list(RunQuery.builder().status(exit.from).build()))).isEmpty();
        assertThat(b.store().verify(id).problems()).isEmpty();
        assertThat(b.problems()).isEmpty();
      }
    }
  }

  @Test
  void aCommitOutOfATerminalStatusIsRefusedWhenTheIndexCannotRecordIt() {
    Path root = tmp.resolve("exit-refused");
    FaultyOpener faulty = new FaultyOpener();
    faulty.target = p -> p.getFileName().toString().equals(Layout.INDEX);
    try (Opened a = open(root, faulty)) {
      RunId id = a.create("ns", "t");
      Exit.FAILED_RESUMED.enter(a.store(), id);
      RunEntry before = a.store().entry(id).orElseThrow();
      faulty.writeBudget = 0;
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> a.store().append(id, EventDraft.of(RunResumed.of())))
          .isInstanceOf(dev.runs.StoreIoException.class)
          .hasMessageContaining(Layout.INDEX)
          .hasMessageContaining("leaves its terminal status, so nothing was appended");
      assertThat(a.store().entry(id)).contains(before);
      faulty.reset();
      a.store().append(id, EventDraft.of(RunResumed.of()));
      assertThat(ids(a.engine().list(RunQuery.builder().status(RunStatus.RUNNING).build())))
          .containsExactly(id);
      assertThat(a.store().verify(id).problems()).isEmpty();
    }
  }

  /**
   * An interrupt of the resuming thread while it writes the index line before its commit cuts that
   * write: the line is written again on a thread nothing interrupts, the resume succeeds, and the
   * thread keeps its interrupt.
   */
  @Test
  void anInterruptDuringTheLineBeforeTheCommitDoesNotFailIt() throws Exception {
    FaultyOpener faulty = new FaultyOpener();
    faulty.target = p -> p.getFileName().toString().equals(Layout.INDEX);
    try (Opened a = open(tmp.resolve("exit-interrupted"), faulty)) {
      RunId id = a.create("ns", "t");
      Exit.FAILED_RESUMED.enter(a.store(), id);
      java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
      // the resumer's write reaches the gate, then the write redone on a thread of its own
      faulty.gateReached = new java.util.concurrent.CountDownLatch(2);
      faulty.gate = gate;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      java.util.concurrent.atomic.AtomicBoolean keptInterrupt =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread resumer =
          new Thread(
              () -> {
                try {
                  a.store().append(id, EventDraft.of(RunResumed.of()));
                  keptInterrupt.set(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                  failure.set(t);
                }
              },
              "resumer");
      resumer.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (faulty.gateReached.getCount() == 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(faulty.gateReached.getCount()).as("the resumer reached the gate").isEqualTo(1);
      resumer.interrupt();
      assertThat(faulty.gateReached.await(30, java.util.concurrent.TimeUnit.SECONDS))
          .as("the line is written again")
          .isTrue();
      gate.countDown();
      resumer.join(Duration.ofSeconds(30).toMillis());
      assertThat(resumer.isAlive()).isFalse();
      assertThat(failure.get()).isNull();
      assertThat(keptInterrupt.get()).isTrue();
      assertThat(a.store().entry(id).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
      assertThat(a.engine().runIndex().listIndex().get(id).status.status()).isNull();
      try (Opened b = open(tmp.resolve("exit-interrupted"))) {
        assertThat(ids(b.engine().list(RunQuery.builder().status(RunStatus.RUNNING).build())))
            .containsExactly(id);
        assertThat(b.store().verify(id).problems()).isEmpty();
      }
    }
  }

  /**
   * A listing that read a run's head before the run left its terminal status, and records that
   * status after the commit's index line, must not make the index trust the old status again.
   */
  @Test
  void aStatusReadBeforeTheExitDoesNotOverrideIt() {
    try (Opened s = open(tmp.resolve("late-listing"))) {
      RunId id = s.create("ns", null);
      Exit.INTERRUPTED_RESUMED.enter(s.store(), id);
      long old = s.store().entry(id).orElseThrow().lastSequence();
      s.store().append(id, EventDraft.of(RunResumed.of()));
      RunListIndex index = s.engine().runIndex().listIndex();
      index.noteStatuses(List.of(new RunListIndex.Seen(id, RunStatus.INTERRUPTED, old)));
      assertThat(index.get(id).status.status()).isNull();
      try (Opened other = open(tmp.resolve("late-listing"))) {
        assertThat(ids(other.engine().list(RunQuery.builder().status(RunStatus.RUNNING).build())))
            .containsExactly(id);
      }
    }
  }

  /** Damage written into the index by hand, as another writer or a bad disk could. */
  enum Damage {
    MISSING("the listing index does not hold the run: listings skip it"),
    OTHER_THREAD("the listing index holds other record fields (creation time, thread,"),
    OTHER_LABELS("the listing index holds other record fields (creation time, thread,"),
    STALE_TERMINAL(
        "the listing index says completed as of sequence 3 but the log says failed at 3");

    final String problem;

    Damage(String problem) {
      this.problem = problem;
    }

    String line(RunId id) {
      return switch (this) {
        case MISSING -> RunListIndex.deleteLine(id);
        case OTHER_THREAD ->
            RunListIndex.createLine(
                new RunListIndex.Entry(
                    id,
                    T0,
                    "other",
                    null,
                    WorkflowRef.of("wf", "1"),
                    java.util.Map.of(),
                    new RunListIndex.StatusAt(RunStatus.FAILED, 3)));
        case OTHER_LABELS ->
            RunListIndex.createLine(
                new RunListIndex.Entry(
                    id,
                    T0,
                    "t",
                    null,
                    WorkflowRef.of("wf", "1"),
                    java.util.Map.of("team", "x"),
                    new RunListIndex.StatusAt(RunStatus.FAILED, 3)));
        case STALE_TERMINAL -> RunListIndex.statusLine(id, RunStatus.COMPLETED, 3);
      };
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Damage.class)
  void verifyComparesTheRunWithItsIndexLine(Damage damage) throws IOException {
    Path root = tmp.resolve("damage-" + damage);
    RunId id;
    RunId other;
    try (Opened s = open(root)) {
      id = s.create("ns", "t");
      other = s.create("ns", "t");
      Exit.FAILED_RESUMED.enter(s.store(), id);
      assertThat(s.store().verify(id).problems()).isEmpty();
    }
    Files.write(
        root.resolve(Layout.INDEX),
        RunListIndex.frame(damage.line(id)).getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    try (Opened s = open(root)) {
      assertThat(s.store().verify(id).problems())
          .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
          .startsWith(damage.problem)
          .contains("remove " + root.resolve(Layout.INDEX));
      assertThat(s.store().verify(other).problems()).isEmpty();
      assertThat(s.problems()).isNotEmpty();
    }
  }

  @Test
  void anIndexOfTheEarlierFormatIsRebuiltWithWorkflowsAndLabels() throws IOException {
    Path root = tmp.resolve("format-1");
    RunId tagged;
    RunId other;
    try (Opened s = open(root)) {
      tagged = s.create("ns", "t", WorkflowRef.of("etl", "2"), java.util.Map.of("team", "x"));
      other = s.create("ns", "t");
    }
    Path index = root.resolve(Layout.INDEX);
    // what the earlier version wrote: seven fields per run, no workflow, no labels
    StringBuilder earlier = new StringBuilder("runs.file-index/1\n");
    for (RunId id : List.of(tagged, other)) {
      String line = RunListIndex.createLine(RunListIndex.Entry.probe(id, T0, false));
      earlier.append(
          RunListIndex.frame(String.join("\t", List.of(line.split("\t", -1)).subList(0, 7))));
    }
    Files.writeString(index, earlier.toString(), StandardCharsets.UTF_8);
    try (Opened s = open(root)) {
      assertThat(Files.readAllLines(index, StandardCharsets.UTF_8).get(0))
          .isEqualTo(RunListIndex.HEADER);
      assertThat(ids(s.engine().list(RunQuery.builder().label("team", "x").build())))
          .containsExactly(tagged);
      assertThat(ids(s.engine().list(RunQuery.builder().workflow("etl", "2").build())))
          .containsExactly(tagged);
      assertThat(ids(s.engine().list(RunQuery.builder().workflow("wf").build())))
          .containsExactly(other);
      assertThat(s.problems()).isEmpty();
    }
  }

  @Test
  void aRunDirectoryNewerThanTheIndexIsReadAgainAtOpen() throws IOException {
    Path root = tmp.resolve("stale");
    Path index = root.resolve(Layout.INDEX);
    Path saved = tmp.resolve("saved.index");
    RunId old;
    RunId added;
    RunId removed;
    try (Opened s = open(root)) {
      old = s.create("ns", "t");
      removed = s.create("ns", "t");
    }
    Files.copy(index, saved);
    try (Opened s = open(root)) {
      added = s.create("ns", "t"); // an index that does not know it is put back below
      RunId nested = s.create("ns/deeper", "t");
      end(s.store(), nested);
      s.store().delete(nested, "test");
    }
    // a writer that does not know the index: the run directory moves away by hand
    Path away = tmp.resolve("away");
    Files.move(root.resolve("runs/ns").resolve(removed.localId()), away);
    Files.copy(saved, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(index, FileTime.from(T0));
    try (Opened s = open(root)) {
      assertThat(ids(s.engine().list(RunQuery.builder().namespace("ns").build())))
          .containsExactlyInAnyOrder(old, added);
      assertThat(s.problems()).isEmpty();
    }
  }

  @Test
  void compactionKeepsEveryRunAndOtherInstancesFollowIt() throws IOException {
    Path root = tmp.resolve("compact");
    try (Opened a = open(root);
        Opened b = open(root)) {
      a.engine().runIndex().listIndex().compactSlack = 3;
      List<RunId> made = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        RunId id = a.create("ns", "t" + (i % 2));
        made.add(id);
        a.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
        a.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
        if (i % 2 == 0) {
          b.store().delete(id, "test");
          made.remove(id);
        }
        assertThat(ids(b.engine().list(RunQuery.builder().limit(100).build())))
            .containsExactlyInAnyOrderElementsOf(made);
      }
      long lines = Files.readAllLines(root.resolve(Layout.INDEX)).size();
      assertThat(lines).isLessThanOrEqualTo(1 + 2L * made.size() + 3);
      assertThat(ids(b.engine().list(RunQuery.builder().status(RunStatus.COMPLETED).build())))
          .containsExactlyInAnyOrderElementsOf(made);
      RunId last = b.create("ns", "t0");
      made.add(last);
      assertThat(ids(a.engine().list(RunQuery.builder().limit(100).build())))
          .containsExactlyInAnyOrderElementsOf(made);
      assertThat(a.problems()).isEmpty();
      assertThat(b.problems()).isEmpty();
    }
  }

  @Test
  void lineFormatRoundTripsAwkwardText() {
    String text = "a\\b\tc\nd\re\\t";
    StringBuilder b = new StringBuilder();
    RunListIndex.escape(text, b);
    assertThat(b.toString()).doesNotContain("\t", "\n", "\r");
    assertThat(RunListIndex.unescape(b.toString())).isEqualTo(text);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunListIndex.unescape("x\\"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunListIndex.unescape("x\\q"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void creationTimesShareASecondAndPageByIdDescending() {
    try (Opened s = open(tmp.resolve("ties"))) {
      List<RunId> made = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        made.add(s.create("ns", "t"));
      }
      s.clock().advance(Duration.ofSeconds(1));
      assertThat(ids(s.engine().list(RunQuery.builder().limit(100).build())))
          .containsExactlyElementsOf(
              made.stream().sorted(java.util.Comparator.reverseOrder()).toList());
      assertSameAsScan(s.engine(), RunQuery.builder().limit(2).build(), "ties");
      assertSameAsScan(
          s.engine(), RunQuery.builder().createdBefore(T0.plusSeconds(1)).limit(4).build(), "ties");
      assertSameAsScan(s.engine(), RunQuery.builder().createdFrom(T0).limit(4).build(), "ties");
      assertThat(ids(s.engine().list(RunQuery.builder().createdBefore(T0).build()))).isEmpty();
    }
  }

  /** The run lock files under a store's run directories. */
  private static List<Path> runLocks(Path root) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(root.resolve("runs"))) {
      return files.filter(p -> p.endsWith(Layout.RUN_LOCK)).toList();
    }
  }

  @Test
  void aListingReadsHeadsWithoutCreatingOrTakingRunLocks() throws IOException {
    Path root = tmp.resolve("lockless");
    RunId created;
    RunId running;
    RunId completed;
    try (Opened s = open(root)) {
      created = s.create("ns", "t");
      running = s.create("ns", "t");
      s.store().append(running, EventDraft.of(EventTypes.RUN_STARTED));
      completed = s.create("ns", "t");
      end(s.store(), completed);
    }
    for (Path lock : runLocks(root)) {
      Files.delete(lock); // as a store that was copied or restored without them has none
    }
    try (Opened s = open(root)) {
      RunPage page = s.engine().list(RunQuery.builder().threadKey("t").build());
      assertThat(page.runs())
          .extracting(RunEntry::id, RunEntry::status, RunEntry::lastSequence)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(created, RunStatus.CREATED, 1L),
              org.assertj.core.groups.Tuple.tuple(running, RunStatus.RUNNING, 2L),
              org.assertj.core.groups.Tuple.tuple(completed, RunStatus.COMPLETED, 3L));
      assertThat(runLocks(root)).as("run.lock files after a listing").isEmpty();
      assertThat(s.engine().runIndex().run(running).isLoaded()).isFalse();
      // the first append loads the run under its locks, and the listing then reads the loaded view
      s.store().append(running, EventDraft.of(EventTypes.RUN_COMPLETED));
      assertThat(s.engine().runIndex().run(running).isLoaded()).isTrue();
      assertThat(s.store().entry(running).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(ids(s.engine().list(RunQuery.builder().status(RunStatus.COMPLETED).build())))
          .containsExactlyInAnyOrder(running, completed);
      assertThat(s.problems()).isEmpty();
    }
  }

  @Test
  void aListingFollowsAnotherInstancesAppendsToARunItHasNotLoaded() {
    Path root = tmp.resolve("peek-two");
    try (Opened a = open(root);
        Opened b = open(root)) {
      RunId id = b.create("ns", "t");
      b.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
      RunQuery byThread = RunQuery.builder().threadKey("t").build();
      assertThat(a.engine().list(byThread).runs())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.status()).isEqualTo(RunStatus.RUNNING);
                assertThat(e.lastSequence()).isEqualTo(2);
              });
      for (int i = 0; i < 3; i++) {
        b.store().append(id, EventDraft.of("x.test.note", java.util.Map.of("n", i)));
      }
      b.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      RunEntry after = a.engine().list(byThread).runs().get(0);
      assertThat(after.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(after.lastSequence()).isEqualTo(6);
      assertThat(after.updatedAt()).isEqualTo(b.store().entry(id).orElseThrow().updatedAt());
      assertThat(a.engine().runIndex().run(id).isLoaded()).isFalse();
      b.store().delete(id, "test");
      assertThat(a.engine().list(byThread).runs()).isEmpty();
    }
  }

  @Test
  void listingsWhileAnotherInstanceAppendsSeeHeadsThatOnlyGrow() throws Exception {
    Path root = tmp.resolve("peek-race");
    int notes = 500;
    long last = notes + 3L; // run.created, run.started, the notes, run.completed
    try (Opened a = open(root);
        Opened b = open(root)) {
      List<RunId> made = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        RunId id = b.create("ns", "race");
        b.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
        made.add(id);
      }
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < notes; i++) {
                    for (RunId id : made) {
                      b.store()
                          .append(
                              id,
                              EventDraft.of(
                                  "x.test.note",
                                  java.util.Map.of("i", i, "pad", "p".repeat(i % 300))));
                    }
                  }
                  for (RunId id : made) {
                    b.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
                  }
                } catch (Throwable t) {
                  failed.set(t);
                }
              },
              "appender");
      writer.start();
      RunQuery race = RunQuery.builder().threadKey("race").build();
      java.util.Map<RunId, Long> seen = new java.util.HashMap<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int listings = 0;
      boolean more = true;
      while (more) {
        more = writer.isAlive(); // one more listing after the writer has finished
        for (RunEntry e : a.engine().list(race).runs()) {
          long before = seen.getOrDefault(e.id(), 0L);
          assertThat(e.lastSequence())
              .as("listing %d of run %s", listings, e.id())
              .isBetween(Math.max(2, before), last);
          assertThat(e.status())
              .as("listing %d of run %s at %d", listings, e.id(), e.lastSequence())
              .isEqualTo(e.lastSequence() == last ? RunStatus.COMPLETED : RunStatus.RUNNING);
          seen.put(e.id(), e.lastSequence());
        }
        listings++;
        assertThat(System.nanoTime()).as("listing while appending: deadline").isLessThan(deadline);
      }
      writer.join();
      assertThat(failed.get()).isNull();
      assertThat(seen)
          .hasSize(4)
          .allSatisfy((id, sequence) -> assertThat(sequence).isEqualTo(last));
      assertThat(a.problems()).isEmpty();
    }
  }

  @Test
  void aTornTailFoundByAListingIsCutUnderTheLocks() throws IOException {
    Path root = tmp.resolve("peek-torn");
    RunId id;
    try (Opened s = open(root)) {
      id = s.create("ns", "t");
      s.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
    }
    Path log = root.resolve("runs").resolve(id.value()).resolve(Layout.EVENTS);
    long whole = Files.size(log);
    Files.write(
        log, "{\"schema\":\"runs.ev".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    try (Opened s = open(root)) {
      RunEntry e = s.engine().list(RunQuery.all()).runs().get(0);
      assertThat(e.lastSequence()).isEqualTo(2);
      assertThat(e.status()).isEqualTo(RunStatus.RUNNING);
      assertThat(Files.size(log)).isEqualTo(whole);
      assertThat(log.resolveSibling(Layout.BROKEN)).exists();
    }
  }

  @Test
  void damageInTheMiddleOfALogFoundByAListingIsReportedAndLeftAlone() throws IOException {
    Path root = tmp.resolve("peek-damaged");
    RunId id;
    try (Opened s = open(root)) {
      id = s.create("ns", "t");
      s.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
      s.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    }
    Path log = root.resolve("runs").resolve(id.value()).resolve(Layout.EVENTS);
    byte[] bytes = Files.readAllBytes(log);
    int secondLine = new String(bytes, StandardCharsets.UTF_8).indexOf('\n') + 1;
    bytes[secondLine] = '#';
    Files.write(log, bytes);
    try (Opened s = open(root)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.engine().list(RunQuery.all()))
          .isInstanceOf(dev.runs.StoreCorruptedException.class)
          .hasMessageContaining("damage in the middle");
    }
    assertThat(Files.readAllBytes(log)).isEqualTo(bytes);
  }

  @Test
  void aQueryWalksTheSmallestIndexedSetOfItsFilters() {
    try (Opened s = open(tmp.resolve("narrow"))) {
      List<RunId> tagged = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        RunId id =
            s.create(
                i % 2 == 0 ? "a" : "b",
                "t" + (i % 4),
                WorkflowRef.of(i % 10 == 0 ? "rare" : "common", "1"),
                i % 8 == 0 ? java.util.Map.of("customer", "c1") : java.util.Map.of("team", "x"));
        if (i % 8 == 0) {
          tagged.add(id);
        }
      }
      RunListIndex index = s.engine().runIndex().listIndex();
      assertThat(index.narrowest(RunQuery.builder().label("customer", "c1").build())).hasSize(5);
      assertThat(index.narrowest(RunQuery.builder().workflow("rare").namespace("a").build()))
          .hasSize(4);
      assertThat(index.narrowest(RunQuery.builder().threadKey("t1").label("team", "x").build()))
          .hasSize(10);
      assertThat(index.narrowest(RunQuery.builder().namespace("b").build())).hasSize(20);
      assertThat(index.narrowest(RunQuery.builder().label("customer", "nobody").build())).isEmpty();
      assertThat(index.narrowest(RunQuery.all())).hasSize(40);
      for (RunId id : tagged) {
        end(s.store(), id);
        s.store().delete(id, "test");
      }
      assertThat(index.narrowest(RunQuery.builder().label("customer", "c1").build())).isEmpty();
      assertThat(index.narrowest(RunQuery.builder().workflow("rare").build())).hasSize(3);
      assertSameAsScan(
          s.engine(), RunQuery.builder().workflow("rare").limit(1).build(), "after deletions");
    }
  }
}
