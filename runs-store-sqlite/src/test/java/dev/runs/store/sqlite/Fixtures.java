package dev.runs.store.sqlite;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Records, drafts and raw database access shared by the SQLite tests and their child processes. */
final class Fixtures {
  private Fixtures() {}

  static RunRecord.Builder record() {
    return record(WorkflowRef.of("sqlite-test", "1"));
  }

  /** A record of a workflow with a unique trigger. */
  static RunRecord.Builder record(WorkflowRef workflow) {
    return RunRecord.builder(
        workflow,
        ConfigSnapshot.builder().model("acme", "m-1").build(),
        Trigger.of(TriggerSource.TEST, "sqlite-" + UUID.randomUUID(), "test"));
  }

  /** A record with a chosen id and trigger id, for runs two processes must agree on. */
  static RunRecord record(RunId id, String triggerId) {
    return RunRecord.builder(
            WorkflowRef.of("sqlite-test", "1"),
            ConfigSnapshot.builder().model("acme", "m-1").build(),
            Trigger.of(TriggerSource.TEST, triggerId, "test"))
        .id(id)
        .createdAt(Instant.parse("2026-01-02T03:04:05.123456Z"))
        .build();
  }

  static EventDraft line(String text) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", text)));
  }

  /**
   * @return a plain connection to the file, outside the store
   */
  static Connection raw(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  static long queryLong(Path db, String sql) throws SQLException {
    try (Connection c = raw(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void update(Path db, String sql) throws SQLException {
    try (Connection c = raw(db);
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  /** Makes a database a version 4 one, as the release before workflows were indexed wrote it. */
  static void downgradeToVersion4(Path db) throws SQLException {
    update(db, "DROP INDEX runs_by_workflow");
    update(db, "DELETE FROM schema_version WHERE version > 4");
  }

  /** Makes a database a version 3 one, as the release before labels were indexed wrote it. */
  static void downgradeToVersion3(Path db) throws SQLException {
    downgradeToVersion4(db);
    update(db, "DROP TRIGGER runs_labels_insert");
    update(db, "DROP TRIGGER runs_labels_update");
    update(db, "DROP TRIGGER runs_labels_delete");
    update(db, "DROP TABLE run_labels");
    update(db, "DELETE FROM schema_version WHERE version > 3");
  }
}
