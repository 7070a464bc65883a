package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
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
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.spi.StoredDocument;
import dev.runs.testkit.TestImportedRun;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs that move through the PostgreSQL engine: import (round trip, failures at any point, taken
 * ids and triggers, visibility to another instance), deletion, archive stubs and their restore,
 * what other instances hear about all of it, document listing and deletion, and the migration of a
 * version 2 schema. Each test works in its own schema; "instances" are engines with pools of their
 * own, which is all another process would be to the server.
 */
@ExtendWith(RequiresPostgres.class)
@Timeout(120)
final class PostgresMovingRunsTest {
  private static final String STUB = "{\"archive\":\"dir:/mnt/archive\",\"key\":\"runs/x\"}";

  private final List<RunStore> stores = new ArrayList<>();
  private String schema;
  private RunStore source;

  /** An engine and the store the core wraps around it. */
  private record Instance(PostgresEngine engine, RunStore store) {}

  @BeforeEach
  void setUp() throws SQLException {
    schema = PgTestDatabase.newSchemaName("move");
    try (Connection c = PgTestDatabase.connect()) {
      PgSchema.migrate(c, schema, "test");
    }
    source = track(RunStores.open("memory:"));
  }

  @AfterEach
  void cleanUp() {
    for (RunStore s : stores) {
      s.close();
    }
    PgTestDatabase.dropSchema(schema);
  }

  private RunStore track(RunStore s) {
    stores.add(s);
    return s;
  }

  private Instance instance(String... parameters) {
    String uri = PgTestDatabase.uri(schema, parameters);
    PgConfig config = PgConfig.parse(StoreLocation.parse(uri));
    PostgresEngine engine =
        new PostgresEngine(
            new PgPool(config), schema, config.describe(), config::scrub, config.pollMs, 1);
    return new Instance(engine, track(RunStoreFactory.create(engine, StoreLocation.parse(uri))));
  }

  private static RunRecord record(String trigger) {
    return RunRecord.builder(
            WorkflowRef.of("w", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, trigger))
        .namespace("moves")
        .build();
  }

  private static String trigger() {
    return "t-" + UUID.randomUUID();
  }

  private static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  private static StageWrite stage(String key, String text) {
    return StageWrite.of(key)
        .withInput(Payload.of(Map.of("q", key)))
        .withOutput(Payload.of(Map.of("a", text)))
        .withArtifact(
            StageArtifact.of("report.md", "text", ("# " + text).getBytes(StandardCharsets.UTF_8)));
  }

  /** A run with keyed events, three stage attempts (two of one stage) and a lease. */
  private static RunId fullRun(RunStore s, String trigger) {
    RunId id = s.create(record(trigger)).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    for (int i = 0; i < 20; i++) {
      s.append(id, line(i).withIdempotencyKey("k-" + i));
    }
    s.writeStage(id, stage("plan", "first"));
    s.writeStage(id, stage("plan", "second").withStatus(StageWrite.Status.FAILED));
    s.writeStage(id, stage("reply", "done"));
    s.append(id, line(99));
    assertThat(s.acquireLease(id, "host-1", Duration.ofMinutes(5))).isPresent();
    return id;
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 30 s waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private List<String> query(String sql, Object... params) {
    try (Connection c = PgTestDatabase.connect();
        PreparedStatement ps = c.prepareStatement(sql.replace("$s", PgSchema.quote(schema)))) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void execute(String sql, Object... params) {
    try (Connection c = PgTestDatabase.connect();
        PreparedStatement ps = c.prepareStatement(sql.replace("$s", PgSchema.quote(schema)))) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows of the run in each table: runs, events, stages, stage_files, leases. */
  private List<Integer> rowsOf(RunId id) {
    List<Integer> out = new ArrayList<>();
    out.add(
        Integer.parseInt(query("SELECT count(*) FROM $s.runs WHERE id = ?", id.value()).get(0)));
    for (String t : List.of("events", "stages", "stage_files", "leases")) {
      out.add(
          Integer.parseInt(
              query("SELECT count(*) FROM $s." + t + " WHERE run_id = ?", id.value()).get(0)));
    }
    return out;
  }

  /** Everything a reader can see of a run through a store. */
  private record Seen(
      Optional<RunEntry> entry,
      List<RunEvent> events,
      List<StageManifest> stages,
      Map<String, String> files,
      Optional<dev.runs.Lease> lease) {}

  private static Seen seen(RunStore s, RunId id) {
    Optional<RunEntry> entry = s.entry(id);
    if (entry.isEmpty()) {
      return new Seen(entry, List.of(), List.of(), Map.of(), Optional.empty());
    }
    List<StageManifest> stages = s.stages(id);
    Map<String, String> files = new HashMap<>();
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        files.put(
            m.stageKey() + "/" + m.attempt() + "/" + f.path(),
            new String(
                s.readStageFile(id, m.stageKey(), m.attempt(), f.path()), StandardCharsets.UTF_8));
      }
    }
    return new Seen(entry, s.read(id, 0, 100_000), stages, files, s.lease(id));
  }

  private static List<RunId> listed(RunStore s) {
    return s.list(RunQuery.builder().limit(1000).build()).runs().stream()
        .map(e -> e.record().id())
        .toList();
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "events by COPY: {0}")
  @ValueSource(booleans = {true, false})
  void import_roundTripFromAnotherStore_readsEqual_andAppendsContinueOnTheChain(boolean copy) {
    String trig = trigger();
    RunId id = fullRun(source, trig);
    Seen original = seen(source, id);
    Instance a = instance();
    a.engine().moves.copyEvents = copy;

    TestImportedRun run = TestImportedRun.copyOf(source, id);
    a.engine().importRun(run);

    Seen imported = seen(a.store(), id);
    RunEntry want = original.entry().orElseThrow();
    RunEntry got = imported.entry().orElseThrow();
    assertThat(got.record()).isEqualTo(want.record());
    assertThat(got.status()).isEqualTo(want.status());
    assertThat(got.lastSequence()).isEqualTo(want.lastSequence());
    // the memory store keeps the head's time to the nanosecond, timestamptz to the microsecond
    assertThat(Duration.between(got.updatedAt(), want.updatedAt()).abs())
        .isLessThan(Duration.ofNanos(1000));
    assertThat(imported.events()).hasSize(23).isEqualTo(original.events());
    assertThat(imported.stages()).hasSize(3).isEqualTo(original.stages());
    assertThat(imported.files()).hasSize(9).isEqualTo(original.files());
    assertThat(a.store().get(id)).isEqualTo(source.get(id));
    assertThat(a.store().findByTrigger(trig)).isEqualTo(source.get(id));
    assertThat(listed(a.store())).containsExactly(id);
    assertThat(a.store().verify(id).ok()).isTrue();
    for (StageManifest m : imported.stages()) {
      assertThat(a.store().verifyStage(id, m.stageKey(), m.attempt()).ok()).isTrue();
    }
    // the same envelope text the engine stores for an appended event
    assertThat(query("SELECT body FROM $s.events WHERE run_id = ? ORDER BY seq", id.value()))
        .containsExactlyElementsOf(original.events().stream().map(EventCodec::encode).toList());
    assertThat(run.closed()).isEqualTo(run.opened()).isEqualTo(1);
    // there is no lease to import: leases belong to the process running the run
    assertThat(imported.lease()).isEmpty();

    RunEvent next = a.store().append(id, line(100));
    assertThat(next.sequence()).isEqualTo(24);
    assertThat(a.store().verify(id).ok()).isTrue();
    RunEvent keyed = a.store().append(id, line(5).withIdempotencyKey("k-5"));
    assertThat(keyed).isEqualTo(original.events().get(7));
    assertThat(a.store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED)).sequence())
        .isEqualTo(25);
    assertThat(a.store().entry(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void import_eventsWithUnknownFieldsAndEscapes_areStoredAsTheirEnvelopeText() {
    Instance a = instance();
    TestImportedRun generated = TestImportedRun.generated(RunId.of("moves/odd"), trigger(), 30);
    List<RunEvent> events = new ArrayList<>();
    for (RunEvent e : generated.allEvents()) {
      events.add(
          e.sequence() % 7 == 0
              ? new RunEvent(
                  e.schema(),
                  e.eventId(),
                  e.runId(),
                  e.sequence(),
                  e.type(),
                  e.time(),
                  e.stepId(),
                  e.attempt(),
                  e.parentEventId(),
                  e.source(),
                  Optional.of("key \\ with a backslash " + e.sequence()),
                  e.payload(),
                  e.hash(),
                  Map.of("x_future", "{\"nested\":[1,\"\\\\\"]}"))
              : e);
    }
    TestImportedRun run = TestImportedRun.ofList(generated.record(), generated.head(), events);

    a.engine().importRun(run);

    assertThat(a.store().read(RunId.of("moves/odd"), 0, 100)).isEqualTo(events);
    assertThat(query("SELECT body FROM $s.events WHERE run_id = 'moves/odd' ORDER BY seq"))
        .containsExactlyElementsOf(events.stream().map(EventCodec::encode).toList());
    assertThat(query("SELECT idem_key FROM $s.events WHERE run_id = 'moves/odd' AND seq = 14"))
        .containsExactly("key \\ with a backslash 14");
  }

  @ParameterizedTest(name = "events by COPY: {0}")
  @ValueSource(booleans = {true, false})
  void import_eventStreamFailsAtEvent500_leavesNothing_andARetrySucceeds(boolean copy) {
    Instance a = instance();
    a.engine().moves.copyEvents = copy;
    RunId other = fullRun(a.store(), trigger());
    List<RunId> before = listed(a.store());
    String trig = trigger();
    RunId id = RunId.of("moves/failing");
    TestImportedRun run = TestImportedRun.generated(id, trig, 1000).failingAt(500);

    assertThatThrownBy(() -> a.engine().importRun(run))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("planted failure reading event 500");

    assertNothingOf(a, id, trig);
    assertThat(listed(a.store())).isEqualTo(before).containsExactly(other);
    assertThat(run.closed()).isEqualTo(run.opened()).isEqualTo(1);

    a.engine().importRun(run.failingAt(0));
    assertThat(a.store().read(id, 0, 2000)).hasSize(1000);
    assertThat(a.store().findByTrigger(trig)).isPresent();
    assertThat(a.store().verify(id).ok()).isTrue();
  }

  private void assertNothingOf(Instance a, RunId id, String trig) {
    assertThat(a.store().get(id)).isEmpty();
    assertThat(a.store().entry(id)).isEmpty();
    assertThat(a.store().findByTrigger(trig)).isEmpty();
    assertThat(a.engine().stub(id)).isEmpty();
    assertThatThrownBy(() -> a.store().read(id, 0, 10)).isInstanceOf(RunNotFoundException.class);
    assertThat(rowsOf(id)).containsOnly(0);
    assertThat(query("SELECT count(*) FROM $s.runs WHERE trigger_id = ?", trig))
        .containsExactly("0");
  }

  @Test
  void import_stageFileFails_leavesNothing_andARetrySucceeds() {
    Instance a = instance();
    String trig = trigger();
    RunId id = RunId.of("moves/staged");
    Instant t = Instant.parse("2026-03-01T10:00:01Z");
    StageWrite plan = stage("plan", "p");
    StageWrite reply = stage("reply", "r");
    List<StageManifest> manifests =
        List.of(
            StageManifest.compute(id, plan, 1, 1, t),
            StageManifest.compute(id, plan, 1, 2, t),
            StageManifest.compute(id, reply, 2, 1, t));
    Map<String, byte[]> files = new HashMap<>();
    for (StageWrite w : List.of(plan, reply)) {
      for (StageWrite.StageFile f : w.files()) {
        files.put(w.stageKey() + "/" + f.path(), f.content());
      }
    }
    TestImportedRun run =
        TestImportedRun.generated(id, trig, 40)
            .withStages(manifests, files)
            .failingStageFiles(true);

    assertThatThrownBy(() -> a.engine().importRun(run))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("planted failure reading");
    assertNothingOf(a, id, trig);

    a.engine().importRun(run.failingStageFiles(false));
    assertThat(a.store().stages(id)).isEqualTo(manifests);
    assertThat(a.store().readArtifact(id, "plan", 2, "report.md"))
        .isEqualTo("# p".getBytes(StandardCharsets.UTF_8));
    assertThat(a.store().verifyStage(id, "reply", 1).ok()).isTrue();
    // a stage written after the import takes the next attempt
    assertThat(a.store().writeStage(id, stage("plan", "third")).attempt()).isEqualTo(3);
  }

  @Test
  void import_takenIdOrTrigger_throwsRunAlreadyExists_beforeReadingAnyEvent_nothingChanged() {
    Instance a = instance();
    String trig = trigger();
    RunId existing = fullRun(a.store(), trig);
    Seen before = seen(a.store(), existing);

    String fresh = trigger();
    TestImportedRun sameId = TestImportedRun.generated(existing, fresh, 10);
    assertThatThrownBy(() -> a.engine().importRun(sameId))
        .isInstanceOf(RunAlreadyExistsException.class)
        .hasMessageContaining(existing.value())
        .hasMessageContaining(trig);
    assertThat(a.store().findByTrigger(fresh)).isEmpty();

    RunId other = RunId.of("moves/other");
    TestImportedRun sameTrigger = TestImportedRun.generated(other, trig, 10);
    assertThatThrownBy(() -> a.engine().importRun(sameTrigger))
        .isInstanceOf(RunAlreadyExistsException.class)
        .satisfies(e -> assertThat(((RunAlreadyExistsException) e).runId()).isEqualTo(existing));
    assertThat(a.store().entry(other)).isEmpty();

    assertThat(sameId.opened() + sameTrigger.opened()).isZero();
    assertThat(seen(a.store(), existing)).isEqualTo(before);
    assertThat(listed(a.store())).containsExactly(existing);
  }

  @Test
  void import_streamNotMatchingItsHead_isRefused_nothingWritten() {
    Instance a = instance();
    TestImportedRun longer = TestImportedRun.generated(RunId.of("moves/gap"), trigger(), 20);
    List<RunEvent> gap = new ArrayList<>(longer.allEvents());
    gap.remove(9);
    TestImportedRun withGap = TestImportedRun.ofList(longer.record(), longer.head(), gap);
    assertThatThrownBy(() -> a.engine().importRun(withGap))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("event.sequence")
        .hasMessageContaining("must be 10 but was 11");

    TestImportedRun shorter =
        TestImportedRun.ofList(longer.record(), longer.head(), longer.allEvents().subList(0, 19));
    assertThatThrownBy(() -> a.engine().importRun(shorter))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("end at sequence 19 but the head at 20");

    assertNothingOf(a, RunId.of("moves/gap"), longer.record().trigger().triggerId());
  }

  @Test
  void import_isInvisibleToOtherInstancesUntilItReturns_thenReportedToThemAsACreation()
      throws Exception {
    Instance a = instance();
    Instance b = instance("poll_ms=0");
    ConcurrentLinkedQueue<RunChange> seenByB = new ConcurrentLinkedQueue<>();
    b.store().watch(seenByB::add);
    String trig = trigger();
    RunId id = RunId.of("moves/slow");
    CountDownLatch midway = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TestImportedRun run =
        TestImportedRun.generated(id, trig, 5000)
            .onEvent(
                seq -> {
                  if (seq == 4000) {
                    midway.countDown();
                    try {
                      release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                });
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> importing = pool.submit(() -> a.engine().importRun(run));
      assertThat(midway.await(60, TimeUnit.SECONDS)).isTrue();
      // the server holds most of the events already, in the open transaction's COPY
      await(
          "the import's COPY to be running",
          () ->
              !query(
                      "SELECT pid FROM pg_stat_activity WHERE query LIKE ? AND xact_start IS NOT"
                          + " NULL",
                      "COPY " + PgSchema.quote(schema) + ".events%")
                  .isEmpty());

      for (RunStore s : List.of(b.store(), a.store())) {
        assertThat(s.get(id)).isEmpty();
        assertThat(s.entry(id)).isEmpty();
        assertThat(s.findByTrigger(trig)).isEmpty();
        assertThat(listed(s)).doesNotContain(id);
        assertThatThrownBy(() -> s.read(id, 0, 10)).isInstanceOf(RunNotFoundException.class);
      }
      assertThat(b.engine().stub(id)).isEmpty();
      assertThat(query("SELECT count(*) FROM $s.events WHERE run_id = ?", id.value()))
          .containsExactly("0");

      release.countDown();
      importing.get(60, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertThat(b.store().entry(id).orElseThrow().lastSequence()).isEqualTo(5000);
    assertThat(b.store().read(id, 4990, 100)).hasSize(10);
    await(
        "B to hear of the import",
        () -> seenByB.stream().anyMatch(c -> c.runId().equals(id) && c.lastSequence() == 5000));
    assertThat(seenByB)
        .filteredOn(c -> c.runId().equals(id))
        .extracting(RunChange::lastSequence, RunChange::status, RunChange::created)
        .containsExactly(tuple(5000L, RunStatus.RUNNING, true));
  }

  // ---- delete
  // ------------------------------------------------------------------------------------

  @Test
  void delete_removesRecordTriggerEventsKeysStagesAndLease_butNotDocuments() {
    Instance a = instance();
    String trig = trigger();
    RunId id = fullRun(a.store(), trig);
    a.store().saveDocument("tombstones", id.value(), Payload.of(Map.of("deleted", true)));
    RunId other = fullRun(a.store(), trigger());
    Seen otherBefore = seen(a.store(), other);
    long last = a.store().entry(id).orElseThrow().lastSequence();

    assertThat(a.engine().deleteRun(id, last)).isTrue();

    assertNothingOf(a, id, trig);
    assertThat(a.store().lease(id)).isEmpty();
    assertThat(a.store().findDocument("tombstones", id.value())).isPresent();
    assertThat(seen(a.store(), other)).isEqualTo(otherBefore);
    assertThat(listed(a.store())).containsExactly(other);
    // the trigger and the id are free again; the keys of the old log went with it
    RunRecord again =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, trig))
            .id(id)
            .build();
    assertThat(a.store().create(again).created()).isTrue();
    a.store().append(id, EventDraft.of(EventTypes.RUN_STARTED));
    assertThat(a.store().append(id, line(3).withIdempotencyKey("k-3")).sequence()).isEqualTo(3);
    assertThat(a.store().read(id, 0, 10)).hasSize(3);
  }

  @Test
  void delete_staleExpectedSequence_returnsFalse_nothingChanged() {
    Instance a = instance();
    RunId id = fullRun(a.store(), trigger());
    Seen before = seen(a.store(), id);
    long last = before.entry().orElseThrow().lastSequence();

    assertThat(a.engine().deleteRun(id, last - 1)).isFalse();
    assertThat(a.engine().deleteRun(id, last + 1)).isFalse();

    assertThat(seen(a.store(), id)).isEqualTo(before);
    assertThat(a.store().append(id, line(1)).sequence()).isEqualTo(last + 1);
  }

  @Test
  void deleteAndStub_unknownRun_throwRunNotFound() {
    Instance a = instance();
    RunId nope = RunId.of("moves/nope");
    assertThatThrownBy(() -> a.engine().deleteRun(nope, 1))
        .isInstanceOf(RunNotFoundException.class)
        .hasMessageContaining("moves/nope");
    assertThatThrownBy(() -> a.engine().stubRun(nope, 1, STUB))
        .isInstanceOf(RunNotFoundException.class);
    assertThat(a.engine().stub(nope)).isEmpty();
  }

  // ---- archive stubs
  // -----------------------------------------------------------------------------

  @Test
  void stub_keepsTheEntry_dropsTheContents_refusesWrites_inEveryInstance_andRestoreBringsAllBack() {
    Instance a = instance();
    Instance b = instance("poll_ms=0");
    String trig = trigger();
    RunId id = fullRun(a.store(), trig);
    RunEntry entry = a.store().entry(id).orElseThrow();
    Seen before = seen(a.store(), id);
    TestImportedRun archived = TestImportedRun.copyOf(a.store(), id);
    assertThat(a.engine().stub(id)).isEmpty();
    // A wrote the run last and knows its head (its fast path)
    assertThat(a.engine().heads.fastHead(id, System.nanoTime())).isNotNull();

    assertThat(b.engine().stubRun(id, entry.lastSequence(), STUB)).isTrue();

    for (Instance i : List.of(a, b)) {
      assertThat(i.engine().stub(id)).contains(STUB);
      assertThat(i.store().entry(id)).contains(entry);
      assertThat(i.store().get(id)).contains(entry.record());
      assertThat(i.store().findByTrigger(trig)).contains(entry.record());
      assertThat(i.store().list(RunQuery.builder().build()).runs()).containsExactly(entry);
      // (the core sends reads of an archived run to the archive; the engine has nothing left)
      try (EventStream events = i.engine().read(id, 0)) {
        assertThat(events.hasNext()).isFalse();
      }
      assertThat(i.engine().stages(id)).isEmpty();
      assertThat(i.store().lease(id)).isEmpty();
      assertThatThrownBy(() -> i.store().append(id, line(1)))
          .isInstanceOf(RunArchivedException.class);
      assertThatThrownBy(() -> i.store().writeStage(id, stage("late", "x")))
          .isInstanceOf(RunArchivedException.class);
    }
    assertThat(a.engine().appends.fellBack.get()).as("A's known head, refused by the row").isOne();
    assertThat(rowsOf(id)).containsExactly(1, 0, 0, 0, 0);
    assertThat(a.store().entry(id)).contains(entry);
    assertThat(a.engine().stubRun(id, entry.lastSequence() - 1, "{}")).isFalse();
    assertThat(b.engine().stub(id)).contains(STUB);

    a.engine().importRun(archived.replacingStub());

    for (Instance i : List.of(a, b)) {
      assertThat(i.engine().stub(id)).isEmpty();
      Seen restored = seen(i.store(), id);
      assertThat(restored.entry()).isEqualTo(before.entry());
      assertThat(restored.events()).isEqualTo(before.events());
      assertThat(restored.stages()).isEqualTo(before.stages());
      assertThat(restored.files()).isEqualTo(before.files());
    }
    assertThat(b.store().append(id, line(1)).sequence()).isEqualTo(entry.lastSequence() + 1);
    assertThat(a.store().append(id, line(2)).sequence()).isEqualTo(entry.lastSequence() + 2);
    assertThat(a.store().verify(id).ok()).isTrue();
  }

  @Test
  void stub_staleExpectedSequence_returnsFalse_nothingChanged() {
    Instance a = instance();
    RunId id = fullRun(a.store(), trigger());
    Seen before = seen(a.store(), id);
    long last = before.entry().orElseThrow().lastSequence();

    assertThat(a.engine().stubRun(id, last - 1, STUB)).isFalse();

    assertThat(a.engine().stub(id)).isEmpty();
    assertThat(seen(a.store(), id)).isEqualTo(before);
  }

  @Test
  void restore_ofAWholeRun_throwsRunAlreadyExists_ofAnUnknownRun_RunNotFound_nothingChanged() {
    Instance a = instance();
    RunId id = fullRun(a.store(), trigger());
    Seen before = seen(a.store(), id);

    assertThatThrownBy(
            () -> a.engine().importRun(TestImportedRun.copyOf(a.store(), id).replacingStub()))
        .isInstanceOf(RunAlreadyExistsException.class);
    assertThat(seen(a.store(), id)).isEqualTo(before);

    TestImportedRun unknown = TestImportedRun.generated(RunId.of("moves/unknown"), trigger(), 5);
    assertThatThrownBy(() -> a.engine().importRun(unknown.replacingStub()))
        .isInstanceOf(RunNotFoundException.class);
    assertThat(a.store().entry(RunId.of("moves/unknown"))).isEmpty();
  }

  @Test
  void restore_withAnotherHead_isRefused_theStubStays() {
    Instance a = instance();
    RunId id = fullRun(a.store(), trigger());
    TestImportedRun archived = TestImportedRun.copyOf(a.store(), id);
    a.store().append(id, line(1));
    long last = a.store().entry(id).orElseThrow().lastSequence();
    assertThat(a.engine().stubRun(id, last, STUB)).isTrue();

    assertThatThrownBy(() -> a.engine().importRun(archived.replacingStub()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stub ends at sequence " + last);

    assertThat(a.engine().stub(id)).contains(STUB);
    assertThat(rowsOf(id)).containsExactly(1, 0, 0, 0, 0);
  }

  @Test
  void delete_ofAStub_removesItAndTheStub() {
    Instance a = instance();
    String trig = trigger();
    RunId id = fullRun(a.store(), trig);
    long last = a.store().entry(id).orElseThrow().lastSequence();
    assertThat(a.engine().stubRun(id, last, STUB)).isTrue();

    assertThat(a.engine().deleteRun(id, last)).isTrue();

    assertNothingOf(a, id, trig);
  }

  // ---- what other instances see
  // ------------------------------------------------------------------

  @Test
  void fastPath_runDeletedAndImportedAgainByAnotherInstance_appendsChainToTheNewHead() {
    Instance a = instance();
    Instance b = instance("poll_ms=0");
    RunId id = RunId.of("moves/again");
    a.engine().importRun(TestImportedRun.generated(id, trigger(), 3));
    assertThat(a.store().append(id, line(4)).sequence()).isEqualTo(4);
    // same sequence and status as A knows them, another log
    TestImportedRun other = TestImportedRun.generated(id, trigger(), 4);

    assertThat(b.engine().deleteRun(id, 4)).isTrue();
    b.engine().importRun(other);

    RunEvent fifth = a.store().append(id, line(5));
    assertThat(fifth.sequence()).isEqualTo(5);
    assertThat(a.store().read(id, 0, 10).subList(0, 4)).isEqualTo(other.allEvents());
    assertThat(a.store().verify(id).ok()).isTrue();
    assertThat(a.engine().appends.fastBatches.get()).as("the append after the import").isOne();
    assertThat(a.engine().appends.fellBack.get()).as("the append after the second").isOne();
  }

  @Test
  void otherInstance_hearsImportsAsCreations_andNothingOfArchivingOrDeletion() {
    Instance a = instance("poll_ms=0");
    Instance b = instance("poll_ms=0");
    ConcurrentLinkedQueue<RunChange> seenByA = new ConcurrentLinkedQueue<>();
    a.store().watch(seenByA::add);
    RunId id = b.store().create(record(trigger())).record().id();
    b.store().append(id, List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1)));
    await("A to hear of B's append", () -> seenByA.stream().anyMatch(c -> c.lastSequence() == 3));

    assertThat(b.engine().stubRun(id, 3, STUB)).isTrue();
    assertThat(b.engine().deleteRun(id, 3)).isTrue();
    // imported again under its id, shorter than A knew it
    TestImportedRun again = TestImportedRun.generated(id, trigger(), 2);
    b.engine().importRun(again);
    b.store().append(id, line(2));
    RunId own = RunId.of("moves/own");
    a.engine().importRun(TestImportedRun.generated(own, trigger(), 7));
    b.store().append(own, line(8));

    await(
        "A to hear of B's append to its import",
        () -> seenByA.stream().anyMatch(c -> c.runId().equals(own)));
    assertThat(seenByA)
        .filteredOn(c -> c.runId().equals(id))
        .extracting(RunChange::lastSequence, RunChange::status, RunChange::created)
        .containsExactly(
            tuple(1L, RunStatus.CREATED, true),
            tuple(3L, RunStatus.RUNNING, false),
            tuple(2L, RunStatus.RUNNING, true),
            tuple(3L, RunStatus.RUNNING, false));
    // A's own import is not news to A; B's append to it is
    assertThat(seenByA)
        .filteredOn(c -> c.runId().equals(own))
        .extracting(RunChange::lastSequence, RunChange::created)
        .containsExactly(tuple(8L, false));
  }

  @Test
  void poll_findsARunStoredAgainAtALowerSequenceWhileNoticesWereLost() {
    Instance a = instance("poll_ms=50");
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    a.store().watch(seen::add);
    RunId id = a.store().create(record(trigger())).record().id();
    a.store().append(id, List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1), line(2)));
    // deleted and imported again with two events by a writer whose notices never arrive
    execute("DELETE FROM $s.events WHERE run_id = ? AND seq > 2", id.value());
    execute("UPDATE $s.runs SET last_seq = 2, status = 'running' WHERE id = ?", id.value());

    await(
        "the poll to report the run stored again",
        () -> seen.stream().anyMatch(c -> c.lastSequence() == 2));
    // (the first two are this store's own writes, reported by the core)
    assertThat(seen)
        .extracting(RunChange::lastSequence, RunChange::status, RunChange::created)
        .containsExactly(
            tuple(1L, RunStatus.CREATED, true),
            tuple(4L, RunStatus.RUNNING, false),
            tuple(2L, RunStatus.RUNNING, true));
  }

  @Test
  void poll_takesAHeadReadWhileThisInstanceCommitsForItsOwnWrite() {
    Instance a = instance("poll_ms=20");
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    a.store().watch(seen::add);
    RunId id = a.store().create(record(trigger())).record().id();
    a.store().append(id, List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1)));
    await("the core to report the append", () -> seen.size() == 2);
    List<RunId> runs = List.of(id);

    // this instance's commit of sequence 4 is in the table, its head not yet remembered
    a.engine().heads.committing(runs);
    execute("UPDATE $s.runs SET last_seq = 4 WHERE id = ?", id.value());
    awaitPolls(a, 3);
    a.engine()
        .heads
        .remember(List.of(new PgKnownHeads.Moved(id, a.engine().head(id).orElseThrow())));
    a.engine().heads.committed(runs);
    awaitPolls(a, 3);
    assertThat(seen).extracting(RunChange::lastSequence).containsExactly(1L, 3L);

    // once no commit of this instance is in flight, a head that moved is another's write
    execute("UPDATE $s.runs SET last_seq = 5 WHERE id = ?", id.value());
    await(
        "the poll to report sequence 5", () -> seen.stream().anyMatch(c -> c.lastSequence() == 5));
    assertThat(seen).extracting(RunChange::lastSequence).containsExactly(1L, 3L, 5L);
  }

  /** Waits until {@code n} more polls of the change feed have finished. */
  private static void awaitPolls(Instance instance, int n) {
    long until = instance.engine().feed.polls() + n;
    await(n + " polls", () -> instance.engine().feed.polls() >= until);
  }

  // ---- documents
  // ---------------------------------------------------------------------------------

  @Test
  void listDocuments_inStringOrderAfterTheCursor_pagedByLimit() {
    Instance a = instance();
    List<String> ids =
        new ArrayList<>(
            List.of(
                "b", "a", "B", "a-1", "a_1", "a.1", "~x", " space", "Z9", "10", "9", "é", "Ω",
                "ab"));
    for (String id : ids) {
      assertThat(a.engine().saveDocument("tomb", id, "{\"id\":\"" + id + "\"}")).isTrue();
    }
    a.engine().saveDocument("other", "a", "{}");
    ids.sort(null);

    List<String> all = new ArrayList<>();
    String after = "";
    for (int page = 0; page < 20; page++) {
      List<StoredDocument> docs = a.engine().listDocuments("tomb", after, 3);
      if (docs.isEmpty()) {
        break;
      }
      assertThat(docs.size()).isLessThanOrEqualTo(3);
      for (StoredDocument d : docs) {
        assertThat(d.json()).isEqualTo("{\"id\":\"" + d.id() + "\"}");
        all.add(d.id());
      }
      after = docs.get(docs.size() - 1).id();
    }
    assertThat(all).containsExactlyElementsOf(ids);
    assertThat(a.engine().listDocuments("tomb", "a", 2))
        .extracting(StoredDocument::id)
        .containsExactly("a-1", "a.1");
    assertThat(a.engine().listDocuments("none", "", 5)).isEmpty();
  }

  @Test
  void deleteDocument_trueWhenItExisted_onlyThatOne() {
    Instance a = instance();
    a.engine().saveDocument("tomb", "a", "{}");
    a.engine().saveDocument("other", "a", "{\"keep\":1}");

    assertThat(a.engine().deleteDocument("tomb", "a")).isTrue();
    assertThat(a.engine().deleteDocument("tomb", "a")).isFalse();
    assertThat(a.engine().deleteDocument("tomb", "never")).isFalse();

    assertThat(a.engine().findDocument("tomb", "a")).isEmpty();
    assertThat(a.engine().findDocument("other", "a")).contains("{\"keep\":1}");
    assertThat(a.engine().saveDocument("tomb", "a", "{\"again\":1}")).isTrue();
  }

  // ---- migration
  // ---------------------------------------------------------------------------------

  @Test
  void open_versionTwoSchemaWithData_migratesToThree_runsReadAppendAndArchive() throws Exception {
    String old = PgTestDatabase.newSchemaName("v2");
    try {
      try (Connection c = PgTestDatabase.connect()) {
        PgSchema.migrate(c, old, "test", 2);
      }
      assertThat(query("SELECT max(version) FROM \"" + old + "\".schema_version"))
          .containsExactly("2");
      // a run as version 2 wrote it
      TestImportedRun run = TestImportedRun.generated(RunId.of("legacy/r1"), "legacy-trigger", 5);
      RunRecord record = run.record();
      List<RunEvent> events = run.allEvents();
      String q = PgSchema.quote(old);
      execute(
          "INSERT INTO "
              + q
              + ".runs (id, namespace, trigger_id, created_at, record, last_seq, status,"
              + " updated_at, last_hash) VALUES (?, ?, ?, ?, ?, 5, 'running', ?, ?)",
          record.id().value(),
          record.namespace(),
          record.trigger().triggerId(),
          PgCodec.ts(record.createdAt()),
          record.toJson(),
          PgCodec.ts(events.get(4).time()),
          events.get(4).hash().orElseThrow());
      for (RunEvent e : events) {
        execute(
            "INSERT INTO "
                + q
                + ".events (run_id, seq, type, time, idem_key, body) VALUES (?, ?, ?, ?, ?, ?)",
            e.runId().value(),
            e.sequence(),
            e.type().name(),
            PgCodec.ts(e.time()),
            e.idempotencyKey().orElse(null),
            EventCodec.encode(e));
      }

      try (RunStore s = RunStores.open(PgTestDatabase.uri(old))) {
        assertThat(query("SELECT version FROM \"" + old + "\".schema_version ORDER BY 1"))
            .containsExactly("1", "2", "3", "4", "5");
        assertThat(s.read(record.id(), 0, 10)).isEqualTo(events);
        assertThat(s.append(record.id(), line(6)).sequence()).isEqualTo(6);
        assertThat(s.verify(record.id()).ok()).isTrue();
      }
      String uri = PgTestDatabase.uri(old);
      PgConfig config = PgConfig.parse(StoreLocation.parse(uri));
      try (PostgresEngine engine =
          new PostgresEngine(new PgPool(config), old, config.describe(), config::scrub, 0, 1)) {
        assertThat(engine.stub(record.id())).isEmpty();
        assertThat(engine.stubRun(record.id(), 6, STUB)).isTrue();
        assertThat(engine.stub(record.id())).contains(STUB);
      }
    } finally {
      PgTestDatabase.dropSchema(old);
    }
  }
}
