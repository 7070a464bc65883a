package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.testkit.ChildJvm;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of 1,000,000 events (about 300 MB of envelope text) imports in a child JVM whose heap is 48
 * MB: the engine streams the events into the COPY as it reads them and keeps none.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresLargeImportIT {
  private static final long EVENTS = 1_000_000;

  @TempDir Path dir;
  private final String schema = PgTestDatabase.newSchemaName("large");

  @AfterEach
  void cleanUp() {
    PgTestDatabase.dropSchema(schema);
  }

  @Test
  @Timeout(900)
  void millionEventRun_importsInA48MegabyteHeap() throws Exception {
    try (Connection c = PgTestDatabase.connect()) {
      PgSchema.migrate(c, schema, "test");
    }
    RunId id = RunId.of("large/r1");
    String trig = "large-" + UUID.randomUUID();
    try (ChildJvm child =
        MoveChildProcess.startWithHeap(
            "large-importer",
            PgTestDatabase.uri(schema),
            dir,
            "-Xmx48m",
            "import",
            id.value(),
            trig,
            Long.toString(EVENTS),
            "0")) {
      child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      child.send("GO");
      child.awaitLine("DONE"::equals, Duration.ofMinutes(14));
      child.awaitSuccess(Duration.ofSeconds(60));
    }
    try (Connection c = PgTestDatabase.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*), min(seq), max(seq) FROM "
                    + PgSchema.quote(schema)
                    + ".events WHERE run_id = ?")) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
            .containsExactly(EVENTS, 1L, EVENTS);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    try (RunStore s = RunStores.open(PgTestDatabase.uri(schema))) {
      assertThat(s.entry(id).orElseThrow().lastSequence()).isEqualTo(EVENTS);
      assertThat(s.findByTrigger(trig)).isPresent();
      List<RunEvent> tail = s.read(id, EVENTS - 3, 10);
      assertThat(tail)
          .extracting(RunEvent::sequence)
          .containsExactly(EVENTS - 2, EVENTS - 1, EVENTS);
      // the stored head links to the last event
      try (Connection c = PgTestDatabase.connect();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT last_hash FROM " + PgSchema.quote(schema) + ".runs WHERE id = ?")) {
        ps.setString(1, id.value());
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo(tail.get(2).hash().orElseThrow());
        }
      }
    }
  }
}
