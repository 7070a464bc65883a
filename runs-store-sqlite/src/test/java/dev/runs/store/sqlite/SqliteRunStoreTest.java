package dev.runs.store.sqlite;

import static dev.runs.store.sqlite.Fixtures.downgradeToVersion3;
import static dev.runs.store.sqlite.Fixtures.downgradeToVersion4;
import static dev.runs.store.sqlite.Fixtures.line;
import static dev.runs.store.sqlite.Fixtures.queryLong;
import static dev.runs.store.sqlite.Fixtures.raw;
import static dev.runs.store.sqlite.Fixtures.record;
import static dev.runs.store.sqlite.Fixtures.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunChange;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunVerification;
import dev.runs.StageArtifact;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreConfigurationException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the conformance suite cannot see: SQLite files, schema, plans, locks, and bad paths. */
@Timeout(120)
final class SqliteRunStoreTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Path db() {
    return dir.resolve("runs.db");
  }

  private RunStore open(String uri) {
    RunStore s = RunStores.open(uri);
    open.add(s);
    return s;
  }

  private RunStore open() {
    return open("sqlite:" + db());
  }

  private static RunId startedRun(RunStore store) {
    RunId id = store.create(record().build()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
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

  private Map<String, byte[]> snapshot(Path directory) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.list(directory)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        files.put(
            p.getFileName().toString(),
            Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
      }
    }
    return files;
  }

  private static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (String name : before.keySet()) {
      assertThat(after.get(name)).as("bytes of %s", name).isEqualTo(before.get(name));
    }
  }

  // ---- URIs and parameters
  // -----------------------------------------------------------------------

  @Test
  void open_absoluteAndTripleSlashUris_nameTheSameFile() {
    RunStore a = open("sqlite:" + db());
    RunId id = a.create(record().build()).record().id();
    a.close();
    RunStore b = open("sqlite://" + db());
    assertThat(b.get(id)).isPresent();
    assertThat(b.location()).isEqualTo("sqlite://" + db());
  }

  @Test
  void settings_relativePath_resolvesAgainstWorkingDirectory() {
    SqliteSettings s = SqliteSettings.from(StoreLocation.parse("sqlite:runs.db"));
    assertThat(s.file()).isEqualTo(Path.of("runs.db").toAbsolutePath());
    assertThat(s.durability()).isEqualTo(SqliteSettings.Durability.FULL);
    assertThat(s.busyTimeoutMillis()).isEqualTo(10_000);
    assertThat(s.pollMillis()).isEqualTo(200);
  }

  @Test
  void open_durabilityParameter_setsSynchronousLevel() {
    SqliteEngine full =
        SqliteEngine.open(SqliteSettings.from(StoreLocation.parse("sqlite:" + db())));
    open.add(full);
    assertThat(full.pragma("synchronous")).isEqualTo("2"); // FULL
    assertThat(full.pragma("journal_mode")).isEqualTo("wal");
    assertThat(full.pragma("busy_timeout")).isEqualTo("10000");
    SqliteEngine normal =
        SqliteEngine.open(
            SqliteSettings.from(
                StoreLocation.parse("sqlite:" + db() + "?durability=normal&busy_timeout_ms=1234")));
    open.add(normal);
    assertThat(normal.pragma("synchronous")).isEqualTo("1"); // NORMAL
    assertThat(normal.pragma("busy_timeout")).isEqualTo("1234");
  }

  @Test
  void open_unknownOrMalformedParameter_isRefusedAndCreatesNothing() {
    assertThatThrownBy(() -> open("sqlite:" + db() + "?durabilty=full"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("unknown parameter 'durabilty'")
        .hasMessageContaining("busy_timeout_ms");
    assertThatThrownBy(() -> open("sqlite:" + db() + "?durability=sometimes"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("durability=sometimes");
    assertThatThrownBy(() -> open("sqlite:" + db() + "?busy_timeout_ms=soon"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("busy_timeout_ms=soon");
    assertThatThrownBy(() -> open("sqlite:" + db() + "?poll_ms=0"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("poll_ms=0");
    assertThatThrownBy(() -> open("sqlite:"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no path");
    assertThat(db()).doesNotExist();
  }

  // ---- schema
  // ------------------------------------------------------------------------------------

  @Test
  void open_newFile_createsCurrentSchemaInWalMode() throws Exception {
    open().close();
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version"))
        .isEqualTo(Schema.RUNS.latest());
    try (Connection c = raw(db());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      List<String> tables = new ArrayList<>();
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
      assertThat(tables)
          .contains(
              "runs", "events", "leases", "documents", "stages", "stage_files", "schema_version");
    }
    try (Connection c = raw(db());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void open_emptyFile_becomesADatabase() throws Exception {
    Files.createFile(db());
    RunStore store = open();
    RunId id = store.create(record().build()).record().id();
    assertThat(store.get(id)).isPresent();
  }

  /** The installed versions as no-op steps, then {@code step}. */
  private static Schema nextSchema(Schema.Migration step) {
    List<Schema.Migration> steps = new ArrayList<>();
    for (int v = 1; v < step.version(); v++) {
      steps.add(new Schema.Migration(v, "installed", List.of("SELECT 1")));
    }
    steps.add(step);
    return new Schema(steps);
  }

  @Test
  void migrate_fromVersion1_keepsOldEventsAndChainsTheNewOnes() throws Exception {
    RunStore before = RunStores.open("sqlite:" + db() + "?hash_chain=off");
    RunId id = startedRun(before);
    before.close();
    // make the file a version 1 database, as the previous release wrote it
    downgradeToVersion3(db());
    update(db(), "ALTER TABLE runs DROP COLUMN last_hash");
    update(db(), "ALTER TABLE runs DROP COLUMN stub");
    update(db(), "DROP TABLE change_floor");
    update(db(), "DELETE FROM schema_version WHERE version > 1");
    RunStore after = open();
    RunEvent next = after.append(id, line("after the upgrade"));
    assertThat(next.hash()).isPresent();
    assertThat(after.read(id, 0, 100).get(0).hash()).isEmpty();
    RunVerification v = after.verify(id);
    assertThat(v.ok()).isTrue();
    assertThat(v.chain().chainedEvents()).isEqualTo(1);
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version"))
        .isEqualTo(Schema.RUNS.latest());
  }

  @Test
  void migrate_fromVersion3_copiesTheLabelsOfEveryRun() throws Exception {
    RunStore before = open();
    RunId tagged =
        before.create(record().label("customer", "c-42").label("team", "x").build()).record().id();
    RunId other = before.create(record().label("team", "x").build()).record().id();
    before.create(record().build());
    before.close();
    downgradeToVersion3(db());
    RunStore after = open();
    assertThat(queryLong(db(), "SELECT count(*) FROM run_labels")).isEqualTo(3);
    assertThat(after.list(RunQuery.builder().label("customer", "c-42").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(tagged);
    assertThat(after.list(RunQuery.builder().label("team", "x").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(other, tagged);
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version"))
        .isEqualTo(Schema.RUNS.latest());
  }

  @Test
  void migrate_fromVersion4_indexesTheWorkflowOfEveryRun_pastARecordThatIsNotJson()
      throws Exception {
    RunStore before = open();
    RunId etl1 = before.create(record(WorkflowRef.of("etl", "1")).build()).record().id();
    RunId etl2 = before.create(record(WorkflowRef.of("etl", "2")).build()).record().id();
    before.create(record(WorkflowRef.of("report", "1")).build());
    RunId damaged = before.create(record(WorkflowRef.of("etl", "1")).build()).record().id();
    before.close();
    downgradeToVersion4(db());
    update(db(), "UPDATE runs SET record_json = '{not json' WHERE id = '" + damaged + "'");

    RunStore after = open();

    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version"))
        .isEqualTo(Schema.RUNS.latest());
    assertThat(after.list(RunQuery.builder().workflow("etl").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(etl2, etl1);
    assertThat(after.list(RunQuery.builder().workflow("etl", "1").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(etl1);
    assertThat(plan(RunQuery.builder().workflow("etl").build()))
        .anySatisfy(
            line -> assertThat(line).startsWith("SEARCH runs USING INDEX runs_by_workflow"));
  }

  @Test
  void migrate_fromVersion3_aRecordThatIsNotJsonDoesNotKeepTheStoreFromOpening() throws Exception {
    RunStore before = open();
    RunId damaged = before.create(record().label("team", "x").build()).record().id();
    RunId whole = before.create(record().label("team", "x").build()).record().id();
    before.close();
    downgradeToVersion3(db());
    update(db(), "UPDATE runs SET record_json = '{not json' WHERE id = '" + damaged + "'");
    RunStore after = open();
    assertThat(after.list(RunQuery.builder().label("team", "x").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(whole);
    assertThatThrownBy(() -> after.get(damaged)).isInstanceOf(StoreCorruptedException.class);
    // a hand change of a record is written, and the labels follow it
    update(db(), "UPDATE runs SET record_json = '{still not' WHERE id = '" + whole + "'");
    assertThat(queryLong(db(), "SELECT count(*) FROM run_labels")).isZero();
  }

  @Test
  void runLabels_followCreationImportAndDeletion() throws Exception {
    RunStore store = open();
    RunId id = store.create(record().label("customer", "c-42").build()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    assertThat(queryLong(db(), "SELECT count(*) FROM run_labels WHERE run_id = '" + id + "'"))
        .isEqualTo(1);
    Path bundle = db().resolveSibling("run.runs.ndjson");
    dev.runs.RunBundles.export(store, id, bundle);
    store.delete(id, "test");
    assertThat(queryLong(db(), "SELECT count(*) FROM run_labels")).isZero();
    assertThat(store.list(RunQuery.builder().label("customer", "c-42").build()).runs()).isEmpty();
    dev.runs.RunBundles.forceImportInto(store, bundle);
    assertThat(store.list(RunQuery.builder().label("customer", "c-42").build()).runs())
        .extracting(e -> e.id())
        .containsExactly(id);
  }

  @Test
  void migrate_appliesNewerMigrationsOnceInOneTransaction() throws Exception {
    open().close();
    int current = Schema.RUNS.latest();
    Schema next =
        nextSchema(
            new Schema.Migration(
                current + 1,
                "add a table",
                List.of("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (42)")));
    try (Connection c = raw(db())) {
      assertThat(next.migrate(c, "test")).isEqualTo(current);
      assertThat(next.migrate(c, "test")).isEqualTo(current + 1);
    }
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version")).isEqualTo(current + 1);
    assertThat(queryLong(db(), "SELECT count(*) FROM extra")).isEqualTo(1);
  }

  @Test
  void migrate_failingStep_leavesDatabaseAtPreviousVersion() throws Exception {
    open().close();
    int current = Schema.RUNS.latest();
    Schema broken =
        nextSchema(
            new Schema.Migration(
                current + 1,
                "half",
                List.of(
                    "CREATE TABLE half_done (x INTEGER)",
                    "ALTER TABLE no_such_table ADD COLUMN y INTEGER")));
    try (Connection c = raw(db())) {
      assertThatThrownBy(() -> broken.migrate(c, "test")).isInstanceOf(SQLException.class);
    }
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version")).isEqualTo(current);
    assertThat(queryLong(db(), "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"))
        .isZero();
    RunStore store = open();
    assertThat(store.create(record().build()).created()).isTrue();
  }

  // ---- query plans
  // -------------------------------------------------------------------------------

  private List<String> plan(String sql, List<Object> args) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Connection c = raw(db());
        PreparedStatement p = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
      for (int i = 0; i < args.size(); i++) {
        p.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString("detail"));
        }
      }
    }
    return lines;
  }

  private List<String> plan(RunQuery q) throws SQLException {
    ListQuery lq = ListQuery.of(q);
    return plan(lq.sql(), lq.args());
  }

  /**
   * Asserts that each query, without and with the cursor, searches by an index the plan line
   * starting with {@code search} names, and neither scans a table nor sorts.
   */
  private void assertSearchesWithoutScanOrSort(
      Map<String, RunQuery.Builder> queries, String cursor, String search) throws SQLException {
    for (Map.Entry<String, RunQuery.Builder> f : queries.entrySet()) {
      for (boolean withCursor : new boolean[] {false, true}) {
        RunQuery.Builder b = f.getValue();
        if (withCursor) {
          b.cursor(cursor);
        }
        assertThat(plan(b.build()))
            .as("plan of %s (cursor: %s)", f.getKey(), withCursor)
            .anySatisfy(line -> assertThat(line).startsWith(search))
            .noneSatisfy(line -> assertThat(line).contains("SCAN"))
            .noneSatisfy(line -> assertThat(line).contains("TEMP B-TREE"));
      }
    }
  }

  @Test
  void list_everyFilterWithCursor_searchesAnIndexWithoutScanOrSort() throws Exception {
    RunStore store = open();
    RunRecord r = store.create(record().namespace("acme/etl").threadKey("t1").build()).record();
    for (int i = 0; i < 50; i++) {
      store.create(
          record().namespace(i % 2 == 0 ? "acme/etl" : "other").threadKey("t" + (i % 5)).build());
    }
    String cursor = RunQuery.Cursor.after(r).encode();
    Map<String, RunQuery.Builder> filters =
        Map.of(
            "runs_by_namespace", RunQuery.builder().namespace("acme/etl"),
            "runs_by_thread", RunQuery.builder().threadKey("t1"),
            "runs_by_status", RunQuery.builder().status(RunStatus.RUNNING),
            "runs_by_recommendation", RunQuery.builder().recommendationId("rec-1"),
            "runs_by_created",
                RunQuery.builder()
                    .createdFrom(Instant.parse("2026-01-01T00:00:00Z"))
                    .createdBefore(Instant.parse("2027-01-01T00:00:00Z")));
    for (Map.Entry<String, RunQuery.Builder> f : filters.entrySet()) {
      for (boolean withCursor : new boolean[] {false, true}) {
        RunQuery.Builder b = f.getValue();
        if (withCursor) {
          b.cursor(cursor);
        }
        List<String> plan = plan(b.build());
        assertThat(plan)
            .as("plan of %s (cursor: %s)", f.getKey(), withCursor)
            .anySatisfy(
                line -> assertThat(line).startsWith("SEARCH runs USING INDEX " + f.getKey()))
            .noneSatisfy(line -> assertThat(line).contains("SCAN runs"))
            .noneSatisfy(line -> assertThat(line).contains("TEMP B-TREE"));
      }
    }
    List<String> all = plan(RunQuery.builder().cursor(cursor).build());
    assertThat(all)
        .as("plan of an unfiltered page")
        .singleElement()
        .asString()
        .startsWith("SEARCH runs USING INDEX runs_by_created");
    List<String> noCursor = plan(RunQuery.all());
    assertThat(noCursor)
        .as("plan of the first unfiltered page: an ordered index walk stopping at the limit")
        .singleElement()
        .asString()
        .isEqualTo("SCAN runs USING INDEX runs_by_created");
    Map<String, RunQuery.Builder> byLabel =
        Map.of(
            "one label", RunQuery.builder().label("team", "x"),
            "a label and a namespace", RunQuery.builder().label("team", "x").namespace("other"),
            "two labels", RunQuery.builder().label("team", "x").label("customer", "c-42"),
            "a label and a time range",
                RunQuery.builder()
                    .label("team", "x")
                    .createdFrom(Instant.parse("2026-01-01T00:00:00Z"))
                    .createdBefore(Instant.parse("2027-01-01T00:00:00Z")));
    assertSearchesWithoutScanOrSort(
        byLabel, cursor, "SEARCH l USING COVERING INDEX run_labels_by_value");
    Map<String, RunQuery.Builder> byWorkflow =
        Map.of(
            "a workflow", RunQuery.builder().workflow("etl"),
            "a workflow and version", RunQuery.builder().workflow("etl", "2"),
            "a workflow and a time range",
                RunQuery.builder()
                    .workflow("etl")
                    .createdFrom(Instant.parse("2026-01-01T00:00:00Z"))
                    .createdBefore(Instant.parse("2027-01-01T00:00:00Z")));
    assertSearchesWithoutScanOrSort(byWorkflow, cursor, "SEARCH runs USING INDEX runs_by_workflow");
    List<String> statuses =
        plan(RunQuery.builder().status(RunStatus.RUNNING, RunStatus.FAILED).build());
    assertThat(statuses)
        .as("plan of two statuses: one bounded index search per status")
        .filteredOn(line -> line.contains("runs"))
        .hasSize(2)
        .allSatisfy(line -> assertThat(line).startsWith("SEARCH runs USING INDEX runs_by_status"));
  }

  @Test
  void readPageAndAppendLookups_useThePrimaryKeyAndIdempotencyIndex() throws Exception {
    open().close();
    assertThat(
            plan(
                "SELECT seq, envelope FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT"
                    + " ?",
                List.of("r", 0L, 1000)))
        .singleElement()
        .asString()
        .startsWith("SEARCH events USING PRIMARY KEY (run_id=? AND seq>?)");
    assertThat(
            plan(
                "SELECT envelope FROM events WHERE run_id = ? AND idem_key = ?", List.of("r", "k")))
        .singleElement()
        .asString()
        .contains("INDEX events_by_idem_key (run_id=? AND idem_key=?)");
    assertThat(
            plan(
                "SELECT run_id, owner, expires_at FROM leases WHERE expires_at <= ?"
                    + " ORDER BY expires_at, run_id LIMIT ?",
                List.of(0L, 10)))
        .singleElement()
        .asString()
        .contains("INDEX leases_by_expiry");
  }

  // ---- group commit
  // ------------------------------------------------------------------------------

  /** A batch whose plan the test decides: lets the engine be driven past the core's checks. */
  private static final class ScriptedBatch implements RunBatch {
    private final RunId runId;
    private final List<String> keys;
    private RunHead after;
    Optional<RunHead> seenHead;

    ScriptedBatch(RunId runId, List<String> keys) {
      this.runId = runId;
      this.keys = keys;
    }

    @Override
    public RunId runId() {
      return runId;
    }

    @Override
    public Set<String> idempotencyKeys() {
      return Set.copyOf(keys);
    }

    @Override
    public List<RunEvent> plan(Optional<RunHead> head, Map<String, RunEvent> known) {
      seenHead = head;
      long seq = head.orElseThrow().lastSequence();
      Instant now = Instant.now();
      List<RunEvent> out = new ArrayList<>();
      for (String key : keys) { // ignores `known` on purpose
        out.add(
            new RunEvent(
                RunEvent.SCHEMA,
                EventId.of(java.util.UUID.randomUUID()),
                runId,
                ++seq,
                EventTypes.CONSOLE_LINE,
                now,
                Optional.empty(),
                OptionalInt.empty(),
                Optional.empty(),
                "test",
                Optional.of(key),
                Payload.of(Map.of("stream", "stdout", "text", key)),
                Map.of()));
      }
      after = new RunHead(seq, head.get().status(), now);
      return out;
    }

    @Override
    public RunHead headAfter() {
      return after;
    }

    @Override
    public void fail(RuntimeException error) {
      throw new AssertionError("not expected", error);
    }
  }

  @Test
  void commit_failureInOneRun_rollsBackTheWholeGroup() throws Exception {
    RunStore store = open();
    RunId a = startedRun(store);
    RunId b = startedRun(store);
    store.append(b, line("b").withIdempotencyKey("taken"));
    SqliteEngine engine =
        SqliteEngine.open(SqliteSettings.from(StoreLocation.parse("sqlite:" + db())));
    open.add(engine);

    ScriptedBatch fine = new ScriptedBatch(a, List.of("a1", "a2"));
    ScriptedBatch clash = new ScriptedBatch(b, List.of("taken")); // violates events_by_idem_key
    assertThatThrownBy(() -> engine.commit(List.of(fine, clash)))
        .isInstanceOf(StoreIoException.class)
        .hasMessageContaining("committing appends to 2 runs");

    assertThat(fine.seenHead).isPresent();
    assertThat(store.entry(a).orElseThrow().lastSequence()).isEqualTo(2);
    assertThat(queryLong(db(), "SELECT count(*) FROM events WHERE run_id = '" + a.value() + "'"))
        .isEqualTo(2);
    assertThat(store.verify(a).ok()).isTrue();
    assertThat(store.verify(b).ok()).isTrue();

    engine.commit(
        List.of(new ScriptedBatch(a, List.of("a1", "a2")), new ScriptedBatch(b, List.of("b2"))));
    assertThat(store.entry(a).orElseThrow().lastSequence()).isEqualTo(4);
    assertThat(store.entry(b).orElseThrow().lastSequence()).isEqualTo(4);
  }

  @Test
  void cachedStatus_alwaysEqualsTheFold() {
    RunStore store = open();
    Random random = new Random(7);
    Payload reason = Payload.of(Map.of("reason", "test"));
    List<EventDraft> lifecycle =
        List.of(
            EventDraft.of(EventTypes.RUN_QUEUED),
            EventDraft.of(EventTypes.RUN_STARTED),
            EventDraft.of(EventTypes.RUN_CANCEL_REQUESTED, reason),
            EventDraft.of(EventTypes.RUN_CANCELLED, reason),
            EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"boom\"}}")),
            EventDraft.of(EventTypes.RUN_INTERRUPTED, reason),
            EventDraft.of(EventTypes.RUN_RESUMED),
            EventDraft.of(EventTypes.RUN_COMPLETED),
            line("work"));
    for (int run = 0; run < 10; run++) {
      RunId id = store.create(record().build()).record().id();
      for (int step = 0; step < 30; step++) {
        List<EventDraft> batch = new ArrayList<>();
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          batch.add(lifecycle.get(random.nextInt(lifecycle.size())));
        }
        try {
          store.append(id, batch);
        } catch (dev.runs.IllegalTransitionException refused) {
          // the state machine refused the batch; the cache must still agree
        }
        RunVerification v = store.verify(id);
        assertThat(v.problems()).as("run %d step %d", run, step).isEmpty();
        assertThat(
                store.list(RunQuery.builder().status(v.foldedStatus()).limit(1000).build()).runs())
            .extracting(e -> e.id())
            .contains(id);
      }
    }
  }

  @Test
  void verify_tamperedCachedStatus_reportsTheDifference() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    update(
        db(), "UPDATE runs SET status = 'completed', last_seq = 5 WHERE id = '" + id.value() + "'");

    RunVerification v = store.verify(id);
    assertThat(v.ok()).isFalse();
    assertThat(v.problems())
        .anySatisfy(
            p -> assertThat(p).contains("cached status completed").contains("fold to running"));
    assertThat(v.problems()).anySatisfy(p -> assertThat(p).contains("cached last sequence 5"));
  }

  /**
   * A damaged row reads as the store's damage, not as the caller's mistake: an unknown cached
   * status made an append throw {@code ValidationException}, and so did a lease whose owner does
   * not validate.
   */
  @Test
  void damagedStatusOrLeaseRow_isCorrupted_notTheCallersError() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    assertThat(store.acquireLease(id, "worker-1", java.time.Duration.ofMinutes(5))).isPresent();
    update(db(), "UPDATE runs SET status = 'runing' WHERE id = '" + id.value() + "'");
    update(db(), "UPDATE leases SET owner = '' WHERE run_id = '" + id.value() + "'");

    assertThatThrownBy(() -> store.append(id, line("x")))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("unknown cached status 'runing'");
    assertThatThrownBy(() -> store.lease(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("table leases (run " + id.value() + ")");
  }

  /**
   * A cached head link that is no hash is refused before an append links a new event to it (the
   * append used to write it, and broke the chain for good).
   */
  @Test
  void damagedHeadLink_refusesTheAppend_logUnchanged() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    update(
        db(), "UPDATE runs SET last_hash = substr(last_hash, 2) WHERE id = '" + id.value() + "'");

    assertThatThrownBy(() -> store.append(id, line("x")))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("hash chain link is not 64 lowercase hex digits (63 characters)");
    assertThat(store.read(id, 0, 10)).hasSize(2);
    RunVerification v = store.verify(id);
    assertThat(v.chain().firstBroken()).isEmpty();
    assertThat(v.problems())
        .singleElement(STRING)
        .startsWith("cached head link " + v.chain().headHash().orElseThrow().substring(1))
        .contains("but the chain ends at " + v.chain().headHash().orElseThrow());
  }

  /**
   * {@code verify} compares the head row with the log's end, where a damaged but well-formed link
   * or time would otherwise pass: the next append links to the row's link and breaks the chain.
   */
  @Test
  void verify_reportsAWrongHeadLinkAndTime() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    assertThat(store.verify(id).problems()).isEmpty();
    String wrong = "ab".repeat(32);
    update(
        db(),
        "UPDATE runs SET last_hash = '"
            + wrong
            + "', updated_at = updated_at + 1000000 WHERE id = '"
            + id.value()
            + "'");

    RunVerification v = store.verify(id);
    String head = v.chain().headHash().orElseThrow();
    Instant last = store.read(id, 0, 10).get(1).time();
    assertThat(v.problems())
        .containsExactly(
            "cached update time " + last.plusSeconds(1) + " but the last event is at " + last,
            "cached head link "
                + wrong
                + " but the chain ends at "
                + head
                + ": the next append would link to the cached one");
  }

  /**
   * An archive sweep checks every event against its hash chain link before anything is uploaded: it
   * used to archive a run with an event changed in the store, verify the copy against the damaged
   * bytes, and replace the local run with a stub.
   */
  @Test
  void damagedEventBody_isNotArchived_theRunStaysLocal() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.append(id, line("the third event"));
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    update(
        db(),
        "UPDATE events SET envelope = replace(envelope, 'third', 'thirD') WHERE run_id = '"
            + id.value()
            + "' AND seq = 3");
    assertThat(store.verify(id).chain().firstBroken()).hasValue(3);
    String refusal =
        "run " + id.value() + ": its stored event 3 does not match its hash chain link";

    Path archiveDir = Files.createDirectory(dir.resolve("archive"));
    try (dev.runs.ArchiveStore archive = dev.runs.ArchiveStores.open("dir:" + archiveDir)) {
      dev.runs.SweepReport report =
          dev.runs.RunArchiver.of(store, archive, dev.runs.RetentionPolicy.keepFor(Duration.ZERO))
              .sweep();
      assertThat(report.archived()).isZero();
      assertThat(report.failures())
          .singleElement()
          .satisfies(f -> assertThat(f.message()).contains(refusal));
    }
    try (Stream<Path> files = Files.walk(archiveDir)) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(store.read(id, 0, 10)).hasSize(4);
    assertThat(store.lease(id)).isEmpty();
  }

  /** A cached last sequence no run can have is the store's damage, for appends and reads alike. */
  @Test
  void lastSequenceBelowOne_isCorrupted() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    update(db(), "UPDATE runs SET last_seq = -1 WHERE id = '" + id.value() + "'");

    assertThatThrownBy(() -> store.append(id, line("x")))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("cached last sequence -1 is below 1");
    assertThatThrownBy(() -> store.entry(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("cached last sequence -1 is below 1");
    assertThat(queryLong(db(), "SELECT count(*) FROM events WHERE run_id = '" + id.value() + "'"))
        .isEqualTo(2);
  }

  /** A cached head behind the log is the store's damage, not a failing disk. */
  @Test
  void headBehindItsLog_refusesTheAppend_asCorrupted() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.append(id, line("a"));
    update(db(), "UPDATE runs SET last_seq = 2 WHERE id = '" + id.value() + "'");

    assertThatThrownBy(() -> store.append(id, line("b")))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("clashed with a stored one")
        .hasMessageContaining("cached head in table runs is behind");
    assertThat(store.read(id, 0, 10)).hasSize(3);
  }

  /** A stage row whose manifest names another stage is the store's damage. */
  @Test
  void stageRowHoldingAnotherStagesManifest_isCorrupted() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.writeStage(
        id, dev.runs.StageWrite.of("fetch").withOutput(dev.runs.Payload.of(Map.of("rows", 1))));
    update(
        db(),
        "UPDATE stages SET manifest_json = replace(manifest_json, '\"stage_key\":\"fetch\"',"
            + " '\"stage_key\":\"fetcx\"')");

    assertThatThrownBy(() -> store.stages(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining(
            "stage fetch attempt 1): the row holds the manifest of stage 'fetcx'");
    assertThatThrownBy(() -> store.readStageFile(id, "fetch", 1, "output.json"))
        .isInstanceOf(StoreCorruptedException.class);
  }

  // ---- reads
  // -------------------------------------------------------------------------------------

  @Test
  void read_acrossPages_isInOrderAndCloseReleasesTheStream() {
    RunStore store = open();
    RunId id = startedRun(store);
    List<EventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < 2 * PagedEventStream.PAGE + 500; i++) {
      drafts.add(line("l" + i));
    }
    for (int i = 0; i < drafts.size(); i += 500) {
      store.append(id, drafts.subList(i, i + 500));
    }
    long expected = 1;
    try (EventStream s = store.read(id, 0)) {
      while (s.hasNext()) {
        assertThat(s.next().sequence()).isEqualTo(expected++);
      }
    }
    assertThat(expected - 1).isEqualTo(2 + drafts.size());
    EventStream partial = store.read(id, PagedEventStream.PAGE - 3);
    assertThat(partial.next().sequence()).isEqualTo(PagedEventStream.PAGE - 2);
    partial.close();
    assertThat(partial.hasNext()).isFalse();
    assertThat(store.read(id, expected - 1)).toIterable().isEmpty();
  }

  @Test
  void read_damagedEnvelope_throwsCorruptedNamingRunAndSequence() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.append(id, line("fine"));
    update(
        db(),
        "UPDATE events SET envelope = '{\"schema\":' WHERE run_id = '"
            + id.value()
            + "' AND seq = 3");

    try (EventStream s = store.read(id, 0)) {
      s.next();
      s.next();
      assertThatThrownBy(s::next)
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining(id.value())
          .hasMessageContaining("sequence 3");
    }
  }

  @Test
  void read_malformedUtf8InAnEnvelope_throwsCorruptedInsteadOfReplacing() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.append(id, line("fine"));
    // write bytes that keep the JSON whole but are not UTF-8 (0xff inside the text), as another
    // program could; getString would have read them as U+FFFD
    update(
        db(),
        "UPDATE events SET envelope = CAST(replace(CAST(envelope AS BLOB), CAST('fine' AS BLOB),"
            + " X'66ff6e65') AS TEXT) WHERE run_id = '"
            + id.value()
            + "' AND seq = 3");

    assertThatThrownBy(
            () -> {
              try (EventStream s = store.read(id, 0)) {
                s.forEachRemaining(e -> {});
              }
            })
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("run " + id.value() + " sequence 3")
        .hasMessageContaining("not well-formed UTF-8")
        .hasMessageContaining("0xff");
  }

  @Test
  void entryAndFind_seeCommitsOfAnotherStoreOnTheSameFile() {
    RunStore a = open();
    RunStore b = open();
    RunId id = startedRun(a);
    assertThat(b.get(id)).isPresent();
    for (int i = 0; i < 5; i++) {
      a.append(id, line("x" + i));
      assertThat(b.entry(id).orElseThrow().lastSequence()).isEqualTo(3 + i);
    }
    a.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    assertThat(b.entry(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThatThrownBy(() -> b.append(id, line("late")))
        .isInstanceOf(dev.runs.IllegalTransitionException.class)
        .hasMessageContaining("completed");
  }

  @Test
  void twoStoresOnOneFile_shareTriggersSequencesAndLeases() {
    RunStore a = open();
    RunStore b = open();
    RunRecord r = record().build();
    assertThat(a.create(r).created()).isTrue();
    assertThat(b.create(RunRecord.builder(r.workflow(), r.config(), r.trigger()).build()).created())
        .isFalse();
    a.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
    assertThat(b.append(r.id(), line("b")).sequence()).isEqualTo(3);
    assertThat(a.append(r.id(), line("a")).sequence()).isEqualTo(4);
    assertThat(a.acquireLease(r.id(), "host-a", Duration.ofMinutes(1))).isPresent();
    assertThat(b.acquireLease(r.id(), "host-b", Duration.ofMinutes(1))).isEmpty();
    assertThat(b.lease(r.id()).orElseThrow().owner()).isEqualTo("host-a");
  }

  // ---- external changes
  // --------------------------------------------------------------------------

  @Test
  void watch_reportsCommitsOfAnotherStoreButNotOwnCommitsTwice() throws Exception {
    RunStore watched = open("sqlite:" + db() + "?poll_ms=10");
    RunStore other = open();
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    watched.watch(seen::add);

    RunId foreign = other.create(record().build()).record().id();
    await(
        () -> seen.stream().anyMatch(c -> c.runId().equals(foreign) && c.created()),
        Duration.ofSeconds(10),
        "the creation by another store");
    other.append(foreign, List.of(EventDraft.of(EventTypes.RUN_STARTED), line("1"), line("2")));
    await(
        () ->
            seen.stream()
                .anyMatch(
                    c ->
                        c.runId().equals(foreign)
                            && c.lastSequence() == 4
                            && c.status() == RunStatus.RUNNING
                            && !c.created()),
        Duration.ofSeconds(10),
        "the append by another store");

    RunId own = startedRun(watched);
    watched.append(own, line("mine"));
    await(
        () -> seen.stream().filter(c -> c.runId().equals(own)).count() >= 3,
        Duration.ofSeconds(10),
        "the core's notices of our own commits");
    // a commit by the other store after ours: once the watcher reports it, it has passed our
    // commits
    RunId marker = other.create(record().build()).record().id();
    await(
        () -> seen.stream().anyMatch(c -> c.runId().equals(marker)),
        Duration.ofSeconds(10),
        "the marker");
    assertThat(seen.stream().filter(c -> c.runId().equals(own)))
        .extracting(RunChange::lastSequence)
        .containsExactly(1L, 2L, 3L);
  }

  // ---- locks
  // -------------------------------------------------------------------------------------

  @Test
  void append_whileAnotherConnectionHoldsTheWriteLock_waitsThenCommits() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    CompletableFuture<RunEvent> pending;
    try (Connection holder = raw(db());
        Statement s = holder.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      pending = store.appendAsync(id, line("waits"));
      Thread.sleep(300); // the other writer's long transaction
      assertThat(pending).isNotDone();
      s.execute("COMMIT");
    }
    assertThat(pending.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(3);
  }

  @Test
  void append_lockHeldPastBusyTimeout_failsWithTimeoutNamedAndWritesNothing() throws Exception {
    RunStore store = open("sqlite:" + db() + "?busy_timeout_ms=100");
    RunId id = startedRun(store);
    try (Connection holder = raw(db());
        Statement s = holder.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      CompletableFuture<RunEvent> pending = store.appendAsync(id, line("refused"));
      assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("busy_timeout_ms=100");
      s.execute("ROLLBACK");
    }
    assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(2);
    assertThat(store.append(id, line("later")).sequence()).isEqualTo(3);
    assertThat(store.verify(id).ok()).isTrue();
  }

  // ---- stages
  // ------------------------------------------------------------------------------------

  @Test
  void readStageFile_tamperedContent_isDetectedBySha256() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.writeStage(
        id,
        StageWrite.of("fetch")
            .withArtifact(
                StageArtifact.of("a.txt", "text", "hello".getBytes(StandardCharsets.UTF_8)))
            .withArtifact(
                StageArtifact.of("b.txt", "text", "world".getBytes(StandardCharsets.UTF_8))));
    update(
        db(),
        "UPDATE stage_files SET content = CAST('jello' AS BLOB) WHERE path = 'artifacts/a.txt'");
    update(
        db(),
        "UPDATE stage_files SET content = CAST('worlds' AS BLOB) WHERE path = 'artifacts/b.txt'");

    assertThatThrownBy(() -> store.readArtifact(id, "fetch", 1, "a.txt"))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("sha256")
        .hasMessageContaining("artifacts/a.txt");
    assertThatThrownBy(() -> store.readArtifact(id, "fetch", 1, "b.txt"))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("6 bytes");
    StageVerification v = store.verifyStage(id, "fetch", 1);
    assertThat(v.problems())
        .extracting(StageVerification.Problem::kind)
        .containsExactlyInAnyOrder(
            StageVerification.Kind.HASH_MISMATCH, StageVerification.Kind.SIZE_MISMATCH);
  }

  // ---- lifecycle
  // ---------------------------------------------------------------------------------

  @Test
  void close_closesEveryConnection() throws Exception {
    // watchers of stores other tests of this JVM left open are not this store's
    Set<Thread> others = watchThreads();
    RunStore store = open("sqlite:" + db() + "?poll_ms=10");
    RunId id = startedRun(store);
    store.watch(c -> {});
    assertThat(watchThreads())
        .as("the watcher this store started")
        .hasSizeGreaterThan(others.size());
    store.subscribe(id, 0).subscribe(new dev.runs.testkit.CollectingSubscriber(Long.MAX_VALUE));
    try (EventStream s = store.read(id, 0)) {
      s.next();
    }
    assertThat(dir.resolve("runs.db-wal")).exists();
    store.close();
    // SQLite removes the WAL when the last connection to the file closes
    assertThat(dir.resolve("runs.db-wal")).doesNotExist();
    assertThat(watchThreads()).isSubsetOf(others);
  }

  private static Set<Thread> watchThreads() {
    Set<Thread> threads = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("runs-sqlite-watch-") && t.isAlive()) {
        threads.add(t);
      }
    }
    return threads;
  }

  // ---- bad paths
  // ---------------------------------------------------------------------------------

  @Test
  void open_fileThatIsNotADatabase_isRefusedAndLeftUnchanged() throws Exception {
    byte[] garbage = new byte[8192];
    new Random(1).nextBytes(garbage);
    System.arraycopy("not a database\n".getBytes(StandardCharsets.US_ASCII), 0, garbage, 0, 15);
    Files.write(db(), garbage);
    Map<String, byte[]> before = snapshot(dir);

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("is not a SQLite database")
        .hasMessageContaining(db().toString());

    assertSameFiles(before, snapshot(dir));
  }

  @Test
  void open_sqliteDatabaseOfAnotherApplication_isRefusedAndLeftUnchanged() throws Exception {
    update(db(), "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
    Map<String, byte[]> before = snapshot(dir);

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("another application")
        .hasMessageContaining("customers");

    assertSameFiles(before, snapshot(dir));
  }

  @Test
  void open_newerSchemaVersion_isRefusedNamingBothVersionsAndLeftUnchanged() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.close();
    update(
        db(),
        "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')");
    Map<String, byte[]> before = snapshot(dir);

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("schema version 99")
        .hasMessageContaining("up to " + Schema.RUNS.latest())
        .hasMessageContaining("nothing was modified");

    assertSameFiles(before, snapshot(dir));
    assertThat(queryLong(db(), "SELECT count(*) FROM events WHERE run_id = '" + id.value() + "'"))
        .isEqualTo(2);
  }

  /** A schema version no database has (damage) is refused as such; it threw ClassCastException. */
  @ParameterizedTest
  @ValueSource(longs = {0, -2, -3_599_999_997L})
  void open_schemaVersionNoDatabaseHas_isCorruptedAndLeftUnchanged(long version) throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.close();
    update(db(), "DELETE FROM schema_version WHERE version > 1");
    update(db(), "UPDATE schema_version SET version = " + version);
    Map<String, byte[]> before = snapshot(dir);

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("schema_version table holds version " + version)
        .hasMessageContaining("nothing was modified");

    assertSameFiles(before, snapshot(dir));
    assertThat(queryLong(db(), "SELECT count(*) FROM events WHERE run_id = '" + id.value() + "'"))
        .isEqualTo(2);
  }

  /**
   * A version row lowered on a database that has the later versions' columns is damage, not an old
   * database to migrate: the migration ran again and failed as a disk error ("duplicate column
   * name").
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void open_schemaVersionBelowWhatTheDatabaseHas_isCorruptedAndLeftUnchanged(int version)
      throws Exception {
    RunStore store = open();
    RunId id = startedRun(store);
    store.close();
    update(db(), "DELETE FROM schema_version WHERE version > " + version);
    Map<String, byte[]> before = snapshot(dir);

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("schema_version table holds version " + version)
        .hasMessageContaining("already has what version " + (version + 1) + " adds")
        .hasMessageContaining("nothing was modified");

    assertSameFiles(before, snapshot(dir));
    assertThat(queryLong(db(), "SELECT max(version) FROM schema_version")).isEqualTo(version);
    assertThat(queryLong(db(), "SELECT count(*) FROM events WHERE run_id = '" + id.value() + "'"))
        .isEqualTo(2);
  }

  @Test
  void open_missingDirectory_isRefusedAndNotCreated() {
    Path missing = dir.resolve("no/such/dir/runs.db");

    assertThatThrownBy(() -> open("sqlite:" + missing))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("directory " + missing.getParent() + " does not exist");

    assertThat(dir.resolve("no")).doesNotExist();
  }

  @Test
  void open_pathUnderARegularFile_isRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("plain.txt"), "text");

    assertThatThrownBy(() -> open("sqlite:" + file.resolve("runs.db")))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining(file + " is a file, not a directory");
    assertThatThrownBy(() -> open("sqlite:" + file.resolve("sub/runs.db")))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining(file + " is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("text");
  }

  @Test
  void open_directoryAsDatabasePath_isRefused() {
    assertThatThrownBy(() -> open("sqlite:" + dir))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("is a directory, not a database file");
  }

  /**
   * A directory this process cannot create files in. A {@code chmod 555} directory is enough for
   * ordinary users; root ignores permission bits (the probe below then succeeds), so for root the
   * test uses {@code /proc}, where the kernel refuses to create files for anyone.
   */
  private Path readOnlyDirectory() throws IOException {
    Path ro = Files.createDirectory(dir.resolve("read-only"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    Path probe = ro.resolve("probe");
    try {
      Files.createFile(probe);
    } catch (IOException refused) {
      return ro; // permissions are enforced for this user
    }
    Files.delete(probe);
    Path proc = Path.of("/proc");
    try {
      Files.createFile(proc.resolve("runs-probe"));
      throw new AssertionError(
          "neither a chmod 555 directory nor /proc refuses new files for this user;"
              + " this test cannot build a read-only directory here");
    } catch (IOException refused) {
      return proc;
    }
  }

  @Test
  void open_readOnlyDirectory_isRefusedSayingSo() throws Exception {
    Path ro = readOnlyDirectory();
    Path target = ro.resolve("runs-" + System.nanoTime() + ".db");
    try {
      assertThatThrownBy(() -> open("sqlite:" + target))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("directory " + ro)
          .hasMessageContaining("read-only");

      assertThat(target).doesNotExist();
    } finally {
      if (ro.startsWith(dir)) {
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  @Test
  void open_existingDatabaseInReadOnlyDirectory_isRefusedSayingSo() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    RunStore store = open("sqlite:" + sub.resolve("runs.db"));
    startedRun(store);
    store.close();
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      Path probe = sub.resolve("probe");
      boolean enforced;
      try {
        Files.createFile(probe);
        Files.delete(probe);
        enforced = false;
      } catch (IOException refused) {
        enforced = true;
      }
      if (enforced) {
        Map<String, byte[]> before = snapshot(sub);
        assertThatThrownBy(() -> open("sqlite:" + sub.resolve("runs.db")))
            .isInstanceOf(StoreConfigurationException.class)
            .hasMessageContaining("directory " + sub + " is read-only")
            .hasMessageContaining("runs.db-wal");
        assertSameFiles(before, snapshot(sub));
      } else {
        // root writes regardless of permission bits: for this process the directory is writable,
        // so the store must open and work
        RunStore again = open("sqlite:" + sub.resolve("runs.db"));
        assertThat(again.list(RunQuery.all()).runs()).hasSize(1);
      }
    } finally {
      Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }
}
