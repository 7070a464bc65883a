package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.CreateResult;
import dev.runs.EventStream;
import dev.runs.Lease;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreIoException;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoreLocation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class GroupCommitTest {
  /** Delegates to a memory engine; can hold the first commit and fail chosen runs. */
  static final class ControlledEngine implements StorageEngine {
    final MemoryEngine delegate = new MemoryEngine("controlled:");
    final AtomicInteger commits = new AtomicInteger();
    final CountDownLatch firstCommitEntered = new CountDownLatch(1);
    final CountDownLatch releaseFirst = new CountDownLatch(1);
    volatile boolean holdFirst;
    volatile Set<RunId> failRuns = Set.of();
    volatile boolean throwOnCommit;
    volatile boolean callerThreadCommits;
    final java.util.Set<String> committingThreads =
        java.util.concurrent.ConcurrentHashMap.newKeySet();

    volatile boolean runsIndependent;

    /** Runs with a commit in this engine now, and how often a run was committed twice at once. */
    final java.util.Set<RunId> committingRuns = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final AtomicInteger overlaps = new AtomicInteger();

    @Override
    public boolean allowsCommitOnCallerThread() {
      return callerThreadCommits;
    }

    @Override
    public boolean commitsRunsIndependently() {
      return runsIndependent;
    }

    @Override
    public void commit(List<RunBatch> batches) {
      for (RunBatch b : batches) {
        if (!committingRuns.add(b.runId())) {
          overlaps.incrementAndGet();
        }
      }
      try {
        commitTracked(batches);
      } finally {
        for (RunBatch b : batches) {
          committingRuns.remove(b.runId());
        }
      }
    }

    private void commitTracked(List<RunBatch> batches) {
      committingThreads.add(Thread.currentThread().getName());
      if (commits.incrementAndGet() == 1 && holdFirst) {
        firstCommitEntered.countDown();
        try {
          releaseFirst.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (throwOnCommit) {
        throw new StoreIoException("disk on fire");
      }
      List<RunBatch> ok = new ArrayList<>();
      for (RunBatch b : batches) {
        if (failRuns.contains(b.runId())) {
          b.fail(new StoreIoException("run " + b.runId() + " could not be forced"));
        } else {
          ok.add(b);
        }
      }
      delegate.commit(ok);
    }

    @Override
    public CreateResult create(RunRecord r, RunEvent e) {
      return delegate.create(r, e);
    }

    @Override
    public Optional<RunRecord> find(RunId id) {
      return delegate.find(id);
    }

    @Override
    public Optional<RunRecord> findByTrigger(String t) {
      return delegate.findByTrigger(t);
    }

    /** Replaces what {@link #entry} returns: a cached head that disagrees with the log. */
    volatile java.util.function.UnaryOperator<RunEntry> entryView = e -> e;

    /**
     * Each {@link #entry} read runs the next of these before it reads (another writer's commit).
     */
    final java.util.concurrent.ConcurrentLinkedQueue<Runnable> beforeEntry =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Each {@link #entry} read runs the next of these after it read. */
    final java.util.concurrent.ConcurrentLinkedQueue<Runnable> afterEntry =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public Optional<RunEntry> entry(RunId id) {
      Runnable first = beforeEntry.poll();
      if (first != null) {
        first.run();
      }
      Optional<RunEntry> e = delegate.entry(id).map(entryView);
      Runnable then = afterEntry.poll();
      if (then != null) {
        then.run();
      }
      return e;
    }

    @Override
    public EventStream read(RunId id, long after) {
      return delegate.read(id, after);
    }

    @Override
    public RunPage list(RunQuery q) {
      return delegate.list(q);
    }

    @Override
    public StageManifest writeStage(RunId id, StageWrite w, Instant now) {
      return delegate.writeStage(id, w, now);
    }

    @Override
    public List<StageManifest> stages(RunId id) {
      return delegate.stages(id);
    }

    @Override
    public byte[] readStageFile(RunId id, String k, int a, String p) {
      return delegate.readStageFile(id, k, a, p);
    }

    @Override
    public StageVerification verifyStage(RunId id, String k, int a) {
      return delegate.verifyStage(id, k, a);
    }

    @Override
    public Optional<Lease> readLease(RunId id) {
      return delegate.readLease(id);
    }

    /** Runs once, just before the next lease compare-and-set (to interleave a racing writer). */
    final java.util.concurrent.atomic.AtomicReference<Runnable> beforeLeaseCas =
        new java.util.concurrent.atomic.AtomicReference<>();

    @Override
    public boolean compareAndSetLease(RunId id, Optional<Lease> e, Optional<Lease> r) {
      Runnable racer = beforeLeaseCas.getAndSet(null);
      if (racer != null) {
        racer.run();
      }
      return delegate.compareAndSetLease(id, e, r);
    }

    @Override
    public List<Lease> expiredLeases(Instant now, int limit) {
      return delegate.expiredLeases(now, limit);
    }

    @Override
    public boolean saveDocument(String c, String id, String json) {
      return delegate.saveDocument(c, id, json);
    }

    @Override
    public Optional<String> findDocument(String c, String id) {
      return delegate.findDocument(c, id);
    }

    @Override
    public void importRun(dev.runs.spi.ImportedRun run) {
      delegate.importRun(run);
    }

    @Override
    public boolean deleteRun(RunId id, long expectedLastSequence) {
      return delegate.deleteRun(id, expectedLastSequence);
    }

    @Override
    public boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
      return delegate.stubRun(id, expectedLastSequence, stubJson);
    }

    @Override
    public Optional<String> stub(RunId id) {
      return delegate.stub(id);
    }

    @Override
    public boolean deleteDocument(String collection, String id) {
      return delegate.deleteDocument(collection, id);
    }

    @Override
    public List<dev.runs.spi.StoredDocument> listDocuments(
        String collection, String afterId, int limit) {
      return delegate.listDocuments(collection, afterId, limit);
    }

    @Override
    public String describe() {
      return "controlled:";
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  @Test
  void appendsQueuedDuringACommit_areGatheredIntoOneCommit() throws Exception {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      List<RunId> runs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        runs.add(startedRun(store));
      }
      int before = engine.commits.get();
      engine.commits.set(0);
      engine.holdFirst = true;
      CompletableFuture<RunEvent> first = store.appendAsync(runs.get(0), line(0));
      assertThat(engine.firstCommitEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<CompletableFuture<RunEvent>> rest = new ArrayList<>();
      for (int i = 1; i <= 200; i++) {
        rest.add(store.appendAsync(runs.get(i % runs.size()), line(i)));
      }
      engine.releaseFirst.countDown();
      first.get(30, TimeUnit.SECONDS);
      for (CompletableFuture<RunEvent> f : rest) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(before).isPositive();
      assertThat(engine.commits.get()).as("commits for 201 appends").isEqualTo(2);
      for (RunId id : runs) {
        assertThat(store.verify(id).ok()).isTrue();
      }
    }
  }

  @Test
  void blockingAppend_onAnIdleLane_commitsOnTheCallersThread_whenTheEngineAllowsIt()
      throws Exception {
    ControlledEngine engine = new ControlledEngine();
    engine.callerThreadCommits = true;
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.committingThreads.clear();
      store.append(id, line(1));
      assertThat(engine.committingThreads).containsExactly(Thread.currentThread().getName());

      engine.committingThreads.clear();
      store.appendAsync(id, line(2)).get(30, TimeUnit.SECONDS);
      assertThat(engine.committingThreads)
          .allSatisfy(t -> assertThat(t).startsWith("runs-commit-"));

      engine.committingThreads.clear();
      Thread.currentThread().interrupt();
      try {
        assertThat(store.append(id, line(3)).sequence()).isEqualTo(5);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      assertThat(engine.committingThreads)
          .as("an interrupted caller does not commit itself")
          .allSatisfy(t -> assertThat(t).startsWith("runs-commit-"));
    }
  }

  @Test
  void blockingAppend_commitsOnTheLaneThread_whenTheEngineDoesNotAllowCallerCommits() {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.committingThreads.clear();
      store.append(id, line(1));
      assertThat(engine.committingThreads)
          .allSatisfy(t -> assertThat(t).startsWith("runs-commit-"));
    }
  }

  @Test
  void mixedBlockingAndAsyncAppends_toOneRun_keepEachCallersOrder() throws Exception {
    ControlledEngine engine = new ControlledEngine();
    engine.callerThreadCommits = true;
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<CompletableFuture<List<Long>>> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
          int producer = p;
          producers.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    List<CompletableFuture<RunEvent>> mine = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                      if ((i + producer) % 3 == 0) {
                        mine.add(CompletableFuture.completedFuture(store.append(id, line(i))));
                      } else {
                        mine.add(store.appendAsync(id, line(i)));
                      }
                    }
                    return mine.stream().map(f -> f.join().sequence()).toList();
                  },
                  pool));
        }
        for (CompletableFuture<List<Long>> f : producers) {
          assertThat(f.get(60, TimeUnit.SECONDS)).isSorted().doesNotHaveDuplicates();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.verify(id).ok()).isTrue();
      assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(2 + 4 * 500);
    }
  }

  @Test
  void runsThatCommitIndependently_doNotWaitForAnotherRunsCommit() throws Exception {
    ControlledEngine engine = new ControlledEngine();
    engine.callerThreadCommits = true;
    engine.runsIndependent = true;
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId held = startedRun(store);
      RunId other = startedRun(store);
      engine.commits.set(0);
      engine.holdFirst = true;
      CompletableFuture<RunEvent> first = store.appendAsync(held, line(1));
      assertThat(engine.firstCommitEntered.await(30, TimeUnit.SECONDS)).isTrue();
      // the held run's commit waits inside the engine; on a shared lane this append would too
      CompletableFuture<RunEvent> beside =
          CompletableFuture.supplyAsync(() -> store.append(other, line(1)));
      assertThat(beside.get(30, TimeUnit.SECONDS).sequence()).isEqualTo(3);
      assertThat(first).isNotDone();
      engine.releaseFirst.countDown();
      assertThat(first.get(30, TimeUnit.SECONDS).sequence()).isEqualTo(3);
      assertThat(engine.overlaps).hasValue(0);
    }
  }

  @Test
  void runsThatCommitIndependently_keepEachCallersOrder_andCommitARunOnceAtATime()
      throws Exception {
    ControlledEngine engine = new ControlledEngine();
    engine.callerThreadCommits = true;
    engine.runsIndependent = true;
    long seed = System.nanoTime();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      List<RunId> runs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        runs.add(startedRun(store));
      }
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(6);
      try {
        List<CompletableFuture<List<RunEvent>>> producers = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
          java.util.Random random = new java.util.Random(seed + p);
          producers.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    List<CompletableFuture<RunEvent>> mine = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                      RunId id = runs.get(random.nextInt(runs.size()));
                      mine.add(
                          random.nextBoolean()
                              ? CompletableFuture.completedFuture(store.append(id, line(i)))
                              : store.appendAsync(id, line(i)));
                    }
                    return mine.stream().map(CompletableFuture::join).toList();
                  },
                  pool));
        }
        long total = 0;
        for (CompletableFuture<List<RunEvent>> f : producers) {
          List<RunEvent> mine = f.get(60, TimeUnit.SECONDS);
          total += mine.size();
          for (RunId id : runs) {
            assertThat(mine.stream().filter(e -> e.runId().equals(id)).map(RunEvent::sequence))
                .as("one producer's events of run %s (seed %d)", id, seed)
                .isSorted()
                .doesNotHaveDuplicates();
          }
        }
        assertThat(total).isEqualTo(6 * 400);
      } finally {
        pool.shutdownNow();
      }
      long written = 0;
      for (RunId id : runs) {
        assertThat(store.verify(id).ok()).isTrue();
        written += store.entry(id).orElseThrow().lastSequence() - 2;
      }
      assertThat(written).as("seed %d", seed).isEqualTo(6 * 400);
      assertThat(engine.overlaps).as("a run committed twice at once (seed %d)", seed).hasValue(0);
    }
  }

  @Test
  void closing_commitsWhatEveryRunQueued_thenRefusesAppends() throws Exception {
    ControlledEngine engine = new ControlledEngine();
    engine.runsIndependent = true;
    RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"));
    List<RunId> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(startedRun(store));
    }
    engine.commits.set(0);
    engine.holdFirst = true;
    CompletableFuture<RunEvent> first = store.appendAsync(runs.get(0), line(0));
    assertThat(engine.firstCommitEntered.await(30, TimeUnit.SECONDS)).isTrue();
    // the one commit thread is held, so these wait: queued on their lanes or for the thread
    List<CompletableFuture<RunEvent>> queued = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      queued.add(store.appendAsync(runs.get(i % runs.size()), line(i)));
    }
    CompletableFuture<Void> closing = CompletableFuture.runAsync(store::close);
    engine.releaseFirst.countDown();
    closing.get(30, TimeUnit.SECONDS);
    assertThat(first.get(30, TimeUnit.SECONDS).sequence()).isEqualTo(3);
    java.util.Map<RunId, List<Long>> sequences = new java.util.HashMap<>();
    sequences.computeIfAbsent(runs.get(0), k -> new ArrayList<>()).add(first.join().sequence());
    for (CompletableFuture<RunEvent> f : queued) {
      assertThat(f).as("queued before the close").isCompleted();
      sequences.computeIfAbsent(f.join().runId(), k -> new ArrayList<>()).add(f.join().sequence());
    }
    assertThat(sequences.get(runs.get(0)))
        .isEqualTo(java.util.stream.LongStream.rangeClosed(3, 13).boxed().toList());
    for (RunId id : runs.subList(1, runs.size())) {
      assertThat(sequences.get(id))
          .isEqualTo(java.util.stream.LongStream.rangeClosed(3, 12).boxed().toList());
    }
    assertThatThrownBy(() -> store.appendAsync(runs.get(1), line(99)))
        .isInstanceOf(dev.runs.StoreClosedException.class);
  }

  @Test
  void oneRunFailing_failsOnlyItsCallers() {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId good = startedRun(store);
      RunId bad = startedRun(store);
      engine.failRuns = Set.of(bad);
      assertThat(store.append(good, line(1)).sequence()).isEqualTo(3);
      assertThatThrownBy(() -> store.append(bad, line(1)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("could not be forced");
      assertThat(store.entry(bad).orElseThrow().lastSequence()).isEqualTo(2);
    }
  }

  @Test
  void engineThrowing_failsEveryCallerOfTheBatch() {
    ControlledEngine engine = new ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.throwOnCommit = true;
      assertThatThrownBy(() -> store.append(id, line(1)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("disk on fire");
      engine.throwOnCommit = false;
      assertThat(store.append(id, line(2)).sequence()).isEqualTo(3);
    }
  }

  @Test
  void clockSteppingBack_keepsEventTimesNonDecreasing() {
    dev.runs.testsupport.ManualClock clock =
        new dev.runs.testsupport.ManualClock(Instant.parse("2026-01-01T00:00:10Z"));
    try (RunStore store =
        dev.runs.RunStores.open("memory:", RunStoreOptions.builder().clock(clock).build())) {
      RunId id = startedRun(store);
      clock.set(Instant.parse("2026-01-01T00:00:05Z"));
      RunEvent e = store.append(id, line(1));
      assertThat(e.time()).isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));
    }
  }
}
