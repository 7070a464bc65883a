package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunChange;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.RunVerification;
import dev.runs.StoreConfigurationException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.CollectingSubscriber;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
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
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What is particular to PostgreSQL: schema creation and migration, concurrent first opens, refusal
 * of newer schemas and foreign tables, credentials in messages, index use of the listing queries,
 * notifications between instances and the poll that backs them up, the pool, and the {@link
 * javax.sql.DataSource} form. Each test works in its own schema.
 */
@ExtendWith(RequiresPostgres.class)
@Timeout(120)
final class PostgresRunStoreTest {
  private final List<String> schemas = new ArrayList<>();
  private final List<RunStore> stores = new ArrayList<>();
  private String schema;

  @BeforeEach
  void newSchema() {
    schema = schema("unit");
  }

  @AfterEach
  void cleanUp() {
    for (RunStore s : stores) {
      s.close();
    }
    for (String s : schemas) {
      PgTestDatabase.dropSchema(s);
    }
  }

  private String schema(String purpose) {
    String s = PgTestDatabase.newSchemaName(purpose);
    schemas.add(s);
    return s;
  }

  private RunStore open(String uri) {
    RunStore s = RunStores.open(uri);
    stores.add(s);
    return s;
  }

  private static RunRecord record(String namespace) {
    return RunRecord.builder(
            WorkflowRef.of("w", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()))
        .namespace(namespace)
        .build();
  }

  private static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static List<String> query(String sql, Object... params) throws SQLException {
    try (Connection c = PgTestDatabase.connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
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
    }
  }

  private static void execute(String sql, Object... params) throws SQLException {
    try (Connection c = PgTestDatabase.connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      ps.execute();
    }
  }

  private List<String> tables(String s) throws SQLException {
    return query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", s);
  }

  // ---- schema and migration
  // ----------------------------------------------------------------------

  @Test
  void open_freshSchema_createsTablesAtCurrentVersion() throws Exception {
    assertThat(query("SELECT 1 FROM pg_namespace WHERE nspname = ?", schema)).isEmpty();

    open(PgTestDatabase.uri(schema));

    assertThat(tables(schema)).containsExactlyInAnyOrderElementsOf(PgSchema.TABLES);
    assertThat(
            query(
                "SELECT version || ':' || description FROM \""
                    + schema
                    + "\".schema_version ORDER BY version"))
        .containsExactly(
            "1:runs, events, stages, leases, documents",
            "2:runs.last_hash: the head's hash chain link",
            "3:runs.stub: archive stubs of archived runs",
            "4:run_labels: listing by label",
            "5:runs_workflow_idx: listing by workflow");
  }

  private static RunRecord labelled(String namespace, Map<String, String> labels) {
    RunRecord.Builder b =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()))
            .namespace(namespace);
    labels.forEach(b::label);
    return b.build();
  }

  @Test
  void open_versionThreeSchema_copiesTheLabelsOfEveryRun() throws Exception {
    RunStore before = open(PgTestDatabase.uri(schema));
    RunId tagged =
        before.create(labelled("v3", Map.of("customer", "c-42", "team", "x"))).record().id();
    RunId other = before.create(labelled("v3", Map.of("team", "x"))).record().id();
    before.create(record("v3"));
    before.close();
    String q = "\"" + schema + "\"";
    downgradeToVersion4(q);
    // what version 3 had: no run_labels, no trigger
    execute("DROP TRIGGER runs_labels_sync ON " + q + ".runs");
    execute("DROP FUNCTION " + q + ".runs_labels_sync()");
    execute("DROP FUNCTION " + q + ".run_labels_of(text)");
    execute("DROP TABLE " + q + ".run_labels");
    execute("DELETE FROM " + q + ".schema_version WHERE version > 3");
    // a record damaged meanwhile has no labels, and does not keep the schema from migrating
    execute(
        "INSERT INTO "
            + q
            + ".runs (id, namespace, trigger_id, created_at, record, last_seq, status, updated_at)"
            + " VALUES ('v3/damaged', 'v3', 'damaged-trigger', now(), '{not json', 1, 'created',"
            + " now())");

    RunStore after = open(PgTestDatabase.uri(schema));
    assertThat(query("SELECT count(*) FROM " + q + ".run_labels")).containsExactly("3");
    assertThat(after.list(RunQuery.builder().label("customer", "c-42").build()).runs())
        .extracting(dev.runs.RunEntry::id)
        .containsExactly(tagged);
    assertThat(after.list(RunQuery.builder().label("team", "x").build()).runs())
        .extracting(dev.runs.RunEntry::id)
        .containsExactly(other, tagged);
    // the trigger follows deletion
    after.append(tagged, EventDraft.of(EventTypes.RUN_STARTED));
    after.append(tagged, EventDraft.of(EventTypes.RUN_COMPLETED));
    after.delete(tagged, "test");
    assertThat(query("SELECT count(*) FROM " + q + ".run_labels")).containsExactly("1");
  }

  /** What version 4 had: no workflow index, no function for it. */
  private void downgradeToVersion4(String q) throws SQLException {
    execute("DROP INDEX " + q + ".runs_workflow_idx");
    execute("DROP FUNCTION " + q + ".run_workflow_part(text, text)");
    execute("DELETE FROM " + q + ".schema_version WHERE version > 4");
  }

  private static RunRecord ofWorkflow(String name, String version) {
    return RunRecord.builder(
            WorkflowRef.of(name, version),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()))
        .namespace("v4")
        .build();
  }

  @Test
  void open_versionFourSchema_indexesTheWorkflowOfEveryRun_pastARecordThatIsNotJson()
      throws Exception {
    RunStore before = open(PgTestDatabase.uri(schema));
    RunId etl1 = before.create(ofWorkflow("etl", "1")).record().id();
    RunId etl2 = before.create(ofWorkflow("etl", "2")).record().id();
    before.create(ofWorkflow("report", "1"));
    RunId damaged = before.create(ofWorkflow("etl", "1")).record().id();
    before.close();
    String q = "\"" + schema + "\"";
    downgradeToVersion4(q);
    String whole = query("SELECT record FROM " + q + ".runs WHERE id = ?", damaged.value()).get(0);
    execute("UPDATE " + q + ".runs SET record = '{not json' WHERE id = ?", damaged.value());

    RunStore after = open(PgTestDatabase.uri(schema));

    assertThat(query("SELECT max(version) FROM " + q + ".schema_version"))
        .containsExactly(String.valueOf(PgSchema.CURRENT_VERSION));
    assertThat(after.list(RunQuery.builder().workflow("etl").build()).runs())
        .extracting(dev.runs.RunEntry::id)
        .containsExactly(etl2, etl1);
    assertThat(after.list(RunQuery.builder().workflow("etl", "1").build()).runs())
        .extracting(dev.runs.RunEntry::id)
        .containsExactly(etl1);
    // a hand repair of a record is written, and the index follows it
    execute("UPDATE " + q + ".runs SET record = ? WHERE id = ?", whole, damaged.value());
    assertThat(after.list(RunQuery.builder().workflow("etl", "1").build()).runs())
        .extracting(dev.runs.RunEntry::id)
        .containsExactly(damaged, etl1);
  }

  @Test
  void open_reopen_keepsDataAndVersion() throws Exception {
    RunStore first = open(PgTestDatabase.uri(schema));
    RunId id = first.create(record("keep")).record().id();
    first.close();

    RunStore second = open(PgTestDatabase.uri(schema));

    assertThat(second.get(id)).isPresent();
    assertThat(query("SELECT count(*) FROM \"" + schema + "\".schema_version"))
        .containsExactly(String.valueOf(PgSchema.CURRENT_VERSION));
  }

  @Test
  void open_concurrentlyOnFreshSchema_allSucceed() throws Exception {
    int n = 4;
    CyclicBarrier barrier = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<RunStore>> opened = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        opened.add(
            pool.submit(
                () -> {
                  barrier.await(30, TimeUnit.SECONDS);
                  return RunStores.open(PgTestDatabase.uri(schema));
                }));
      }
      for (Future<RunStore> f : opened) {
        stores.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(query("SELECT count(*) FROM \"" + schema + "\".schema_version"))
        .containsExactly(String.valueOf(PgSchema.CURRENT_VERSION));
    RunId id = stores.get(0).create(record("race")).record().id();
    assertThat(stores.get(3).get(id)).isPresent();
  }

  @Test
  void open_newerSchemaVersion_refusedNamingBothVersions_nothingModified() throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    RunId id = s.create(record("old")).record().id();
    s.close();
    stores.remove(s);
    execute(
        "INSERT INTO \""
            + schema
            + "\".schema_version (version, description) VALUES (99, 'future')");
    byte[] before = PgTestDatabase.dump(schema);

    assertThatThrownBy(() -> open(PgTestDatabase.uri(schema)))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("version 99")
        .hasMessageContaining("version " + PgSchema.CURRENT_VERSION)
        .hasMessageContaining(schema)
        .hasMessageContaining("upgrade");

    assertThat(PgTestDatabase.dump(schema)).isEqualTo(before);
    assertThat(tables(schema)).containsExactlyInAnyOrderElementsOf(PgSchema.TABLES);
    assertThat(query("SELECT id FROM \"" + schema + "\".runs")).containsExactly(id.value());
  }

  /** A schema version no schema has (damage) is refused as such, and nothing is created. */
  @Test
  void open_schemaVersionNoSchemaHas_isCorrupted_nothingModified() throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    RunId id = s.create(record("damaged")).record().id();
    s.close();
    String q = "\"" + schema + "\"";
    execute("UPDATE " + q + ".schema_version SET version = version - 10");

    assertThatThrownBy(() -> open(PgTestDatabase.uri(schema)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining(
            "schema_version table holds version " + (PgSchema.CURRENT_VERSION - 10))
        .hasMessageContaining("nothing was modified");
    execute("DELETE FROM " + q + ".schema_version");
    assertThatThrownBy(() -> open(PgTestDatabase.uri(schema)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("schema_version table holds no version");
    assertThat(query("SELECT id FROM " + q + ".runs")).containsExactly(id.value());
  }

  /**
   * Version rows lowered on a schema that has the later versions' columns are damage, not an old
   * schema to migrate: the migration ran again and failed as a server error ("already exists").
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void open_schemaVersionBelowWhatTheSchemaHas_isCorrupted_nothingModified(int version)
      throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    RunId id = s.create(record("damaged")).record().id();
    s.close();
    execute("DELETE FROM \"" + schema + "\".schema_version WHERE version > " + version);
    byte[] before = PgTestDatabase.dump(schema);

    assertThatThrownBy(() -> open(PgTestDatabase.uri(schema)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("schema_version table holds version " + version)
        .hasMessageContaining("already has what version " + (version + 1) + " adds")
        .hasMessageContaining("nothing was modified");

    assertThat(PgTestDatabase.dump(schema)).isEqualTo(before);
    assertThat(query("SELECT id FROM \"" + schema + "\".runs")).containsExactly(id.value());
  }

  @Test
  void open_schemaHoldingForeignTables_refused_nothingCreated() throws Exception {
    execute("CREATE SCHEMA \"" + schema + "\"");
    execute("CREATE TABLE \"" + schema + "\".runs (x int)");
    execute("CREATE TABLE \"" + schema + "\".documents (y int)");

    assertThatThrownBy(() -> open(PgTestDatabase.uri(schema)))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("[documents, runs]")
        .hasMessageContaining("not a runs store")
        .hasMessageContaining("?schema=");

    assertThat(tables(schema)).containsExactly("documents", "runs");
  }

  @Test
  void open_unknownDatabase_isConfigurationError() {
    String uri = PgTestDatabase.URL.replaceFirst("/[^/?]+(\\?|$)", "/no_such_db_runs$1");
    assertThatThrownBy(() -> open(uri + (uri.contains("?") ? "&" : "?") + "schema=" + schema))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no_such_db_runs")
        .hasMessageContaining("3D000")
        .hasMessageContaining("create the database");
  }

  // ---- credentials
  // -------------------------------------------------------------------------------

  private static String withPassword(String uri, String password) {
    // postgres://user@host... -> postgres://user:password@host...
    return uri.replaceFirst(
        "^(postgres(?:ql)?://)([^:@/]+)(?::[^@/]*)?@", "$1$2:" + password + "@");
  }

  private static void assertChainOmits(Throwable t, String secret) {
    for (Throwable x = t; x != null; x = x.getCause()) {
      assertThat(String.valueOf(x.getMessage())).as(x.getClass().getName()).doesNotContain(secret);
      assertThat(x.toString()).doesNotContain(secret);
    }
  }

  @Test
  void open_unreachableServer_messageOmitsPassword() {
    String secret = "pw-" + UUID.randomUUID();
    String uri =
        "postgres://alice:" + secret + "@127.0.0.1:1/test?connect_timeout_s=2&schema=" + schema;

    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> open(uri));

    assertThat(t)
        .isInstanceOf(StoreIoException.class)
        .hasMessageContaining("postgres://alice:***@127.0.0.1:1/test")
        .hasMessageContaining("reachable");
    assertChainOmits(t, secret);
  }

  @Test
  void storeWithPassword_locationAndFailuresOmitIt() throws Exception {
    assumeUserInfo();
    String secret = "pw-" + UUID.randomUUID();
    RunStore s = open(withPassword(PgTestDatabase.uri(schema), secret));
    RunId id = s.create(record("cred")).record().id();
    assertThat(s.location()).contains("***").doesNotContain(secret);
    assertThat(s.toString()).doesNotContain(secret);

    PgTestDatabase.dropSchema(schema);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> s.append(id, line(1)));

    assertThat(t).isInstanceOf(StoreIoException.class).hasMessageContaining("***");
    assertChainOmits(t, secret);
  }

  /** The password test needs a URI with a user-info part (the default has one). */
  private static void assumeUserInfo() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        PgTestDatabase.URL.matches("^postgres(ql)?://[^/@]+@.*"),
        "RUNS_PG_URL has no user name to add a password to");
  }

  // ---- listing uses indexes
  // ----------------------------------------------------------------------

  @Test
  void listQueries_useTheirIndexes() throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    s.create(record("seed"));
    String q = "\"" + schema + "\"";
    // 20,000 runs: 50 namespaces, 1,000 threads, 40 workflows of 3 versions, statuses mostly
    // completed, a few recommendations
    execute(
        "INSERT INTO "
            + q
            + ".runs (id, namespace, thread_key, trigger_id, recommendation_id, created_at, record,"
            + " last_seq, status, updated_at) SELECT 'ns' || (i % 50) || '/r' || i, 'ns' || (i %"
            + " 50), 'th-' || (i % 1000), 'trig-' || i, CASE WHEN i % 500 = 0 THEN 'rec-' || (i %"
            + " 7) END, timestamptz '2026-01-01' + i * interval '1 second',"
            + " '{\"workflow\": {\"name\": \"wf-' || (i % 40) || '\", \"version\": \"' || (i % 3)"
            + " || '\"}}', 1, CASE WHEN i %"
            + " 100 = 0 THEN 'running' WHEN i % 100 = 1 THEN 'failed' ELSE 'completed' END, now()"
            + " FROM generate_series(1, 20000) AS i");
    execute(
        "INSERT INTO "
            + q
            + ".leases (run_id, owner, expires_at)"
            + " SELECT id, 'host', created_at + interval '1 hour' FROM "
            + q
            + ".runs");
    execute(
        "INSERT INTO "
            + q
            + ".events (run_id, seq, type, time, idem_key, body)"
            + " SELECT id, 1, 'run.created', created_at, 'k-' || id, '{}' FROM "
            + q
            + ".runs"
            + " WHERE id LIKE 'ns%'");
    // one of 20 team labels on every run
    execute(
        "INSERT INTO "
            + q
            + ".run_labels (run_id, key, value, created_at) SELECT id, 'team', 'team-' ||"
            + " (abs(hashtext(id)) % 20), created_at FROM "
            + q
            + ".runs");
    execute("ANALYZE " + q + ".runs");
    execute("ANALYZE " + q + ".run_labels");
    execute("ANALYZE " + q + ".leases");
    execute("ANALYZE " + q + ".events");

    PostgresEngine engine =
        new PostgresEngine(new PgPool(PgTestDatabase.config()), schema, "test", m -> m, 0, 1);
    Instant t = Instant.parse("2026-01-01T03:00:00Z");
    RunQuery.Cursor cursor =
        new RunQuery.Cursor(Instant.parse("2026-01-01T04:00:00Z"), RunId.of("ns1/r99"));
    String cursorText = cursor.encode();
    Map<String, RunQuery> shapes = new java.util.LinkedHashMap<>();
    shapes.put("runs_created_idx", RunQuery.builder().limit(50).build());
    shapes.put("runs_created_idx ", RunQuery.builder().cursor(cursorText).build());
    shapes.put("runs_namespace_idx", RunQuery.builder().namespace("ns7").build());
    shapes.put(
        "runs_namespace_idx ", RunQuery.builder().namespace("ns7").cursor(cursorText).build());
    shapes.put("runs_thread_idx", RunQuery.builder().threadKey("th-42").build());
    shapes.put("runs_status_idx", RunQuery.builder().status(RunStatus.RUNNING).build());
    shapes.put(
        "runs_status_idx ", RunQuery.builder().status(RunStatus.RUNNING, RunStatus.FAILED).build());
    shapes.put("runs_recommendation_idx", RunQuery.builder().recommendationId("rec-3").build());
    shapes.put(
        "runs_created_idx  ",
        RunQuery.builder().createdFrom(t).createdBefore(t.plusSeconds(600)).build());
    shapes.put("run_labels_value_idx", RunQuery.builder().label("team", "team-3").build());
    shapes.put(
        "run_labels_value_idx ",
        RunQuery.builder().label("team", "team-3").cursor(cursorText).build());
    shapes.put(
        "run_labels_value_idx  ",
        RunQuery.builder().label("team", "team-3").label("tier", "gold").build());
    shapes.put("runs_workflow_idx", RunQuery.builder().workflow("wf-7").build());
    shapes.put(
        "runs_workflow_idx ", RunQuery.builder().workflow("wf-7", "1").cursor(cursorText).build());
    try (Connection c = PgTestDatabase.connect()) {
      for (Map.Entry<String, RunQuery> e : shapes.entrySet()) {
        PgRunIndex.ListQuery lq = engine.runs.listQuery(e.getValue());
        String plan = explain(c, lq.sql(), ps -> lq.bind(c, ps));
        assertThat(plan)
            .as("plan of %s for %s", lq.sql(), e.getValue())
            .contains(e.getKey().trim())
            .doesNotContain("Seq Scan");
      }
      String leases =
          explain(
              c,
              "SELECT run_id, owner, expires_at FROM "
                  + q
                  + ".leases"
                  + " WHERE expires_at <= ? ORDER BY expires_at, run_id LIMIT ?",
              ps -> {
                ps.setObject(1, java.time.OffsetDateTime.parse("2026-01-01T02:00:00Z"));
                ps.setInt(2, 100);
              });
      assertThat(leases).contains("leases_expires_idx").doesNotContain("Seq Scan");
      String keys =
          explain(
              c,
              "SELECT e.run_id, e.idem_key, e.body FROM "
                  + q
                  + ".events e JOIN unnest(?::text[], ?::text[]) AS k(run_id, idem_key) ON e.run_id"
                  + " = k.run_id AND e.idem_key = k.idem_key WHERE e.idem_key IS NOT NULL",
              ps -> {
                ps.setArray(1, c.createArrayOf("text", new String[] {"ns1/r1", "ns2/r2"}));
                ps.setArray(2, c.createArrayOf("text", new String[] {"k-ns1/r1", "k-ns2/r2"}));
              });
      assertThat(keys).contains("events_idem_key_idx").doesNotContain("Seq Scan");
    }
    engine.close();
  }

  /** Binds parameters. */
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private static String explain(Connection c, String sql, Binder binder) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
      binder.bind(ps);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  // ---- instances and notifications
  // ---------------------------------------------------------------

  @Test
  void twoInstances_watcherSeesOtherInstancesChangesOnce_andNotItsOwnTwice() {
    RunStore a = open(PgTestDatabase.uri(schema, "poll_ms=0"));
    RunStore b = open(PgTestDatabase.uri(schema, "poll_ms=0"));
    ConcurrentLinkedQueue<RunChange> seenByA = new ConcurrentLinkedQueue<>();
    a.watch(seenByA::add);
    RunId ownRun = a.create(record("own")).record().id();
    a.append(ownRun, EventDraft.of(EventTypes.RUN_STARTED));

    RunId otherRun = b.create(record("other")).record().id();
    b.append(otherRun, List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1)));

    await(
        "A to see B's append",
        Duration.ofSeconds(30),
        () -> seenByA.stream().anyMatch(c -> c.runId().equals(otherRun) && c.lastSequence() == 3));
    assertThat(seenByA)
        .filteredOn(c -> c.runId().equals(otherRun))
        .extracting(RunChange::lastSequence, RunChange::status, RunChange::created)
        .containsSubsequence(
            org.assertj.core.groups.Tuple.tuple(1L, RunStatus.CREATED, true),
            org.assertj.core.groups.Tuple.tuple(3L, RunStatus.RUNNING, false));
    // notices arrive in commit order: A's own notices came before B's, and were not reported
    assertThat(seenByA)
        .filteredOn(c -> c.runId().equals(ownRun))
        .extracting(RunChange::lastSequence)
        .containsExactly(1L, 2L);
  }

  @Test
  void twoInstances_subscriberFollowsOtherInstancesAppends() throws Exception {
    RunStore a = open(PgTestDatabase.uri(schema));
    RunStore b = open(PgTestDatabase.uri(schema));
    RunId id = a.create(record("tail")).record().id();
    a.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    b.subscribe(
            id, 0, dev.runs.SubscribeOptions.defaults().withPollInterval(Duration.ofMinutes(10)))
        .subscribe(sub);
    sub.awaitCount(2, Duration.ofSeconds(30));
    for (int i = 0; i < 50; i++) {
      a.append(id, line(i));
    }
    a.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));

    sub.awaitDone(Duration.ofSeconds(30));
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= 53; s++) {
      expected.add(s);
    }
    assertThat(sub.sequences()).containsExactlyElementsOf(expected);
    assertThat(sub.error()).isNull();
  }

  @Test
  void lostNotice_isFoundByThePoll() throws Exception {
    RunStore a = open(PgTestDatabase.uri(schema, "poll_ms=50"));
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    a.watch(seen::add);
    RunId id = a.create(record("lost")).record().id();
    a.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    // another writer commits event 3 the proper way but its notice never arrives
    String q = "\"" + schema + "\"";
    try (Connection c = PgTestDatabase.connect()) {
      c.setAutoCommit(false);
      RunEvent e3 = a.read(id, 0, 10).get(1);
      String body =
          dev.runs.EventCodec.encode(
              new RunEvent(
                  e3.schema(),
                  dev.runs.EventId.random(),
                  id,
                  3,
                  EventTypes.CONSOLE_LINE,
                  e3.time(),
                  java.util.Optional.empty(),
                  java.util.OptionalInt.empty(),
                  java.util.Optional.empty(),
                  "test",
                  java.util.Optional.empty(),
                  Payload.of(Map.of("stream", "stdout", "text", "sneaky")),
                  Map.of()));
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM " + q + ".runs WHERE id = ? FOR UPDATE")) {
        ps.setString(1, id.value());
        ps.executeQuery().close();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + q
                  + ".events (run_id, seq, type,"
                  + " time, body) VALUES (?, 3, 'console.line', now(), ?)")) {
        ps.setString(1, id.value());
        ps.setString(2, body);
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE " + q + ".runs SET last_seq = 3 WHERE id = ?")) {
        ps.setString(1, id.value());
        ps.executeUpdate();
      }
      c.commit();
    }

    await(
        "the poll to report sequence 3",
        Duration.ofSeconds(30),
        () -> seen.stream().anyMatch(c -> c.runId().equals(id) && c.lastSequence() == 3));
    assertThat(a.read(id, 2, 10))
        .extracting(e -> e.payload().text("text").orElseThrow())
        .containsExactly("sneaky");
  }

  @Test
  void twoInstances_concurrentAppendsToSameRuns_stayGapless() throws Exception {
    RunStore a = open(PgTestDatabase.uri(schema));
    RunStore b = open(PgTestDatabase.uri(schema));
    List<RunId> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RunId id = a.create(record("gap")).record().id();
      a.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      runs.add(id);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        RunStore s = t % 2 == 0 ? a : b;
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 100; i++) {
                    s.append(
                        runs.get(i % runs.size()),
                        line(thread * 1000 + i).withIdempotencyKey("k-" + (i % 37)));
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (RunId id : runs) {
      List<RunEvent> events = a.read(id, 0, 10_000);
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).sequence()).isEqualTo(i + 1);
      }
      // 37 keys spread over 5 runs: each key stored once per run it was used in
      assertThat(
              events.stream()
                  .filter(e -> e.idempotencyKey().isPresent())
                  .map(e -> e.idempotencyKey().get())
                  .distinct()
                  .count())
          .isEqualTo(events.stream().filter(e -> e.idempotencyKey().isPresent()).count());
      assertThat(a.verify(id).ok()).isTrue();
    }
  }

  /**
   * A damaged row reads as the store's damage, not as the caller's mistake: a cached status that is
   * no status made an append throw {@code ValidationException}, and so did a lease whose owner does
   * not validate.
   */
  @Test
  void damagedStatusOrLeaseRow_isCorrupted_notTheCallersError() throws Exception {
    RunStore writer = open(PgTestDatabase.uri(schema));
    RunId id = writer.create(record("damaged")).record().id();
    writer.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    assertThat(writer.acquireLease(id, "worker-1", Duration.ofMinutes(5))).isPresent();
    String q = "\"" + schema + "\"";
    execute("UPDATE " + q + ".runs SET status = 'runing' WHERE id = '" + id.value() + "'");
    execute("UPDATE " + q + ".leases SET owner = '' WHERE run_id = '" + id.value() + "'");

    // a second instance has no head of the run in memory: it reads the damaged row
    RunStore reader = open(PgTestDatabase.uri(schema));
    assertThatThrownBy(() -> reader.append(id, line(1)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("stored status 'runing' is no status");
    assertThatThrownBy(() -> reader.entry(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("'runing'");
    assertThatThrownBy(() -> reader.lease(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("table leases (run " + id.value() + ")");
    assertThat(query("SELECT count(*) FROM " + q + ".events WHERE run_id = ?", id.value()))
        .containsExactly("2");
  }

  /**
   * A cached head link that is no hash is refused before an append links a new event to it (the
   * append used to write it, and broke the chain for good).
   */
  @Test
  void damagedHeadLink_refusesTheAppend_logUnchanged() throws Exception {
    RunStore writer = open(PgTestDatabase.uri(schema));
    RunId id = writer.create(record("damaged")).record().id();
    writer.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    execute(
        "UPDATE \""
            + schema
            + "\".runs SET last_hash = substr(last_hash, 2) WHERE id = '"
            + id.value()
            + "'");

    RunStore reader = open(PgTestDatabase.uri(schema)); // holds no head of the run in memory
    assertThatThrownBy(() -> reader.append(id, line(1)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("hash chain link is not 64 lowercase hex digits (63 characters)");
    assertThat(reader.read(id, 0, 10)).hasSize(2);
    RunVerification v = reader.verify(id);
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
    RunStore writer = open(PgTestDatabase.uri(schema));
    RunId id = writer.create(record("damaged")).record().id();
    writer.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    assertThat(writer.verify(id).problems()).isEmpty();
    String wrong = "ab".repeat(32);
    execute(
        "UPDATE \""
            + schema
            + "\".runs SET last_hash = '"
            + wrong
            + "', updated_at = updated_at + interval '1 second' WHERE id = '"
            + id.value()
            + "'");

    RunVerification v = writer.verify(id);
    String head = v.chain().headHash().orElseThrow();
    Instant last = writer.read(id, 0, 10).get(1).time();
    assertThat(v.problems())
        .containsExactly(
            "cached update time " + last.plusSeconds(1) + " but the last event is at " + last,
            "cached head link "
                + wrong
                + " but the chain ends at "
                + head
                + ": the next append would link to the cached one");
  }

  /** A cached head behind the log is the store's damage, not a failing disk or server. */
  @Test
  void headBehindItsLog_refusesTheAppend_asCorrupted() throws Exception {
    RunStore writer = open(PgTestDatabase.uri(schema));
    RunId id = writer.create(record("damaged")).record().id();
    writer.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    writer.append(id, line(1));
    execute("UPDATE \"" + schema + "\".runs SET last_seq = 2 WHERE id = '" + id.value() + "'");

    RunStore reader = open(PgTestDatabase.uri(schema)); // holds no head of the run in memory
    assertThatThrownBy(() -> reader.append(id, line(2)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("clashed with a stored event")
        .hasMessageContaining("cached head in table runs is behind");
    assertThat(reader.read(id, 0, 10)).hasSize(3);
  }

  /**
   * A read never hands out a log with a hole or a foreign event: an event row moved to another run
   * (or sequence), or an envelope naming another run or sequence than its row, read as silently
   * shorter logs and foreign events before.
   */
  @Test
  void damagedEventRows_areCorrupted_notAShorterLog() throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    RunId id = s.create(record("damaged")).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    for (int i = 0; i < 5; i++) {
      s.append(id, line(i));
    }
    List<RunEvent> events = s.read(id, 0, 100);
    String eventsTable = "\"" + schema + "\".events";
    String where = " WHERE run_id = '" + id.value() + "' AND seq = ";

    execute("UPDATE " + eventsTable + " SET run_id = run_id || 'x'" + where + "4");
    assertThat(s.read(id, 0, 3)).isEqualTo(events.subList(0, 3));
    assertThatThrownBy(() -> s.read(id, 0, 100))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("run " + id + " has event 5 after 3 (a gap)");
    assertThatThrownBy(() -> s.read(id, 3, 1))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("has event 5 after 3");
    execute(
        "UPDATE "
            + eventsTable
            + " SET run_id = '"
            + id.value()
            + "'"
            + " WHERE run_id = '"
            + id.value()
            + "x'");

    execute(
        "UPDATE "
            + eventsTable
            + " SET body = replace(body, '\"sequence\":5', '\"sequence\":6')"
            + where
            + "5");
    assertThatThrownBy(() -> s.read(id, 0, 100))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("event 5: the stored envelope says run " + id + " sequence 6");
    execute(
        "UPDATE "
            + eventsTable
            + " SET body = replace(body, '\"sequence\":6', '\"sequence\":5')"
            + where
            + "5");

    RunId other = s.create(record("damaged")).record().id();
    execute(
        "UPDATE "
            + eventsTable
            + " SET body = replace(body, '"
            + id.value()
            + "', '"
            + other.value()
            + "')"
            + where
            + "6");
    assertThatThrownBy(() -> s.read(id, 5, 10))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("the stored envelope says run " + other);
  }

  /** A stage manifest naming another run is the store's damage, not that run's stage. */
  @Test
  void stageManifestOfAnotherRun_isCorrupted() throws Exception {
    RunStore s = open(PgTestDatabase.uri(schema));
    RunId id = s.create(record("damaged")).record().id();
    RunId other = s.create(record("damaged")).record().id();
    s.writeStage(id, dev.runs.StageWrite.of("fetch").withOutput(Payload.of(Map.of("rows", 1))));
    execute(
        "UPDATE \""
            + schema
            + "\".stages SET manifest = replace(manifest, '"
            + id.value()
            + "', '"
            + other.value()
            + "')");

    assertThatThrownBy(() -> s.stages(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("the manifest of stage 'fetch' attempt 1 of run " + id)
        .hasMessageContaining("says run " + other);

    // a manifest filed under another stage than it names
    execute(
        "UPDATE \""
            + schema
            + "\".stages SET manifest = replace(replace(manifest, '"
            + other.value()
            + "', '"
            + id.value()
            + "'), '\"stage_key\":\"fetch\"', '\"stage_key\":\"fetcx\"')");
    assertThatThrownBy(() -> s.stages(id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("filed as stage 'fetch' attempt 1")
        .hasMessageContaining("holds the manifest of stage 'fetcx' attempt 1");
    assertThatThrownBy(() -> s.readStageFile(id, "fetch", 1, "output.json"))
        .isInstanceOf(StoreCorruptedException.class);
  }

  @Test
  void headMovedByAnotherInstance_isNeverTrusted() {
    // A writes a run last and so knows its head; B moves it on; A's next appends must be decided
    // on the head as it is, not as A last wrote it
    RunStore b = open(PgTestDatabase.uri(schema, "poll_ms=0"));
    PostgresEngine engineA = engine();
    engineA.heads.contendedNanos =
        0; // try the fast path every time, so each stale head is caught there
    RunStore a =
        dev.runs.spi.RunStoreFactory.create(
            engineA, StoreLocation.parse(PgTestDatabase.uri(schema)));
    stores.add(a);
    RunId id = a.create(record("stale")).record().id();
    a.append(id, EventDraft.of(EventTypes.RUN_STARTED));

    b.append(id, line(1));
    assertThat(a.append(id, List.of(line(2)), dev.runs.ExpectedSequence.of(3)).get(0).sequence())
        .isEqualTo(4);

    a.append(
        id, EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"x\"}}")));
    b.append(id, List.of(EventDraft.of(EventTypes.RUN_RESUMED), line(3)));
    assertThat(a.append(id, line(4)).sequence()).isEqualTo(8);

    RunEvent keyed =
        b.append(
            id,
            EventDraft.of(EventTypes.CHECKPOINT_SAVED, Payload.of(Map.of("checkpoint_id", "c1")))
                .withIdempotencyKey("once"));
    assertThat(
            a.append(
                id,
                EventDraft.of(
                        EventTypes.CHECKPOINT_SAVED, Payload.of(Map.of("checkpoint_id", "c1")))
                    .withIdempotencyKey("once")))
        .isEqualTo(keyed);

    b.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    assertThatThrownBy(() -> a.append(id, line(5)))
        .isInstanceOf(dev.runs.IllegalTransitionException.class)
        .hasMessageContaining("completed");
    assertThat(a.read(id, 0, 100))
        .extracting(RunEvent::sequence)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(a.verify(id).ok()).isTrue();
    assertThat(engineA.appends.fellBack.get())
        .as("appends that found the head moved")
        .isGreaterThanOrEqualTo(4);
  }

  /** An engine on the test schema (created by a store opened before), wrapped by the test. */
  private PostgresEngine engine() {
    PgConfig config = PgConfig.parse(StoreLocation.parse(PgTestDatabase.uri(schema)));
    return new PostgresEngine(new PgPool(config), schema, config.describe(), config::scrub, 0, 1);
  }

  @Test
  void appendsToARunThisInstanceOwns_takeTheFastPath() {
    open(PgTestDatabase.uri(schema)).close();
    PostgresEngine engine = engine();
    RunStore s =
        dev.runs.spi.RunStoreFactory.create(
            engine, StoreLocation.parse(PgTestDatabase.uri(schema)));
    stores.add(s);
    RunId id = s.create(record("fast")).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    for (int i = 0; i < 20; i++) {
      s.append(id, line(i).withIdempotencyKey("k-" + i));
    }
    assertThat(s.append(id, line(99).withIdempotencyKey("k-3")).sequence()).isEqualTo(6);

    assertThat(engine.appends.fastBatches.get()).isEqualTo(21);
    assertThat(engine.appends.fellBack.get()).as("the repeated key").isEqualTo(1);
    assertThat(engine.appends.lockedBatches.get()).isEqualTo(1);
    assertThat(s.read(id, 0, 100)).hasSize(22);
    assertThat(s.verify(id).ok()).isTrue();
  }

  // ---- the pool and the DataSource form
  // ----------------------------------------------------------

  @Test
  void pool_exhausted_timesOutShowingItsState() throws Exception {
    PgConfig config =
        PgConfig.parse(
            StoreLocation.parse(PgTestDatabase.uri(schema, "pool_size=1", "pool_timeout_ms=200")));
    PgPool pool = new PgPool(config);
    Connection held = pool.acquire();
    try {
      long start = System.nanoTime();
      assertThatThrownBy(pool::acquire)
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("within 200 ms")
          .hasMessageContaining("1 of 1 in use, 0 idle, 1 waiting")
          .hasMessageContaining("pool_size");
      assertThat(System.nanoTime() - start)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
    } finally {
      pool.release(held, false);
      pool.close();
    }
  }

  @Test
  void pool_terminatedConnection_isReplacedOnValidation() throws Exception {
    PgPool pool = new PgPool(PgTestDatabase.config(), 0);
    try {
      Connection c = pool.acquire();
      int pid = c.unwrap(org.postgresql.PGConnection.class).getBackendPID();
      pool.release(c, false);
      assertThat(query("SELECT pg_terminate_backend(?)", pid)).containsExactly("t");
      await(
          "the backend to go",
          Duration.ofSeconds(30),
          () -> {
            try {
              return query("SELECT 1 FROM pg_stat_activity WHERE pid = ?", pid).isEmpty();
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          });

      Connection again = pool.acquire();
      try (Statement st = again.createStatement();
          ResultSet rs = st.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
      assertThat(again.unwrap(org.postgresql.PGConnection.class).getBackendPID()).isNotEqualTo(pid);
      assertThat(pool.isOwnBackend(pid)).isFalse();
      pool.release(again, false);
    } finally {
      pool.close();
    }
  }

  @Test
  void dataSource_roundTrip_andClosingGivesEverySessionBack() throws Exception {
    PgConfig config = PgTestDatabase.config();
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(config.jdbcUrl);
    if (config.properties.getProperty("user") != null) {
      ds.setUser(config.properties.getProperty("user"));
    }
    if (config.properties.getProperty("password") != null) {
      ds.setPassword(config.properties.getProperty("password"));
    }
    String app = "runs-ds-" + UUID.randomUUID().toString().substring(0, 8);
    ds.setApplicationName(app);

    RunStore s = PostgresRunStoreProvider.open(ds, schema, RunStoreOptions.defaults());
    try {
      assertThat(s.location()).isEqualTo("postgres:datasource?schema=" + schema);
      RunId id = s.create(record("ds")).record().id();
      s.append(id, List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1)));
      assertThat(s.read(id, 0, 10)).hasSize(3);
      await("the LISTEN session", Duration.ofSeconds(30), () -> sessions(app) == 1);
    } finally {
      s.close();
    }
    await("every session to be given back", Duration.ofSeconds(30), () -> sessions(app) == 0);
    assertThatThrownBy(
            () -> PostgresRunStoreProvider.open(ds, "Bad Schema", RunStoreOptions.defaults()))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("schema=Bad Schema");
  }

  @Test
  void dataSourceHandingOutRepeatableRead_transactionsStillRunReadCommitted() throws Exception {
    PgConfig config = PgTestDatabase.config();
    PGSimpleDataSource real = new PGSimpleDataSource();
    real.setURL(config.jdbcUrl);
    if (config.properties.getProperty("user") != null) {
      real.setUser(config.properties.getProperty("user"));
    }
    if (config.properties.getProperty("password") != null) {
      real.setPassword(config.properties.getProperty("password"));
    }
    real.setOptions("-c default_transaction_isolation=repeatable\\ read");
    List<Integer> levelsAtBegin = java.util.Collections.synchronizedList(new ArrayList<>());
    javax.sql.DataSource ds =
        (javax.sql.DataSource)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class},
                (p, m, args) -> {
                  Object r = invoke(m, real, args);
                  return m.getName().equals("getConnection")
                      ? recording((Connection) r, levelsAtBegin)
                      : r;
                });
    try (Connection c = real.getConnection()) {
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
    }
    RunStore b = open(PgTestDatabase.uri(schema, "poll_ms=0"));
    RunStore a = PostgresRunStoreProvider.open(ds, schema, RunStoreOptions.defaults());
    stores.add(a);
    RunId id = a.create(record("rr")).record().id();
    a.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    RunEvent first = b.append(id, line(1).withIdempotencyKey("k"));

    assertThat(a.append(id, line(2).withIdempotencyKey("k"))).isEqualTo(first);
    assertThat(levelsAtBegin).isNotEmpty().containsOnly(Connection.TRANSACTION_READ_COMMITTED);
  }

  private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** A connection that records its isolation level whenever a transaction begins. */
  private static Connection recording(Connection real, List<Integer> levels) {
    return (Connection)
        java.lang.reflect.Proxy.newProxyInstance(
            PostgresRunStoreTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (p, m, args) -> {
              if (m.getName().equals("setAutoCommit") && Boolean.FALSE.equals(args[0])) {
                levels.add(real.getTransactionIsolation());
              }
              return invoke(m, real, args);
            });
  }

  private static int sessions(String applicationName) {
    try {
      return Integer.parseInt(
          query("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", applicationName)
              .get(0));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void postgresqlScheme_opensTheSameStore() {
    RunStore a = open(PgTestDatabase.uri(schema));
    RunId id = a.create(record("alias")).record().id();
    String alias = PgTestDatabase.uri(schema).replaceFirst("^postgres:", "postgresql:");
    org.junit.jupiter.api.Assumptions.assumeTrue(alias.startsWith("postgresql:"));

    RunStore b = open(alias);

    assertThat(b.get(id)).isPresent();
    assertThat(b.location()).startsWith("postgresql:");
  }
}
