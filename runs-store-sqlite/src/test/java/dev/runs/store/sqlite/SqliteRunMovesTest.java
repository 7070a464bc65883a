package dev.runs.store.sqlite;

import static dev.runs.store.sqlite.Fixtures.line;
import static dev.runs.store.sqlite.Fixtures.queryLong;
import static dev.runs.store.sqlite.Fixtures.raw;
import static dev.runs.store.sqlite.Fixtures.record;
import static dev.runs.store.sqlite.Fixtures.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
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
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.spi.RunHead;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.spi.StoredDocument;
import dev.runs.testkit.TestImportedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs that move, at the engine: import (and the restore of an archive stub), archive stubs,
 * deletion, and document deletion and listing, with the schema migration they need.
 */
@Timeout(120)
final class SqliteRunMovesTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private SqliteEngine engine;

  /** A store around {@link #engine}, so appends go through the core's planner. */
  private RunStore store;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Path db() {
    return dir.resolve("runs.db");
  }

  /** Opens {@link #engine} and {@link #store} on the database file. */
  private void openStore() {
    StoreLocation location = StoreLocation.parse("sqlite:" + db());
    engine = SqliteEngine.open(SqliteSettings.from(location));
    store = RunStoreFactory.create(engine, location);
    open.add(store);
  }

  /** Another store on the same file: its own connections, like another process. */
  private RunStore another(String parameters) {
    RunStore s = RunStores.open("sqlite:" + db() + parameters);
    open.add(s);
    return s;
  }

  private static RunId startedRun(RunStore s) {
    RunId id = s.create(record().build()).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  private static List<RunEvent> readAll(RunStore s, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream events = s.read(id, 0)) {
      events.forEachRemaining(out::add);
    }
    return out;
  }

  /** Row counts of every table, to show that a refused operation changed nothing. */
  private Map<String, Long> rowCounts() throws Exception {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String table :
        List.of("runs", "events", "stages", "stage_files", "leases", "documents", "change_floor")) {
      counts.put(table, queryLong(db(), "SELECT count(*) FROM " + table));
    }
    counts.put("stubs", queryLong(db(), "SELECT count(*) FROM runs WHERE stub IS NOT NULL"));
    return counts;
  }

  private long rowsOf(String table, RunId id) throws Exception {
    return queryLong(
        db(), "SELECT count(*) FROM " + table + " WHERE run_id = '" + id.value() + "'");
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** A run with everything a run can hold: keys, a hash chain, stage attempts, files. */
  private static RunId fullRun(RunStore s) {
    RunId id =
        s.create(record().threadKey("thread-1").label("team", "search").build()).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    s.append(id, line("keyed").withIdempotencyKey("key-1"));
    s.append(id, List.of(line("two"), line("three")));
    s.writeStage(
        id,
        StageWrite.of("fetch")
            .withInput(Payload.of(Map.of("query", "sqlite")))
            .withOutput(Payload.of(Map.of("hits", 3)))
            .withArtifact(StageArtifact.of("raw.bin", "binary", new byte[] {0, 1, 2, (byte) 255})));
    s.writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("hits", 4))));
    s.writeStage(
        id,
        StageWrite.of("rank")
            .withStatus(StageWrite.Status.FAILED)
            .withArtifact(
                StageArtifact.of("log.txt", "text", "ranked".getBytes(StandardCharsets.UTF_8))));
    return id;
  }

  private static RunEntry micros(RunEntry e) {
    return new RunEntry(
        e.record(), e.status(), e.lastSequence(), e.updatedAt().truncatedTo(ChronoUnit.MICROS));
  }

  private static void assertSameStages(RunStore actual, RunStore expected, RunId id) {
    List<StageManifest> stages = expected.stages(id);
    assertThat(stages).hasSize(3);
    assertThat(actual.stages(id)).isEqualTo(stages);
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        assertThat(actual.readStageFile(id, m.stageKey(), m.attempt(), f.path()))
            .as("%s attempt %d %s", m.stageKey(), m.attempt(), f.path())
            .isEqualTo(expected.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
      }
      assertThat(actual.verifyStage(id, m.stageKey(), m.attempt()).problems()).isEmpty();
    }
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  @Test
  void import_runFromAnotherStore_storesItAsGivenAndAppendsContinueTheChain() {
    openStore();
    RunStore source = RunStores.open("memory:");
    open.add(source);
    RunId id = fullRun(source);
    RunRecord record = source.get(id).orElseThrow();
    TestImportedRun copy = TestImportedRun.copyOf(source, id);

    engine.importRun(copy);

    assertThat(copy.closed()).isEqualTo(copy.opened()).isPositive();
    List<RunEvent> events = readAll(source, id);
    assertThat(readAll(store, id)).isEqualTo(events);
    assertThat(store.get(id)).contains(record);
    assertThat(store.findByTrigger(record.trigger().triggerId())).contains(record);
    // the memory store keeps the head's time to the nanosecond; SQLite keeps microseconds, as RFC
    // 3339 times of events have
    RunEntry expected = micros(source.entry(id).orElseThrow());
    assertThat(store.entry(id)).contains(expected);
    assertThat(store.list(RunQuery.all()).runs()).containsExactly(expected);
    assertSameStages(store, source, id);

    // the idempotency key came along: the same key returns the imported event
    RunEvent keyed = events.get(2);
    assertThat(store.append(id, line("keyed again").withIdempotencyKey("key-1"))).isEqualTo(keyed);
    RunEvent next = store.append(id, line("after the import"));
    assertThat(next.sequence()).isEqualTo(events.size() + 1);
    assertThat(next.hash()).isPresent();
    assertThat(store.verify(id).ok()).isTrue();
    assertThat(store.verify(id).chain().chainedEvents()).isEqualTo(events.size() + 1);

    // a store opened afterwards, on its own connections, sees the same
    RunStore later = another("");
    assertThat(readAll(later, id)).startsWith(events.toArray(RunEvent[]::new));
    assertSameStages(later, source, id);
  }

  @Test
  void import_eventWithUnknownFields_storesTheEnvelopeAnAppendWouldStore() throws Exception {
    openStore();
    RunRecord record = record().build();
    RunEvent created = TestImportedRun.generated(record, 2).allEvents().get(0);
    RunEvent odd =
        new RunEvent(
            RunEvent.SCHEMA,
            EventId.random(),
            record.id(),
            2,
            EventTypes.CONSOLE_LINE,
            record.createdAt().plusSeconds(1),
            Optional.of("plan/search"),
            OptionalInt.of(2),
            Optional.of(created.eventId()),
            "host",
            Optional.of("the-key"),
            Payload.of(Map.of("stream", "stdout", "text", "é ☃ \uD83D\uDE00")),
            Optional.of("0".repeat(64)),
            Map.of("x_future_field", "{\"a\":[1,2]}"));
    RunHead head = new RunHead(2, RunStatus.CREATED, odd.time(), odd.hash());
    engine.importRun(TestImportedRun.ofList(record, head, List.of(created, odd)));

    try (EventStream s = engine.read(record.id(), 1)) {
      assertThat(s.next()).isEqualTo(odd);
    }
    try (Connection c = raw(db());
        PreparedStatement p =
            c.prepareStatement(
                "SELECT envelope, event_id, type, idem_key FROM events WHERE run_id = ? AND seq"
                    + " = 2")) {
      p.setString(1, record.id().value());
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo(EventCodec.encode(odd));
        assertThat(rs.getString(2)).isEqualTo(odd.eventId().value());
        assertThat(rs.getString(3)).isEqualTo("console.line");
        assertThat(rs.getString(4)).isEqualTo("the-key");
      }
    }
    assertThat(queryLong(db(), "SELECT last_seq FROM runs")).isEqualTo(2);
    assertThat(
            queryLong(db(), "SELECT count(*) FROM runs WHERE last_hash = '" + "0".repeat(64) + "'"))
        .isEqualTo(1);
  }

  @Test
  void import_streamFailsAtEvent500Of1000_leavesNothingAndARetrySucceeds() throws Exception {
    openStore();
    RunId other = startedRun(store);
    RunRecord record = record().build();
    Map<String, Long> before = rowCounts();
    var listing = store.list(RunQuery.all());
    TestImportedRun failing = TestImportedRun.generated(record, 1000).failingAt(500);

    assertThatThrownBy(() -> engine.importRun(failing))
        .isInstanceOf(TestImportedRun.PlantedFailure.class)
        .hasMessageContaining("planted failure reading event 500");

    assertThat(failing.closed()).isEqualTo(1);
    assertNothingOf(record, before);
    assertThat(store.list(RunQuery.all())).isEqualTo(listing);
    assertThat(store.append(other, line("the store still writes")).sequence()).isEqualTo(3);

    engine.importRun(TestImportedRun.generated(record, 1000));
    assertThat(store.entry(record.id()).orElseThrow().lastSequence()).isEqualTo(1000);
    assertThat(readAll(store, record.id())).hasSize(1000);
    assertThat(store.findByTrigger(record.trigger().triggerId())).isPresent();
  }

  @Test
  void import_stageFileFails_leavesNothingAndARetrySucceeds() throws Exception {
    openStore();
    RunStore source = RunStores.open("memory:");
    open.add(source);
    RunId id = fullRun(source);
    RunRecord record = source.get(id).orElseThrow();
    Map<String, Long> before = rowCounts();

    assertThatThrownBy(
            () -> engine.importRun(TestImportedRun.copyOf(source, id).failingStageFiles(true)))
        .isInstanceOf(TestImportedRun.PlantedFailure.class);

    assertNothingOf(record, before);
    engine.importRun(TestImportedRun.copyOf(source, id));
    assertSameStages(store, source, id);
  }

  private void assertNothingOf(RunRecord record, Map<String, Long> before) throws Exception {
    assertThat(engine.find(record.id())).isEmpty();
    assertThat(engine.entry(record.id())).isEmpty();
    assertThat(engine.findByTrigger(record.trigger().triggerId())).isEmpty();
    assertThat(engine.stages(record.id())).isEmpty();
    assertThatThrownBy(() -> engine.read(record.id(), 0)).isInstanceOf(RunNotFoundException.class);
    assertThat(rowsOf("events", record.id())).isZero();
    assertThat(rowsOf("stage_files", record.id())).isZero();
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void import_inconsistentRun_isRefusedAndLeavesNothing() throws Exception {
    openStore();
    RunRecord record = record().build();
    Map<String, Long> before = rowCounts();
    TestImportedRun generated = TestImportedRun.generated(record, 10);
    RunHead beyond = new RunHead(11, RunStatus.RUNNING, record.createdAt(), Optional.empty());
    assertThatThrownBy(
            () -> engine.importRun(TestImportedRun.ofList(record, beyond, eventsOf(generated))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("head says sequence 11")
        .hasMessageContaining("end at sequence 10");
    List<RunEvent> gap = eventsOf(generated);
    gap.remove(4);
    assertThatThrownBy(
            () -> engine.importRun(TestImportedRun.ofList(record, generated.head(), gap)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected its event 5")
        .hasMessageContaining("sequence 6");
    assertNothingOf(record, before);
  }

  private static List<RunEvent> eventsOf(TestImportedRun run) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = run.events()) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void import_takenIdOrTrigger_throwsAlreadyExistsAndChangesNothing() throws Exception {
    openStore();
    RunId existing = startedRun(store);
    RunRecord taken = store.get(existing).orElseThrow();
    RunEntry entry = store.entry(existing).orElseThrow();
    Map<String, Long> before = rowCounts();

    assertThatThrownBy(() -> engine.importRun(TestImportedRun.generated(taken, 50)))
        .isInstanceOf(RunAlreadyExistsException.class)
        .hasMessageContaining(existing.value());
    RunRecord sameTrigger =
        RunRecord.builder(taken.workflow(), taken.config(), taken.trigger()).build();
    assertThat(sameTrigger.id()).isNotEqualTo(existing);
    assertThatThrownBy(() -> engine.importRun(TestImportedRun.generated(sameTrigger, 50)))
        .isInstanceOf(RunAlreadyExistsException.class)
        .hasMessageContaining(existing.value())
        .hasMessageContaining(taken.trigger().triggerId());

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(store.entry(existing)).contains(entry);
    assertThat(engine.find(sameTrigger.id())).isEmpty();
  }

  @Test
  void import_isInvisibleToAnotherStoreUntilItReturns() throws Exception {
    openStore();
    RunStore other = another("");
    RunRecord record = record().build();
    AtomicBoolean looked = new AtomicBoolean();
    TestImportedRun run =
        TestImportedRun.generated(record, 2000)
            .onEvent(
                seq -> {
                  if (seq == 1500) {
                    assertThat(other.get(record.id())).isEmpty();
                    assertThat(other.entry(record.id())).isEmpty();
                    assertThat(other.findByTrigger(record.trigger().triggerId())).isEmpty();
                    assertThat(other.list(RunQuery.all()).runs()).isEmpty();
                    assertThat(engine.find(record.id())).as("this engine's readers").isEmpty();
                    looked.set(true);
                  }
                });

    engine.importRun(run);

    assertThat(looked).isTrue();
    assertThat(other.entry(record.id()).orElseThrow().lastSequence()).isEqualTo(2000);
    assertThat(readAll(other, record.id())).hasSize(2000);
  }

  @Test
  void import_holdsTheWriteLock_anAppendMeanwhileWaitsThenCommits() throws Exception {
    openStore();
    RunId busy = startedRun(store);
    RunRecord record = record().build();
    List<CompletableFuture<RunEvent>> pending = new ArrayList<>();
    engine.importRun(
        TestImportedRun.generated(record, 3000)
            .onEvent(
                seq -> {
                  if (seq == 1000) {
                    pending.add(store.appendAsync(busy, line("during the import")));
                  } else if (seq == 2999) {
                    assertThat(pending.get(0)).as("an append during the import").isNotDone();
                  }
                }));
    assertThat(pending.get(0).get(10, TimeUnit.SECONDS).sequence()).isEqualTo(3);
  }

  // ---- delete
  // ------------------------------------------------------------------------------------

  @Test
  void delete_removesRecordTriggerEventsStagesAndLeaseButNotDocuments() throws Exception {
    openStore();
    RunId keep = fullRun(store);
    RunId id = fullRun(store);
    RunRecord record = store.get(id).orElseThrow();
    assertThat(store.acquireLease(id, "host-a", Duration.ofMinutes(5))).isPresent();
    store.saveDocument("tombstones", id.value(), Payload.of(Map.of("deleted", true)));
    long last = store.entry(id).orElseThrow().lastSequence();

    assertThat(engine.deleteRun(id, last)).isTrue();

    assertThat(engine.find(id)).isEmpty();
    assertThat(engine.entry(id)).isEmpty();
    assertThat(engine.findByTrigger(record.trigger().triggerId())).isEmpty();
    assertThat(engine.readLease(id)).isEmpty();
    assertThat(engine.stub(id)).isEmpty();
    assertThatThrownBy(() -> engine.read(id, 0)).isInstanceOf(RunNotFoundException.class);
    for (String table : List.of("events", "stages", "stage_files", "leases")) {
      assertThat(rowsOf(table, id)).as(table).isZero();
    }
    assertThat(store.list(RunQuery.all()).runs())
        .extracting(e -> e.record().id())
        .containsExactly(keep);
    assertThat(store.findDocument("tombstones", id.value())).isPresent();
    assertThat(readAll(store, keep)).hasSize(5);
    assertThat(store.stages(keep)).hasSize(3);

    // the trigger is free: the same trigger creates a new run, and the old id may be imported
    RunRecord again =
        RunRecord.builder(record.workflow(), record.config(), record.trigger()).build();
    assertThat(store.create(again).created()).isTrue();
    assertThat(store.findByTrigger(record.trigger().triggerId()).orElseThrow().id())
        .isEqualTo(again.id());
    assertThatThrownBy(() -> engine.deleteRun(id, last)).isInstanceOf(RunNotFoundException.class);
  }

  @Test
  void delete_staleExpectedSequence_returnsFalseAndChangesNothing() throws Exception {
    openStore();
    RunId id = fullRun(store);
    assertThat(store.acquireLease(id, "host-a", Duration.ofMinutes(5))).isPresent();
    RunEntry entry = store.entry(id).orElseThrow();
    Map<String, Long> before = rowCounts();

    assertThat(engine.deleteRun(id, entry.lastSequence() - 1)).isFalse();
    assertThat(engine.stubRun(id, entry.lastSequence() + 1, "{\"archive\":\"x\"}")).isFalse();

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(store.entry(id)).contains(entry);
    assertThat(engine.stub(id)).isEmpty();
    assertThat(store.lease(id)).isPresent();
  }

  @Test
  void deleteAndStub_unknownRun_throwNotFound() {
    openStore();
    RunId unknown = RunId.of("nobody/here");
    assertThatThrownBy(() -> engine.deleteRun(unknown, 1))
        .isInstanceOf(RunNotFoundException.class)
        .hasMessageContaining("nobody/here");
    assertThatThrownBy(() -> engine.stubRun(unknown, 1, "{}"))
        .isInstanceOf(RunNotFoundException.class);
    assertThat(engine.stub(unknown)).isEmpty();
  }

  @Test
  void watch_afterTheRunWithTheLatestChangeIsDeleted_stillReportsLaterCommits() throws Exception {
    openStore();
    RunStore writer = another("");
    RunId older = startedRun(writer);
    RunId newest = startedRun(writer); // holds the highest change number
    RunStore watched = another("?poll_ms=10");
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    watched.watch(seen::add);

    assertThat(engine.deleteRun(newest, 2)).isTrue();
    writer.append(older, line("after the delete"));

    await(
        () -> seen.stream().anyMatch(c -> c.runId().equals(older) && c.lastSequence() == 3),
        Duration.ofSeconds(10),
        "the append made after the delete");
  }

  // ---- archive stubs
  // -----------------------------------------------------------------------------

  @Test
  void stub_keepsTheEntryDropsEventsStagesAndLeaseAndRefusesAppends() throws Exception {
    openStore();
    RunId id = fullRun(store);
    RunRecord record = store.get(id).orElseThrow();
    assertThat(store.acquireLease(id, "host-a", Duration.ofMinutes(5))).isPresent();
    RunEntry entry = store.entry(id).orElseThrow();
    var listing = store.list(RunQuery.all());
    String stub = "{\"archive\":\"runs/" + id.value() + "\",\"events\":5}";

    assertThat(engine.stubRun(id, entry.lastSequence(), stub)).isTrue();

    assertThat(engine.stub(id)).contains(stub);
    assertThat(engine.entry(id)).contains(entry);
    assertThat(engine.find(id)).contains(record);
    assertThat(engine.findByTrigger(record.trigger().triggerId())).contains(record);
    assertThat(engine.list(RunQuery.all())).isEqualTo(listing);
    try (EventStream events = engine.read(id, 0)) {
      assertThat(events.hasNext()).isFalse();
    }
    assertThat(engine.stages(id)).isEmpty();
    assertThat(engine.readLease(id)).isEmpty();
    for (String table : List.of("events", "stages", "stage_files", "leases")) {
      assertThat(rowsOf(table, id)).as(table).isZero();
    }
    assertThatThrownBy(() -> store.append(id, line("too late")))
        .isInstanceOf(RunArchivedException.class)
        .hasMessageContaining(id.value());
    // another store on the file (its own connections, as another process) sees the stub too
    RunStore other = another("");
    assertThat(other.entry(id)).contains(entry);
    assertThatThrownBy(() -> other.append(id, line("too late")))
        .isInstanceOf(RunArchivedException.class);
    assertThat(store.entry(id)).contains(entry);
    // a whole run has no stub; an import of the stub's id is refused
    assertThat(engine.stub(fullRun(store))).isEmpty();
    assertThatThrownBy(() -> engine.importRun(TestImportedRun.generated(record, 5)))
        .isInstanceOf(RunAlreadyExistsException.class);
  }

  @Test
  void stub_restoredByImport_bringsEverythingBackAndAppendsWorkAgain() throws Exception {
    openStore();
    RunId id = fullRun(store);
    List<RunEvent> events = readAll(store, id);
    RunEntry entry = store.entry(id).orElseThrow();
    TestImportedRun copy = TestImportedRun.copyOf(store, id); // what an archive would hold
    assertThat(engine.stubRun(id, entry.lastSequence(), "{\"archive\":\"a\"}")).isTrue();
    RunId other = fullRun(store);

    engine.importRun(copy.replacingStub());

    assertThat(engine.stub(id)).isEmpty();
    assertThat(engine.entry(id)).contains(entry);
    assertThat(readAll(store, id)).isEqualTo(events);
    assertThat(store.stages(id)).isEqualTo(copy.stages());
    for (StageManifest m : copy.stages()) {
      for (StageManifest.Entry f : m.files()) {
        assertThat(store.readStageFile(id, m.stageKey(), m.attempt(), f.path()))
            .isEqualTo(copy.stageFile(m, f.path()));
      }
    }
    assertThat(store.append(id, line("keyed again").withIdempotencyKey("key-1")))
        .isEqualTo(events.get(2));
    RunEvent next = store.append(id, line("after the restore"));
    assertThat(next.sequence()).isEqualTo(events.size() + 1);
    assertThat(store.verify(id).ok()).isTrue();
    assertThat(store.verify(other).ok()).isTrue();
  }

  @Test
  void restore_ofAWholeUnknownOrMovedOnRun_isRefusedAndChangesNothing() throws Exception {
    openStore();
    RunId whole = fullRun(store);
    TestImportedRun wholeCopy = TestImportedRun.copyOf(store, whole);
    assertThatThrownBy(() -> engine.importRun(wholeCopy.replacingStub()))
        .isInstanceOf(RunAlreadyExistsException.class);

    RunRecord unknown = record().build();
    assertThatThrownBy(
            () -> engine.importRun(TestImportedRun.generated(unknown, 5).replacingStub()))
        .isInstanceOf(RunNotFoundException.class);

    RunId id = fullRun(store);
    TestImportedRun old = TestImportedRun.copyOf(store, id); // at sequence 5
    store.append(id, line("one more"));
    assertThat(engine.stubRun(id, 6, "{\"archive\":\"b\"}")).isTrue();
    Map<String, Long> before = rowCounts();
    assertThatThrownBy(() -> engine.importRun(old.replacingStub()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ends at sequence 6")
        .hasMessageContaining("at sequence 5");
    assertThat(rowCounts()).isEqualTo(before);
    assertThat(engine.stub(id)).contains("{\"archive\":\"b\"}");
  }

  // ---- documents
  // ---------------------------------------------------------------------------------

  @Test
  void deleteDocument_existing_isTrueOnceAndOnlyThatDocumentGoes() {
    openStore();
    store.saveDocument("notes", "a", Payload.of(Map.of("n", 1)));
    store.saveDocument("notes", "b", Payload.of(Map.of("n", 2)));
    store.saveDocument("other", "a", Payload.of(Map.of("n", 3)));

    assertThat(engine.deleteDocument("notes", "a")).isTrue();
    assertThat(engine.deleteDocument("notes", "a")).isFalse();
    assertThat(engine.deleteDocument("notes", "missing")).isFalse();

    assertThat(engine.findDocument("notes", "a")).isEmpty();
    assertThat(engine.findDocument("notes", "b")).contains("{\"n\":2}");
    assertThat(engine.findDocument("other", "a")).contains("{\"n\":3}");
    store.saveDocument("notes", "a", Payload.of(Map.of("n", 4)));
    assertThat(engine.findDocument("notes", "a")).contains("{\"n\":4}");
  }

  @Test
  void listDocuments_pagesInStringCompareToOrder() {
    openStore();
    List<String> ids =
        new ArrayList<>(
            List.of(
                "b",
                "a",
                "A",
                "Z",
                "a-1",
                "a_1",
                "a.1",
                "a1",
                "aa",
                "~tilde",
                " space",
                "0",
                "9z",
                "run/acme/1",
                "run/acme/10",
                "run/acme/2",
                "é-latin",
                "\u4e2d-cjk"));
    for (String id : ids) {
      store.saveDocument("notes", id, Payload.of(Map.of("id", id)));
    }
    store.saveDocument("notez", "a", Payload.of(Map.of("id", "other collection")));
    ids.sort(Comparator.naturalOrder());

    List<String> paged = new ArrayList<>();
    String after = "";
    while (true) {
      List<StoredDocument> page = engine.listDocuments("notes", after, 4);
      assertThat(page.size()).isLessThanOrEqualTo(4);
      if (page.isEmpty()) {
        break;
      }
      for (StoredDocument d : page) {
        paged.add(d.id());
        assertThat(d.json()).isEqualTo(Payload.of(Map.of("id", d.id())).json());
      }
      after = page.get(page.size() - 1).id();
    }
    assertThat(paged).isEqualTo(ids);
    assertThat(engine.listDocuments("notes", "a", 3))
        .extracting(StoredDocument::id)
        .containsExactly("a-1", "a.1", "a1");
    assertThat(engine.listDocuments("empty", "", 10)).isEmpty();
  }

  @Test
  void listDocuments_walksThePrimaryKeyWithoutSorting() throws Exception {
    openStore();
    List<String> plan = new ArrayList<>();
    try (Connection c = raw(db());
        PreparedStatement p =
            c.prepareStatement(
                "EXPLAIN QUERY PLAN SELECT id, json FROM documents WHERE collection = ? AND id > ?"
                    + " ORDER BY id LIMIT ?")) {
      p.setString(1, "notes");
      p.setString(2, "");
      p.setInt(3, 10);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          plan.add(rs.getString("detail"));
        }
      }
    }
    assertThat(plan)
        .anyMatch(l -> l.contains("PRIMARY KEY") && l.contains("collection=? AND id>?"));
    assertThat(plan).noneMatch(l -> l.contains("TEMP B-TREE"));
  }

  // ---- migration
  // ---------------------------------------------------------------------------------

  @Test
  void migrate_fromVersion2_addsStubsAndTheChangeFloorAndKeepsRuns() throws Exception {
    RunId id;
    try (RunStore before = RunStores.open("sqlite:" + db())) {
      id = fullRun(before);
    }
    // make the file a version 2 database, as the previous release wrote it
    Fixtures.downgradeToVersion3(db());
    update(db(), "ALTER TABLE runs DROP COLUMN stub");
    update(db(), "DROP TABLE change_floor");
    update(db(), "DELETE FROM schema_version WHERE version > 2");

    openStore();

    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version"))
        .isEqualTo(Schema.RUNS.latest())
        .isEqualTo(5);
    assertThat(queryLong(db(), "SELECT change_seq FROM change_floor WHERE id = 1")).isZero();
    assertThat(engine.stub(id)).isEmpty();
    assertThat(readAll(store, id)).hasSize(5);
    assertThat(store.append(id, line("after the upgrade")).sequence()).isEqualTo(6);
    assertThat(store.verify(id).ok()).isTrue();
    assertThat(engine.stubRun(id, 6, "{\"archive\":\"c\"}")).isTrue();
    assertThat(engine.stub(id)).contains("{\"archive\":\"c\"}");
  }
}
