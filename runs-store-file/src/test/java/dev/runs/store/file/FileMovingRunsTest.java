package dev.runs.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunArchivedException;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunHead;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.Sha256;
import dev.runs.spi.StoreLocation;
import dev.runs.spi.StoredDocument;
import dev.runs.testkit.TestImportedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import, deletion, archive stubs and document listing of the file engine: through the engine and
 * through a {@link RunStore} over it, with a second engine on the same directory standing in for
 * another process (it shares nothing with the first but the files and the locks).
 */
final class FileMovingRunsTest {
  @TempDir Path tmp;
  Path root;
  final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    root = tmp.resolve("store");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /** An engine and a store over it. */
  record Opened(FileEngine engine, RunStore store) {}

  Opened open() {
    return open(root, ChannelOpener.DEFAULT);
  }

  Opened open(Path dir, ChannelOpener opener) {
    StoreLocation loc = StoreLocation.parse("file:" + dir + "?poll_ms=0");
    FileEngine engine = FileRunStoreProvider.openEngine(loc, opener);
    RunStore store = RunStoreFactory.create(engine, loc);
    opened.add(store);
    return new Opened(engine, store);
  }

  RunStore memory() {
    RunStore m = RunStores.open("memory:");
    opened.add(m);
    return m;
  }

  static RunRecord.Builder record(String trigger) {
    return RunRecord.builder(
            WorkflowRef.of("w", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, trigger))
        .namespace("acme/etl");
  }

  static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  /**
   * A running run with {@code lines} console lines (every tenth with an idempotency key, batches of
   * up to 100), two stages (one retried) with input, output and artifacts.
   */
  static RunId sourceRun(RunStore store, String trigger, int lines) {
    RunId id = store.create(record(trigger).build()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      EventDraft d = line(i);
      batch.add(i % 10 == 0 ? d.withIdempotencyKey("k-" + i) : d);
      if (batch.size() == 100 || i == lines - 1) {
        store.append(id, batch);
        batch.clear();
      }
    }
    store.writeStage(
        id,
        StageWrite.of("fetch")
            .withInput(Payload.of(Map.of("url", "u")))
            .withOutput(Payload.of(Map.of("rows", 3)))
            .withArtifact(StageArtifact.of("report.html", "report", "<h1/>".getBytes(UTF_8)))
            .withArtifact(StageArtifact.of("plots/a.bin", "image", new byte[] {1, 2, 3})));
    store.writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("rows", 4))));
    store.writeStage(id, StageWrite.of("load").withOutput(Payload.of(Map.of("ok", true))));
    return id;
  }

  static List<RunEvent> all(RunStore store, RunId id) {
    try (EventStream s = store.read(id, 0)) {
      List<RunEvent> out = new ArrayList<>();
      s.forEachRemaining(out::add);
      return out;
    }
  }

  static List<RunEvent> all(FileEngine engine, RunId id) {
    try (EventStream s = engine.read(id, 0)) {
      List<RunEvent> out = new ArrayList<>();
      s.forEachRemaining(out::add);
      return out;
    }
  }

  /** Every file below the store root with its content hash, to show that nothing changed. */
  Map<String, String> tree() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = root.relativize(p).toString();
        if (Files.isRegularFile(p)) {
          if (!p.getFileName().toString().endsWith(".lock")) {
            out.put(rel, Sha256.hex(Files.readAllBytes(p)));
          }
        } else if (Files.isDirectory(p) && !p.equals(root)) {
          out.put(rel + "/", "");
        }
      }
    }
    return out;
  }

  Path runDir(RunId id) {
    return root.resolve("runs").resolve(id.value());
  }

  static void assertSameRun(RunStore source, RunId id, RunStore target) {
    Snapshot.of(source, id).assertIn(target);
  }

  /** A run read whole into memory: what an archive holds of it. */
  record Snapshot(
      RunRecord record,
      RunEntry entry,
      List<RunEvent> events,
      List<StageManifest> stages,
      Map<String, byte[]> files) {
    static Snapshot of(RunStore s, RunId id) {
      Map<String, byte[]> files = new TreeMap<>();
      List<StageManifest> stages = s.stages(id);
      for (StageManifest m : stages) {
        for (StageManifest.Entry f : m.files()) {
          files.put(key(m, f.path()), s.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
        }
      }
      return new Snapshot(
          s.get(id).orElseThrow(), s.entry(id).orElseThrow(), all(s, id), stages, files);
    }

    static String key(StageManifest m, String path) {
      return m.stageKey() + "#" + m.attempt() + "/" + path;
    }

    TestImportedRun source() {
      RunEvent last = events.get(events.size() - 1);
      return TestImportedRun.of(
              record,
              new RunHead(last.sequence(), entry.status(), last.time(), last.hash()),
              () -> EventStream.of(events))
          .withStages(stages, (m, p) -> files.get(key(m, p)).clone());
    }

    void assertIn(RunStore target) {
      RunId id = record.id();
      assertThat(all(target, id)).isEqualTo(events);
      assertThat(target.entry(id).map(FileMovingRunsTest::micros)).contains(micros(entry));
      assertThat(target.get(id)).contains(record);
      assertThat(target.stages(id)).isEqualTo(stages);
      for (StageManifest m : stages) {
        for (StageManifest.Entry f : m.files()) {
          assertThat(target.readStageFile(id, m.stageKey(), m.attempt(), f.path()))
              .as("%s", key(m, f.path()))
              .isEqualTo(files.get(key(m, f.path())));
        }
        assertThat(target.verifyStage(id, m.stageKey(), m.attempt()).ok()).isTrue();
      }
    }
  }

  /**
   * The entry with its time cut to microseconds, as event times are (the memory store keeps ns).
   */
  static RunEntry micros(RunEntry e) {
    return new RunEntry(
        e.record(), e.status(), e.lastSequence(), e.updatedAt().truncatedTo(ChronoUnit.MICROS));
  }

  static String stubJson(RunId id) {
    return "{\"archive\":\"dir:/archive\",\"key\":\"" + id.value() + "\",\"n\":1.50}";
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Importing a run")
  class Importing {
    @Test
    @DisplayName(
        "a run imported from the memory store reads back equal, keeps its trigger and keys, and"
            + " takes appends after its head")
    void import_fromMemory_roundTrip_appendsContinue() {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-1", 700);
      Opened target = open();
      target.engine().importRun(TestImportedRun.from(source, id));

      assertSameRun(source, id, target.store());
      assertThat(target.store().findByTrigger("t-1").orElseThrow().id()).isEqualTo(id);
      assertThat(target.store().verify(id).ok()).isTrue();

      RunEvent last = all(source, id).get(all(source, id).size() - 1);
      RunEvent next = target.store().append(id, line(9999));
      assertThat(next.sequence()).isEqualTo(last.sequence() + 1);
      assertThat(next.hash()).isPresent();
      assertThat(target.store().verify(id).ok()).isTrue();
      RunEvent again = target.store().append(id, line(0).withIdempotencyKey("k-10"));
      assertThat(again.sequence()).as("an imported idempotency key").isEqualTo(13);

      target.store().close();
      Opened reopened = open();
      assertThat(reopened.store().entry(id).orElseThrow().lastSequence())
          .isEqualTo(next.sequence());
      assertThat(reopened.store().verify(id).ok()).isTrue();
    }

    @Test
    @DisplayName("a run imported from another file store has the same events.ndjson, byte for byte")
    void import_fromFileStore_sameLogBytes() throws Exception {
      Opened source = open(tmp.resolve("source"), ChannelOpener.DEFAULT);
      RunId id = sourceRun(source.store(), "t-2", 1000);
      source.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      Opened target = open();
      target.engine().importRun(TestImportedRun.from(source.store(), id));

      assertSameRun(source.store(), id, target.store());
      Path rel = Path.of("runs").resolve(id.value());
      for (String f : List.of("run.json", "events.ndjson")) {
        assertThat(Files.readAllBytes(root.resolve(rel).resolve(f)))
            .as(f)
            .isEqualTo(Files.readAllBytes(tmp.resolve("source").resolve(rel).resolve(f)));
      }
      assertThat(DurableFs.list(root.resolve(".staging"))).isEmpty();
      assertThat(target.store().list(RunQuery.all()).runs())
          .extracting(e -> e.record().id())
          .containsExactly(id);
    }

    @Test
    @DisplayName("events() failing at event 500 of 1000 leaves nothing; a retry imports the run")
    void import_failingStream_leavesNothing_retrySucceeds() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-3", 998);
      Opened target = open();
      RunId other = target.store().create(record("other").build()).record().id();
      Map<String, String> before = tree();

      TestImportedRun broken = TestImportedRun.from(source, id).failingAt(500);
      assertThatThrownBy(() -> target.engine().importRun(broken))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("event 500");
      assertNothingImported(target, id, "t-3", other);
      assertThat(tree()).isEqualTo(before);

      TestImportedRun lost = TestImportedRun.from(source, id).failingStageFiles(true);
      assertThatThrownBy(() -> target.engine().importRun(lost))
          .isInstanceOf(TestImportedRun.PlantedFailure.class);
      assertNothingImported(target, id, "t-3", other);
      assertThat(tree()).isEqualTo(before);

      target.engine().importRun(TestImportedRun.from(source, id));
      assertSameRun(source, id, target.store());
    }

    @Test
    @DisplayName("a failing fsync while staging leaves nothing either")
    void import_failingForce_leavesNothing() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-4", 50);
      FaultyOpener faulty = new FaultyOpener();
      faulty.target = p -> p.toString().contains(".staging");
      Opened target = open(root, faulty);
      RunId other = target.store().create(record("other").build()).record().id();
      Map<String, String> before = tree();
      faulty.failForce = true;
      assertThatThrownBy(() -> target.engine().importRun(TestImportedRun.from(source, id)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("nothing was imported");
      assertNothingImported(target, id, "t-4", other);
      assertThat(tree()).isEqualTo(before);
      faulty.reset();
      target.engine().importRun(TestImportedRun.from(source, id));
      assertSameRun(source, id, target.store());
    }

    @Test
    @DisplayName("a background force failing during a log of more than 8 MiB leaves nothing")
    void import_failingBackgroundForce_leavesNothing() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-4b", 40_000);
      FaultyOpener faulty = new FaultyOpener();
      faulty.target = p -> p.getFileName().toString().equals(Layout.EVENTS);
      Opened target = open(root, faulty);
      RunId other = target.store().create(record("other").build()).record().id();
      Map<String, String> before = tree();
      faulty.forces.set(0);
      faulty.failNthForce = 1; // the first, in the background; the final force would succeed
      assertThatThrownBy(() -> target.engine().importRun(TestImportedRun.from(source, id)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("nothing was imported")
          .hasStackTraceContaining("cannot force the log of run " + id)
          .hasStackTraceContaining("Input/output error (injected)");
      assertNothingImported(target, id, "t-4b", other);
      assertThat(tree()).isEqualTo(before);

      faulty.reset();
      faulty.target = p -> p.getFileName().toString().equals(Layout.EVENTS);
      faulty.forces.set(0);
      target.engine().importRun(TestImportedRun.from(source, id));
      assertThat(faulty.forces.get())
          .as("forces of the log: in the background and the last")
          .isGreaterThan(1);
      assertSameRun(source, id, target.store());
    }

    void assertNothingImported(Opened target, RunId id, String trigger, RunId other) {
      assertThat(target.store().get(id)).isEmpty();
      assertThat(target.store().entry(id)).isEmpty();
      assertThat(target.store().findByTrigger(trigger)).isEmpty();
      assertThat(target.store().list(RunQuery.all()).runs())
          .extracting(e -> e.record().id())
          .containsExactly(other);
      assertThatThrownBy(() -> target.store().read(id, 0)).isInstanceOf(RunNotFoundException.class);
    }

    @Test
    @DisplayName("an id or a trigger id that is taken is refused, and nothing changes")
    void import_takenIdOrTrigger_refused() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-5", 10);
      Opened target = open();
      target.engine().importRun(TestImportedRun.from(source, id));
      Map<String, String> before = tree();
      assertThatThrownBy(() -> target.engine().importRun(TestImportedRun.from(source, id)))
          .isInstanceOf(RunAlreadyExistsException.class)
          .hasMessageContaining(id.value());

      RunStore other = memory();
      RunId sameTrigger = sourceRun(other, "t-5", 1);
      assertThat(sameTrigger).isNotEqualTo(id);
      assertThatThrownBy(() -> target.engine().importRun(TestImportedRun.from(other, sameTrigger)))
          .isInstanceOf(RunAlreadyExistsException.class)
          .hasMessageContaining(id.value())
          .hasMessageContaining("t-5");
      assertThat(target.store().get(sameTrigger)).isEmpty();
      assertThat(tree()).isEqualTo(before);
    }

    @Test
    @DisplayName("events that do not fit the head, or a gap, are refused before anything is stored")
    void import_inconsistentEvents_refused() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-6", 20);
      TestImportedRun real = TestImportedRun.from(source, id);
      RunHead wrong =
          new RunHead(
              real.head().lastSequence() + 1, real.head().status(), real.head().updatedAt());
      TestImportedRun lying =
          TestImportedRun.of(real.record(), wrong, () -> source.read(id, 0))
              .withStages(real.stages(), (m, p) -> real.stageFile(m, p));
      Opened target = open();
      Map<String, String> before = tree();
      assertThatThrownBy(() -> target.engine().importRun(lying))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("nothing was imported");
      TestImportedRun gap =
          TestImportedRun.of(
                  real.record(),
                  real.head(),
                  () -> {
                    List<RunEvent> events = all(source, id);
                    events.remove(5);
                    return EventStream.of(events);
                  })
              .withStages(real.stages(), (m, p) -> real.stageFile(m, p));
      assertThatThrownBy(() -> target.engine().importRun(gap))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("sequence 7");
      assertThat(tree()).isEqualTo(before);
      assertThat(target.store().get(id)).isEmpty();
    }

    @Test
    @DisplayName(
        "another engine on the directory sees nothing of an import until it returns, then all")
    void import_invisibleToAnotherEngine_untilDone() throws Exception {
      RunStore source = memory();
      RunId id = sourceRun(source, "t-7", 600);
      Opened writer = open();
      Opened reader = open();
      CountDownLatch paused = new CountDownLatch(1);
      CountDownLatch resume = new CountDownLatch(1);
      TestImportedRun slow =
          TestImportedRun.from(source, id)
              .onEvent(
                  seq -> {
                    if (seq == 400) {
                      paused.countDown();
                      try {
                        if (!resume.await(60, TimeUnit.SECONDS)) {
                          throw new IllegalStateException("never resumed");
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                      }
                    }
                  });
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<?> done = pool.submit(() -> writer.engine().importRun(slow));
        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reader.store().get(id)).isEmpty();
        assertThat(reader.store().entry(id)).isEmpty();
        assertThat(reader.store().findByTrigger("t-7")).isEmpty();
        assertThat(reader.store().list(RunQuery.all()).runs()).isEmpty();
        assertThat(Files.exists(runDir(id))).isFalse();
        resume.countDown();
        done.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      assertSameRun(source, id, reader.store());
      assertThat(reader.store().findByTrigger("t-7").orElseThrow().id()).isEqualTo(id);
    }
  }

  // ---- deletion
  // ----------------------------------------------------------------------------------

  @Nested
  @DisplayName("Deleting a run")
  class Deleting {
    @Test
    @DisplayName(
        "removes record, trigger entry, events, stages and lease; the trigger creates anew, the"
            + " documents stay")
    void delete_removesEverything() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-d", 30);
      o.store().acquireLease(id, "host-1", Duration.ofMinutes(5));
      o.store().saveDocument("tombstones", id.value(), Payload.of(Map.of("run", id.value())));
      long last = o.store().entry(id).orElseThrow().lastSequence();

      assertThat(o.engine().deleteRun(id, last)).isTrue();

      assertThat(o.store().get(id)).isEmpty();
      assertThat(o.store().entry(id)).isEmpty();
      assertThat(o.store().findByTrigger("t-d")).isEmpty();
      assertThat(o.store().lease(id)).isEmpty();
      assertThat(o.engine().stub(id)).isEmpty();
      assertThatThrownBy(() -> o.store().read(id, 0)).isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> o.store().stages(id)).isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> o.store().append(id, line(1)))
          .isInstanceOf(RunNotFoundException.class);
      assertThat(o.store().list(RunQuery.all()).runs()).isEmpty();
      assertThat(o.store().findDocument("tombstones", id.value())).isPresent();
      assertThat(Files.exists(root.resolve("runs/acme"))).as("empty namespaces go").isFalse();
      assertThat(DurableFs.list(root.resolve(".trash"))).isEmpty();
      assertThat(DurableFs.list(root.resolve("leases"))).isEmpty();
      assertThat(DurableFs.list(root.resolve("triggers"))).isEmpty();

      RunId again = o.store().create(record("t-d").build()).record().id();
      assertThat(again).isNotEqualTo(id);
      assertThat(o.store().findByTrigger("t-d").orElseThrow().id()).isEqualTo(again);
    }

    @Test
    @DisplayName("a stale expected sequence deletes nothing; an unknown run is RunNotFound")
    void delete_staleOrUnknown() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-s", 3);
      long last = o.store().entry(id).orElseThrow().lastSequence();
      o.store().append(id, line(99));
      Map<String, String> before = tree();
      assertThat(o.engine().deleteRun(id, last)).isFalse();
      assertThat(tree()).isEqualTo(before);
      assertThat(o.store().entry(id)).isPresent();
      assertThatThrownBy(() -> o.engine().deleteRun(RunId.of("acme/nope"), 1))
          .isInstanceOf(RunNotFoundException.class);
    }

    @Test
    @DisplayName("another engine that had the run loaded sees it gone, and cannot append to it")
    void delete_seenByAnotherEngine() throws Exception {
      Opened a = open();
      Opened b = open();
      RunId id = sourceRun(a.store(), "t-x", 5);
      RunEntry seen = b.store().entry(id).orElseThrow();
      b.store().append(id, line(100));
      b.store().acquireLease(id, "b", Duration.ofMinutes(1));

      assertThat(a.engine().deleteRun(id, seen.lastSequence() + 1)).isTrue();

      assertThat(b.store().get(id)).isEmpty();
      assertThat(b.store().entry(id)).isEmpty();
      assertThat(b.store().findByTrigger("t-x")).isEmpty();
      assertThat(b.store().lease(id)).isEmpty();
      assertThatThrownBy(() -> b.store().append(id, line(101)))
          .isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> b.store().writeStage(id, StageWrite.of("late")))
          .isInstanceOf(RunNotFoundException.class);
      assertThat(b.store().list(RunQuery.all()).runs()).isEmpty();
      assertThat(Files.exists(runDir(id))).as("nothing wrote the run back").isFalse();
    }

    @Test
    @DisplayName(
        "appends racing a deletion from another engine either land before it or fail; none is"
            + " written after")
    void delete_racingAppends() throws Exception {
      Opened a = open();
      Opened b = open();
      RunId id = sourceRun(a.store(), "t-r", 0);
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newSingleThreadExecutor();
      List<Long> acknowledged = new ArrayList<>();
      Future<Throwable> appender =
          pool.submit(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  try {
                    acknowledged.add(b.store().append(id, line(i)).sequence());
                  } catch (RunNotFoundException e) {
                    return e;
                  }
                }
                return null;
              });
      try {
        FileRunStoreTest.await(() -> acknowledged.size() > 50, Duration.ofSeconds(30));
        boolean deleted = false;
        for (int i = 0; i < 100 && !deleted; i++) {
          deleted = a.engine().deleteRun(id, a.store().entry(id).orElseThrow().lastSequence());
        }
        assertThat(deleted).as("deleted despite the appender").isTrue();
        assertThat(appender.get(30, TimeUnit.SECONDS)).isInstanceOf(RunNotFoundException.class);
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
      assertThat(Files.exists(runDir(id))).isFalse();
      assertThat(a.store().entry(id)).isEmpty();
    }
  }

  // ---- archive stubs
  // -----------------------------------------------------------------------------

  @Nested
  @DisplayName("Archive stubs")
  class Archiving {
    @Test
    @DisplayName(
        "a stub keeps record, trigger and head, drops events, stages and lease, refuses appends;"
            + " a restore brings all back")
    void stub_thenRestore() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-a", 300);
      o.store()
          .append(
              id,
              EventDraft.of(
                  EventTypes.RUN_FAILED,
                  Payload.of(Map.of("error", Map.of("code", "E1", "message", "boom")))));
      o.store().acquireLease(id, "host", Duration.ofMinutes(5));
      Snapshot copy = Snapshot.of(o.store(), id);
      RunEntry entry = o.store().entry(id).orElseThrow();
      List<StageManifest> stages = o.store().stages(id);
      RunId other = o.store().create(record("t-other").build()).record().id();
      var listed = o.store().list(RunQuery.all()).runs();

      assertThat(o.engine().stubRun(id, entry.lastSequence(), stubJson(id))).isTrue();

      assertThat(o.engine().stub(id)).contains(stubJson(id));
      assertThat(o.engine().stub(other)).isEmpty();
      assertThat(o.store().entry(id)).contains(entry);
      assertThat(o.store().get(id)).contains(entry.record());
      assertThat(o.store().findByTrigger("t-a").orElseThrow().id()).isEqualTo(id);
      assertThat(o.store().list(RunQuery.all()).runs()).isEqualTo(listed);
      assertThat(all(o.engine(), id)).isEmpty();
      assertThat(o.engine().stages(id)).isEmpty();
      assertThat(o.store().lease(id)).isEmpty();
      assertThatThrownBy(() -> o.store().append(id, EventDraft.of(EventTypes.RUN_RESUMED)))
          .isInstanceOf(RunArchivedException.class);
      assertThatThrownBy(() -> o.store().writeStage(id, StageWrite.of("more")))
          .isInstanceOf(RunArchivedException.class);
      assertThat(names(runDir(id)))
          .containsExactlyInAnyOrder("run.json", "stub.json", "run.lock", "stages.lock");
      assertThat(DurableFs.list(root.resolve(".trash"))).isEmpty();

      o.store().close();
      Opened reopened = open();
      assertThat(reopened.engine().stub(id)).contains(stubJson(id));
      assertThat(reopened.store().entry(id)).contains(entry);
      assertThatThrownBy(() -> reopened.store().append(id, EventDraft.of(EventTypes.RUN_RESUMED)))
          .isInstanceOf(RunArchivedException.class);

      reopened.engine().importRun(copy.source().replacingStub());

      assertThat(reopened.engine().stub(id)).isEmpty();
      copy.assertIn(reopened.store());
      assertThat(reopened.store().stages(id)).isEqualTo(stages);
      RunEvent resumed = reopened.store().append(id, EventDraft.of(EventTypes.RUN_RESUMED));
      assertThat(resumed.sequence()).isEqualTo(entry.lastSequence() + 1);
      assertThat(reopened.store().verify(id).ok()).isTrue();
    }

    @Test
    @DisplayName("a stale expected sequence changes nothing; unknown runs are RunNotFound")
    void stub_staleOrUnknown() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-st", 2);
      long last = o.store().entry(id).orElseThrow().lastSequence();
      Map<String, String> before = tree();
      assertThat(o.engine().stubRun(id, last - 1, stubJson(id))).isFalse();
      assertThat(tree()).isEqualTo(before);
      assertThat(o.engine().stub(id)).isEmpty();
      assertThatThrownBy(() -> o.engine().stubRun(RunId.of("acme/nope"), 1, "{}"))
          .isInstanceOf(RunNotFoundException.class);
      assertThat(o.engine().stub(RunId.of("acme/nope"))).isEmpty();
      Snapshot copy = Snapshot.of(o.store(), id);
      assertThatThrownBy(() -> o.engine().importRun(copy.source().replacingStub()))
          .as("restoring a whole run")
          .isInstanceOf(RunAlreadyExistsException.class);
      assertThat(tree()).isEqualTo(before);
    }

    @Test
    @DisplayName("another engine that had the run loaded sees the stub and the restore")
    void stub_seenByAnotherEngine() throws Exception {
      Opened a = open();
      Opened b = open();
      RunId id = sourceRun(a.store(), "t-b", 40);
      Snapshot copy = Snapshot.of(a.store(), id);
      RunEntry entry = b.store().entry(id).orElseThrow();
      assertThat(all(b.store(), id)).hasSize((int) entry.lastSequence());

      assertThat(a.engine().stubRun(id, entry.lastSequence(), stubJson(id))).isTrue();

      assertThat(b.engine().stub(id)).contains(stubJson(id));
      assertThat(b.store().entry(id)).contains(entry);
      assertThat(all(b.engine(), id)).isEmpty();
      assertThatThrownBy(() -> b.store().append(id, line(1)))
          .isInstanceOf(RunArchivedException.class);

      b.engine().importRun(copy.source().replacingStub());

      assertThat(a.engine().stub(id)).isEmpty();
      copy.assertIn(a.store());
      RunEvent next = a.store().append(id, line(2));
      assertThat(next.sequence()).isEqualTo(entry.lastSequence() + 1);
      assertThat(b.store().entry(id).orElseThrow().lastSequence()).isEqualTo(next.sequence());
    }

    @Test
    @DisplayName(
        "the poller of another engine skips archived and deleted runs quietly and reports appends"
            + " after a restore")
    void poller_followsMoves() throws Exception {
      Opened a = open();
      Opened b = open();
      RunId kept = sourceRun(a.store(), "t-p1", 3);
      RunId gone = sourceRun(a.store(), "t-p2", 3);
      Snapshot copy = Snapshot.of(a.store(), kept);
      List<RunChange> changes = new ArrayList<>();
      b.store().entry(kept);
      b.store().entry(gone);
      b.engine().poll(changes::add);
      assertThat(changes).isEmpty();

      a.engine().stubRun(kept, copy.entry().lastSequence(), stubJson(kept));
      a.engine().deleteRun(gone, a.store().entry(gone).orElseThrow().lastSequence());
      b.engine().poll(changes::add);
      assertThat(changes).isEmpty();
      assertThat(b.store().entry(gone)).isEmpty();

      a.engine().importRun(copy.source().replacingStub());
      RunEvent next = a.store().append(kept, line(7));
      b.engine().poll(changes::add);
      b.engine().poll(changes::add);
      assertThat(changes)
          .extracting(RunChange::runId, RunChange::lastSequence)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(kept, next.sequence()));
    }

    @Test
    @DisplayName("archiving a stub again replaces its stub; deleting a stub removes it all")
    void stub_again_thenDelete() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-c", 1);
      long last = o.store().entry(id).orElseThrow().lastSequence();
      assertThat(o.engine().stubRun(id, last, stubJson(id))).isTrue();
      assertThat(o.engine().stubRun(id, last, "{\"second\":true}")).isTrue();
      assertThat(o.engine().stub(id)).contains("{\"second\":true}");
      assertThat(o.engine().deleteRun(id, last)).isTrue();
      assertThat(o.engine().stub(id)).isEmpty();
      assertThat(o.store().entry(id)).isEmpty();
      assertThat(o.store().findByTrigger("t-c")).isEmpty();
    }

    @Test
    @DisplayName("stub.json holds the head and the core's stub as given")
    void stubFile_format() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-f", 1);
      RunEntry entry = o.store().entry(id).orElseThrow();
      o.engine().stubRun(id, entry.lastSequence(), stubJson(id));
      String text = Files.readString(runDir(id).resolve("stub.json"));
      assertThat(text)
          .startsWith("{\"schema\":\"runs.file-stub/1\",\"run_id\":\"" + id.value() + "\"")
          .contains("\"last_sequence\":" + entry.lastSequence())
          .contains("\"status\":\"running\"")
          .endsWith(",\"stub\":" + stubJson(id) + "}\n");
      assertThatThrownBy(() -> o.engine().stubRun(id, entry.lastSequence(), "[1]"))
          .isInstanceOf(ValidationException.class);
    }
  }

  static List<String> names(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (Path p : DurableFs.list(dir)) {
      out.add(p.getFileName().toString());
    }
    return out;
  }

  // ---- documents
  // ---------------------------------------------------------------------------------

  @Nested
  @DisplayName("Envelope lines for exports")
  class EnvelopeLines {
    @Test
    @DisplayName(
        "the lines up to the head are the log's bytes, the envelopes each with a line feed, and"
            + " end at the head read when opened")
    void atHead_theLogsBytes_appendsAfterNotRead() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-lines", 3000);
      long head = o.store().entry(id).orElseThrow().lastSequence();
      java.io.ByteArrayOutputStream envelopes = new java.io.ByteArrayOutputStream();
      try (dev.runs.spi.EnvelopeStream s = o.engine().readEnvelopes(id, 0)) {
        while (s.advance()) {
          envelopes.write(s.utf8());
          envelopes.write('\n');
        }
      }
      byte[] log = Files.readAllBytes(runDir(id).resolve(Layout.EVENTS));

      byte[] lines;
      try (java.io.InputStream in = o.engine().readEnvelopeLines(id, head).orElseThrow()) {
        // another engine (process) appends while the stream is open
        open().store().append(id, line(-1));
        lines = in.readAllBytes();
      }

      assertThat(lines).isEqualTo(envelopes.toByteArray()).isEqualTo(log);
      assertThat(Files.size(runDir(id).resolve(Layout.EVENTS))).isGreaterThan(log.length);
    }

    @Test
    @DisplayName(
        "not at the head, or archived: empty (the caller reads envelopes); unknown: RunNotFound")
    void notAtHeadArchivedOrUnknown() {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-lines-not", 5);
      long head = o.store().entry(id).orElseThrow().lastSequence();
      o.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));

      assertThat(o.engine().readEnvelopeLines(id, head)).isEmpty();
      assertThat(o.engine().readEnvelopeLines(id, head + 2)).isEmpty();
      assertThat(o.engine().stubRun(id, head + 1, stubJson(id))).isTrue();
      assertThat(o.engine().readEnvelopeLines(id, head + 1)).isEmpty();
      assertThatThrownBy(() -> o.engine().readEnvelopeLines(RunId.of("acme/nope"), 1))
          .isInstanceOf(RunNotFoundException.class);
    }

    @Test
    @DisplayName("a log cut under an open stream by something else is an IOException naming it")
    void logCutUnderTheStream_ioException() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-lines-cut", 3000);
      long head = o.store().entry(id).orElseThrow().lastSequence();
      Path log = runDir(id).resolve(Layout.EVENTS);
      try (java.io.InputStream in = o.engine().readEnvelopeLines(id, head).orElseThrow()) {
        try (java.nio.channels.FileChannel ch =
            java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
          ch.truncate(ch.size() / 2);
        }

        assertThatThrownBy(in::readAllBytes)
            .isInstanceOf(IOException.class)
            .hasMessageContaining(log.toString())
            .hasMessageContaining("truncated by something other than this store");
      }
    }

    @Test
    @DisplayName("a bundle exported from the file store is the one exported from its memory copy")
    void export_sameBundleAsFromMemory() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-lines-bundle", 3000);
      o.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      RunStore copy = memory();
      java.io.ByteArrayOutputStream fromFile = new java.io.ByteArrayOutputStream();
      dev.runs.RunBundles.export(o.store(), id, fromFile);
      dev.runs.RunBundles.importInto(
          copy, new java.io.ByteArrayInputStream(fromFile.toByteArray()));
      java.io.ByteArrayOutputStream fromMemory = new java.io.ByteArrayOutputStream();
      dev.runs.RunBundles.export(copy, id, fromMemory);
      Path toFile = tmp.resolve("file" + dev.runs.RunBundles.SUFFIX);
      dev.runs.RunBundles.export(o.store(), id, toFile);

      assertThat(bundleWithoutExportTime(fromFile.toByteArray()))
          .isEqualTo(bundleWithoutExportTime(fromMemory.toByteArray()))
          .isEqualTo(bundleWithoutExportTime(Files.readAllBytes(toFile)));
    }

    @Test
    @DisplayName(
        "a run longer than an export holds in memory (10 MB) is read twice, in blocks, to a stream:"
            + " the same bundle as to a file")
    void exportToStream_longRun_readTwice_sameAsToAFile() throws Exception {
      Opened o = open();
      RunId id = o.store().create(record("t-lines-long").build()).record().id();
      o.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
      String text = "x".repeat(2000);
      for (int b = 0; b < 50; b++) {
        List<EventDraft> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          batch.add(
              EventDraft.of(
                  EventTypes.CONSOLE_LINE,
                  Payload.of(Map.of("stream", "stdout", "text", text + (b * 100 + i)))));
        }
        o.store().append(id, batch);
      }
      o.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      assertThat(Files.size(runDir(id).resolve(Layout.EVENTS))).isGreaterThan(10_000_000L);
      java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
      dev.runs.RunBundles.export(o.store(), id, stream);
      Path file = tmp.resolve("long" + dev.runs.RunBundles.SUFFIX);
      dev.runs.RunBundles.export(o.store(), id, file);

      assertThat(bundleWithoutExportTime(stream.toByteArray()))
          .isEqualTo(bundleWithoutExportTime(Files.readAllBytes(file)))
          .hasSize(5003 + 1);
      RunStore copy = memory();
      dev.runs.RunBundles.importInto(copy, new java.io.ByteArrayInputStream(stream.toByteArray()));
      assertThat(copy.entry(id)).isEqualTo(o.store().entry(id));
    }

    @Test
    @DisplayName(
        "archiving copies the log in blocks and still checks every link: an event edited in the"
            + " file is refused, nothing is uploaded, the run stays whole")
    void archive_eventEditedInTheFile_refusedRunWhole() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-lines-edited", 3000);
      o.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      o.store().close();
      Path log = runDir(id).resolve(Layout.EVENTS);
      String text = Files.readString(log);
      String edited = text.replace("\"text\":\"line 2500\"", "\"text\":\"line 2501\"");
      assertThat(edited).isNotEqualTo(text).hasSameSizeAs(text);
      Files.writeString(log, edited);
      Opened again = open();
      Path archiveDir = tmp.resolve("archive");

      try (dev.runs.ArchiveStore archive = dev.runs.ArchiveStores.open("dir:" + archiveDir)) {
        assertThatThrownBy(
                () ->
                    dev.runs.RunArchiver.of(
                            again.store(), archive, dev.runs.RetentionPolicy.keepFor(Duration.ZERO))
                        .archive(id))
            .isInstanceOf(dev.runs.StoreCorruptedException.class)
            .hasMessageContaining("does not match its hash chain link");
      }

      assertThat(again.engine().stub(id)).isEmpty();
      assertThat(Files.readString(log)).isEqualTo(edited);
      try (Stream<Path> uploaded = Files.walk(archiveDir)) {
        assertThat(uploaded.filter(Files::isRegularFile)).isEmpty();
      }
    }

    /** The bundle's lines with the header's export time, and the header's hash over it, blanked. */
    private List<String> bundleWithoutExportTime(byte[] bundle) {
      return new String(bundle, UTF_8)
          .replaceFirst("\"exported_at\":\"[^\"]*\"", "")
          .replaceFirst("\"header_sha256\":\"[^\"]*\"", "")
          .lines()
          .toList();
    }
  }

  @Nested
  @DisplayName("Documents")
  class Documents {
    @Test
    @DisplayName(
        "lists ids in String order, paged, hashed names included; deletes report existence")
    void listAndDelete() throws Exception {
      Opened o = open();
      List<String> ids =
          List.of("rec-2", "rec-10", "Rec-1", "acme/etl/0190", "b", "~x", "Zeta", "a b", "é");
      for (String id : ids) {
        assertThat(o.engine().saveDocument("mixed", id, "{\"id\":\"" + id + "\"}")).isTrue();
      }
      o.engine().saveDocument("other", "rec-0", "{}");
      List<String> sorted = new ArrayList<>(ids);
      sorted.sort(String::compareTo);

      List<String> paged = new ArrayList<>();
      String after = "";
      while (true) {
        List<StoredDocument> page = o.engine().listDocuments("mixed", after, 4);
        if (page.isEmpty()) {
          break;
        }
        assertThat(page.size()).isLessThanOrEqualTo(4);
        for (StoredDocument d : page) {
          assertThat(d.json()).isEqualTo("{\"id\":\"" + d.id() + "\"}");
          paged.add(d.id());
        }
        after = page.get(page.size() - 1).id();
      }
      assertThat(paged).isEqualTo(sorted);
      assertThat(o.engine().listDocuments("empty", "", 10)).isEmpty();

      assertThat(o.engine().deleteDocument("mixed", "acme/etl/0190")).isTrue();
      assertThat(o.engine().deleteDocument("mixed", "acme/etl/0190")).isFalse();
      assertThat(o.engine().deleteDocument("mixed", "rec-2")).isTrue();
      assertThat(o.engine().findDocument("mixed", "rec-2")).isEmpty();
      assertThat(o.engine().listDocuments("mixed", "", 100))
          .extracting(StoredDocument::id)
          .containsExactlyElementsOf(
              sorted.stream().filter(i -> !i.equals("rec-2") && !i.startsWith("acme")).toList());
      assertThat(names(root.resolve("documents/mixed")))
          .noneMatch(n -> n.equals("~" + Sha256.hex("acme/etl/0190") + ".id"));
      assertThat(o.engine().saveDocument("mixed", "acme/etl/0190", "{\"again\":1}")).isTrue();

      Opened b = open();
      assertThat(b.engine().listDocuments("mixed", "a", 1))
          .containsExactly(new StoredDocument("a b", "{\"id\":\"a b\"}"));
    }

    @Test
    @DisplayName(
        "a hashed document of an older store without its .id file is listed when a field names it")
    void olderHashedDocuments_recovered() throws Exception {
      Opened o = open();
      o.engine().saveDocument("tombstones", "acme/x", "{\"run_id\":\"acme/x\"}");
      o.engine().saveDocument("tombstones", "acme/y", "{\"unrelated\":1}");
      Path dir = root.resolve("documents/tombstones");
      Files.delete(dir.resolve("~" + Sha256.hex("acme/x") + ".id"));
      Files.delete(dir.resolve("~" + Sha256.hex("acme/y") + ".id"));
      Opened b = open();
      assertThat(b.engine().listDocuments("tombstones", "", 10))
          .extracting(StoredDocument::id)
          .containsExactly("acme/x");
      assertThat(dir.resolve("~" + Sha256.hex("acme/x") + ".id")).hasContent("acme/x");
      assertThat(b.engine().findDocument("tombstones", "acme/y")).isPresent();
    }
  }

  // ---- recovery of interrupted moves
  // -------------------------------------------------------------

  @Nested
  @DisplayName("What interrupted moves leave")
  class Recovery {
    RunId id;
    RunEntry entry;

    RunId wholeRunWithLease() {
      Opened o = open();
      id = sourceRun(o.store(), "t-rec", 20);
      o.store().acquireLease(id, "host", Duration.ofMinutes(5));
      entry = o.store().entry(id).orElseThrow();
      o.store().close();
      return id;
    }

    void writeStub() throws IOException {
      RunHead head =
          new RunHead(
              entry.lastSequence(), entry.status(), entry.updatedAt(), Optional.of("0".repeat(64)));
      Files.write(runDir(id).resolve("stub.json"), StubFile.encode(id, head, stubJson(id)));
    }

    @Test
    @DisplayName("archiving stopped after stub.json: the stub wins, its leftovers and lease go")
    void archivingStoppedAfterStub_finished() throws Exception {
      wholeRunWithLease();
      Files.move(runDir(id).resolve("events.ndjson"), runDir(id).resolve("events.ndjson.stubbing"));
      writeStub();
      Opened o = open();
      assertThat(o.engine().stub(id)).contains(stubJson(id));
      assertThat(o.store().entry(id).orElseThrow().lastSequence()).isEqualTo(entry.lastSequence());
      assertThat(names(runDir(id)))
          .containsExactlyInAnyOrder("run.json", "stub.json", "run.lock", "stages.lock");
      assertThat(o.store().lease(id)).isEmpty();
      assertThatThrownBy(() -> o.store().append(id, line(1)))
          .isInstanceOf(RunArchivedException.class);
    }

    @Test
    @DisplayName("archiving stopped before stub.json: the log is put back, the run is whole")
    void archivingStoppedBeforeStub_rolledBack() throws Exception {
      wholeRunWithLease();
      Files.move(runDir(id).resolve("events.ndjson"), runDir(id).resolve("events.ndjson.stubbing"));
      Opened o = open();
      assertThat(o.engine().stub(id)).isEmpty();
      assertThat(all(o.store(), id)).hasSize((int) entry.lastSequence());
      assertThat(o.store().lease(id)).isPresent();
      assertThat(o.store().append(id, line(1)).sequence()).isEqualTo(entry.lastSequence() + 1);
      assertThat(Files.exists(runDir(id).resolve("events.ndjson.stubbing"))).isFalse();
    }

    @Test
    @DisplayName("a restore stopped before removing stub.json: still a stub, its leftovers go")
    void restoreStoppedBeforeCommit_stub() throws Exception {
      wholeRunWithLease();
      Files.move(
          runDir(id).resolve("events.ndjson"), runDir(id).resolve("events.ndjson.restoring"));
      writeStub();
      Opened o = open();
      assertThat(o.engine().stub(id)).contains(stubJson(id));
      assertThat(o.engine().stages(id)).isEmpty();
      assertThat(names(runDir(id))).doesNotContain("events.ndjson.restoring", "stages");
      assertThat(o.store().lease(id)).as("a restore does not touch leases").isPresent();
    }

    @Test
    @DisplayName("a restore stopped after removing stub.json: the log is renamed into place")
    void restoreStoppedAfterCommit_whole() throws Exception {
      wholeRunWithLease();
      Files.move(
          runDir(id).resolve("events.ndjson"), runDir(id).resolve("events.ndjson.restoring"));
      Opened o = open();
      assertThat(o.engine().stub(id)).isEmpty();
      assertThat(o.store().entry(id)).contains(entry);
      assertThat(all(o.store(), id)).hasSize((int) entry.lastSequence());
    }

    @Test
    @DisplayName(
        "a deletion stopped after its rename: opening empties the trash and removes the lease and"
            + " trigger entry")
    void deletionStoppedAfterRename_swept() throws Exception {
      wholeRunWithLease();
      Files.createDirectories(root.resolve(".trash"));
      Files.move(runDir(id), root.resolve(".trash/abc"));
      Opened o = open();
      assertThat(DurableFs.list(root.resolve(".trash"))).isEmpty();
      assertThat(DurableFs.list(root.resolve("leases"))).isEmpty();
      assertThat(DurableFs.list(root.resolve("triggers"))).isEmpty();
      assertThat(o.store().entry(id)).isEmpty();
      assertThat(o.store().expiredLeases(10)).isEmpty();
    }

    @Test
    @DisplayName("a lease file left by a deletion in another process is not the run's lease")
    void staleLeaseFile_ignored() throws Exception {
      wholeRunWithLease();
      Opened o = open();
      Path lease = root.resolve("leases").resolve(id.value().replace('/', '+') + ".json");
      byte[] bytes = Files.readAllBytes(lease);
      assertThat(o.engine().deleteRun(id, entry.lastSequence())).isTrue();
      Files.write(lease, bytes);
      assertThat(o.store().lease(id)).isEmpty();
      assertThat(o.engine().expiredLeases(Instant.now().plus(Duration.ofDays(1)), 10)).isEmpty();
    }

    @Test
    @DisplayName(
        "a staging directory whose importer died is removed at open; one being written is not")
    void staleStaging_sweptLiveKept() throws Exception {
      open().store().close();
      Path dead = root.resolve(".staging/dead");
      Files.createDirectories(dead.resolve("run"));
      Files.writeString(dead.resolve("run/events.ndjson"), "partial");
      Path live = root.resolve(".staging/live");
      Files.createDirectories(live.resolve("run"));
      SharedFileLocks.Held held = SharedFileLocks.acquireShared(live.resolve("import.lock"));
      try {
        open();
        assertThat(names(root.resolve(".staging"))).containsExactly("live");
      } finally {
        held.close();
      }
    }
  }

  // ---- schema and locks
  // --------------------------------------------------------------------------

  @Nested
  @DisplayName("Schema and locks")
  class SchemaAndLocks {
    @Test
    @DisplayName("a store written as runs.file-store/1 opens, is marked /2, and reads as before")
    void schema1_opens_andIsMarked() throws Exception {
      Opened o = open();
      RunId id = sourceRun(o.store(), "t-v1", 5);
      o.store().saveDocument("recommendations", "rec-1", Payload.of(Map.of("a", 1)));
      RunEntry entry = o.store().entry(id).orElseThrow();
      o.store().close();
      Files.writeString(root.resolve("store.json"), "{\"schema\":\"runs.file-store/1\"}\n");
      Files.delete(root.resolve(".staging"));
      Files.delete(root.resolve(".trash"));

      Opened again = open();
      assertThat(again.store().entry(id)).contains(entry);
      assertThat(again.engine().listDocuments("recommendations", "", 5))
          .extracting(StoredDocument::id)
          .containsExactly("rec-1");
      assertThat(root.resolve("store.json")).hasContent("{\"schema\":\"runs.file-store/2\"}");
      assertThat(Files.isDirectory(root.resolve(".trash"))).isTrue();
      assertThat(again.engine().stubRun(id, entry.lastSequence(), stubJson(id))).isTrue();
    }

    @Test
    @DisplayName(
        "a lock file whose directory was moved and made anew is locked at its new file, and a"
            + " vanished directory is NoSuchFile")
    void fileLocks_followTheCurrentFile() throws Exception {
      Path dir = tmp.resolve("d");
      Files.createDirectories(dir);
      Path lock = dir.resolve("x.lock");
      FileLocks.acquire(lock).close();
      Files.move(dir, tmp.resolve("moved"));
      Files.createDirectories(dir);
      FileLocks.Held held = FileLocks.acquire(lock);
      try {
        assertThat(Files.exists(lock)).as("locked at the new directory").isTrue();
      } finally {
        held.close();
      }
      Files.move(dir, tmp.resolve("moved-again"));
      assertThatThrownBy(() -> FileLocks.acquire(lock))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }
}
