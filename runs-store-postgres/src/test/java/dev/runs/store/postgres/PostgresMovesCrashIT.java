package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.TestImportedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An instance killed (SIGKILL) in the middle of moving a run leaves it whole or gone, never half:
 * killed halfway through an import's COPY, nothing of the run is there and a retry succeeds; killed
 * while its delete or archiving has removed part of the run's rows (it is held on a row lock the
 * test takes, so "halfway" is certain), the run is whole. The child's sessions are found by their
 * application name.
 */
@ExtendWith(RequiresPostgres.class)
@Timeout(180)
final class PostgresMovesCrashIT {
  @TempDir Path dir;
  private final String schema = PgTestDatabase.newSchemaName("movecrash");
  private final String app = "runs-crash-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void migrate() throws SQLException {
    try (Connection c = PgTestDatabase.connect()) {
      PgSchema.migrate(c, schema, "test");
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    PgTestDatabase.dropSchema(schema);
  }

  private <T extends AutoCloseable> T track(T t) {
    open.add(t);
    return t;
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

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 60 s waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The child's sessions doing {@code like}, in a transaction, and waiting on a lock if asked. */
  private boolean childSession(String like, boolean waitingOnLock) {
    return !query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = ? AND query LIKE ?"
                + " AND xact_start IS NOT NULL"
                + (waitingOnLock ? " AND wait_event_type = 'Lock'" : ""),
            app,
            like)
        .isEmpty();
  }

  private void awaitChildSessionsGone() {
    await(
        "the killed child's sessions to end",
        () -> query("SELECT pid FROM pg_stat_activity WHERE application_name = ?", app).isEmpty());
  }

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

  @Test
  void childKilledHalfwayThroughAnImport_leavesNothing_andARetrySucceeds() throws Exception {
    RunId id = RunId.of("crash/imported");
    String trig = "crash-" + UUID.randomUUID();
    ChildJvm child =
        track(
            MoveChildProcess.start(
                "importer",
                PgTestDatabase.uri(schema, "application_name=" + app),
                dir,
                "import",
                id.value(),
                trig,
                "20000",
                "15000"));
    child.awaitLine("READY"::equals, Duration.ofSeconds(60));
    child.send("GO");
    child.awaitLine("MIDWAY"::equals, Duration.ofMinutes(2));
    assertThat(childSession("COPY %", false)).as("the child's COPY is open").isTrue();

    child.kill();
    awaitChildSessionsGone();

    RunStore s = track(RunStores.open(PgTestDatabase.uri(schema)));
    assertThat(s.get(id)).isEmpty();
    assertThat(s.findByTrigger(trig)).isEmpty();
    assertThat(rowsOf(id)).containsOnly(0);

    PgConfig config = PgConfig.parse(StoreLocation.parse(PgTestDatabase.uri(schema)));
    PostgresEngine engine =
        track(new PostgresEngine(new PgPool(config), schema, config.describe(), m -> m, 0, 1));
    engine.importRun(TestImportedRun.generated(id, trig, 20_000));
    assertThat(s.entry(id).orElseThrow().lastSequence()).isEqualTo(20_000);
    assertThat(s.findByTrigger(trig)).isPresent();
    assertThat(s.verify(id).ok()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"delete", "stub"})
  void childKilledHalfwayThroughADeleteOrArchiving_leavesTheRunWhole(String mode) throws Exception {
    RunStore s = track(RunStores.open(PgTestDatabase.uri(schema)));
    RunId id =
        s.create(
                RunRecord.builder(
                        WorkflowRef.of("w", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "crash-" + UUID.randomUUID()))
                    .build())
            .record()
            .id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    for (int i = 0; i < 200; i++) {
      s.append(
          id,
          EventDraft.of(
                  EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "l")))
              .withIdempotencyKey("k-" + i));
    }
    s.writeStage(
        id,
        StageWrite.of("plan")
            .withOutput(Payload.of(Map.of("a", 1)))
            .withArtifact(
                StageArtifact.of("notes.md", "text", "notes".getBytes(StandardCharsets.UTF_8))));
    assertThat(s.acquireLease(id, "host", Duration.ofMinutes(5))).isPresent();
    RunEntry entry = s.entry(id).orElseThrow();
    List<RunEvent> events = s.read(id, 0, 1000);
    List<StageManifest> stages = s.stages(id);
    List<Integer> rows = rowsOf(id);
    assertThat(rows).containsExactly(1, 202, 1, 2, 1);

    ChildJvm child =
        track(
            MoveChildProcess.start(
                mode,
                PgTestDatabase.uri(schema, "application_name=" + app),
                dir,
                mode,
                id.value(),
                Long.toString(entry.lastSequence())));
    child.awaitLine("READY"::equals, Duration.ofSeconds(60));
    try (Connection blocker = PgTestDatabase.connect()) {
      // the lease's row is removed after the stage files, stages and events: hold it
      blocker.setAutoCommit(false);
      try (PreparedStatement ps =
          blocker.prepareStatement(
              "SELECT 1 FROM " + PgSchema.quote(schema) + ".leases WHERE run_id = ? FOR UPDATE")) {
        ps.setString(1, id.value());
        ps.executeQuery().close();
      }
      child.send("GO");
      await(
          "the child to have removed events and wait for the lease row",
          () -> childSession("DELETE FROM %leases%", true));
      assertThat(rowsOf(id)).as("nothing committed yet").isEqualTo(rows);

      child.kill();
      blocker.rollback();
    }
    awaitChildSessionsGone();

    assertThat(rowsOf(id)).isEqualTo(rows);
    assertThat(s.entry(id)).contains(entry);
    assertThat(s.read(id, 0, 1000)).isEqualTo(events);
    assertThat(s.stages(id)).isEqualTo(stages);
    assertThat(s.readArtifact(id, "plan", 1, "notes.md"))
        .isEqualTo("notes".getBytes(StandardCharsets.UTF_8));
    assertThat(s.lease(id)).isPresent();
    assertThat(query("SELECT stub FROM $s.runs WHERE id = ?", id.value()))
        .containsExactly((String) null);
    assertThat(s.verify(id).ok()).isTrue();
    assertThat(s.append(id, EventDraft.of(EventTypes.RUN_COMPLETED)).sequence())
        .isEqualTo(entry.lastSequence() + 1);
  }
}
