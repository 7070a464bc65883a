package dev.runs.store.sqlite;

import dev.runs.StoreConfigurationException;
import dev.runs.StoreCorruptedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The database schema and its forward migrations. The installed version is the highest row of the
 * {@code schema_version} table; on open, every newer migration runs in one {@code BEGIN IMMEDIATE}
 * transaction, so a database is at one version or the next, never in between, and two processes
 * opening a new database at once migrate it once. A database of a newer version, or a SQLite
 * database of another application, is refused before anything is written.
 */
final class Schema {
  /**
   * One forward step.
   *
   * @param version the version this migration produces
   * @param description what it does, stored in {@code schema_version}
   * @param statements the DDL/DML, run in order
   */
  record Migration(int version, String description, List<String> statements) {
    Migration {
      Objects.requireNonNull(description, "description");
      statements = List.copyOf(statements);
    }
  }

  private static final List<String> V1 =
      List.of(
          """
          CREATE TABLE schema_version (
            version INTEGER NOT NULL PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TEXT NOT NULL
          )\
          """,
          // one row per run: the immutable record, its list columns, and the cached head of its log
          // (last_seq/status/updated_at always equal the fold of its events: both change in one
          // transaction). change_seq orders commits for the external-change watcher.
          """
          CREATE TABLE runs (
            id TEXT NOT NULL PRIMARY KEY,
            namespace TEXT NOT NULL,
            thread_key TEXT,
            trigger_id TEXT NOT NULL UNIQUE,
            recommendation_id TEXT,
            created_at INTEGER NOT NULL,
            record_json TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            created_change INTEGER NOT NULL,
            change_seq INTEGER NOT NULL
          )\
          """,
          "CREATE INDEX runs_by_created ON runs (created_at, id)",
          "CREATE INDEX runs_by_namespace ON runs (namespace, created_at, id)",
          "CREATE INDEX runs_by_thread ON runs (thread_key, created_at, id) WHERE thread_key IS NOT"
              + " NULL",
          "CREATE INDEX runs_by_status ON runs (status, created_at, id)",
          "CREATE INDEX runs_by_recommendation ON runs (recommendation_id, created_at, id)"
              + " WHERE recommendation_id IS NOT NULL",
          "CREATE INDEX runs_by_change ON runs (change_seq)",
          // the log: clustered by run and sequence, so reading a run is one range scan
          """
          CREATE TABLE events (
            run_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            idem_key TEXT,
            envelope TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
          ) WITHOUT ROWID\
          """,
          "CREATE UNIQUE INDEX events_by_idem_key ON events (run_id, idem_key) WHERE idem_key IS"
              + " NOT NULL",
          """
          CREATE TABLE leases (
            run_id TEXT NOT NULL PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at INTEGER NOT NULL
          )\
          """,
          "CREATE INDEX leases_by_expiry ON leases (expires_at, run_id)",
          """
          CREATE TABLE documents (
            collection TEXT NOT NULL,
            id TEXT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (collection, id)
          ) WITHOUT ROWID\
          """,
          """
          CREATE TABLE stages (
            run_id TEXT NOT NULL,
            stage_key TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            position INTEGER NOT NULL,
            status TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            manifest_json TEXT NOT NULL,
            PRIMARY KEY (run_id, stage_key, attempt)
          )\
          """,
          """
          CREATE TABLE stage_files (
            run_id TEXT NOT NULL,
            stage_key TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (run_id, stage_key, attempt, path)
          )\
          """);

  /**
   * Version 2: the head keeps the last event's hash chain link, so the next commit links to it
   * without reading the log. Runs written before have none (their events carry no hash); their next
   * event starts a chain from {@code HashChain.UNCHAINED}.
   */
  private static final List<String> V2 = List.of("ALTER TABLE runs ADD COLUMN last_hash TEXT");

  /**
   * Version 3: runs that move. {@code runs.stub} holds the archive stub of a run whose events and
   * stages were moved to an archive (NULL for a whole run, so every run written before is whole).
   * {@code change_floor} remembers the highest change number a deleted run had, so change numbers
   * keep growing after the run holding the highest one is deleted and the external-change watchers
   * of other processes, which look for numbers above the last they saw, miss no commit.
   */
  private static final List<String> V3 =
      List.of(
          "ALTER TABLE runs ADD COLUMN stub TEXT",
          """
          CREATE TABLE change_floor (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            change_seq INTEGER NOT NULL
          )\
          """,
          "INSERT INTO change_floor (id, change_seq) VALUES (1, 0)");

  /**
   * Version 4: each run's labels in a table of their own, indexed by key and value in listing
   * order, so that a listing by label walks that index from its cursor and stops after a page.
   * Triggers on {@code runs} keep the table equal to the records' labels in every write transaction
   * (creation, import, deletion, and any change of a record), and the runs written before are
   * copied in. A record that is not JSON (damage, which reading the run reports) has no labels
   * here, so it cannot keep the database from opening or a hand repair from being written.
   */
  private static final List<String> V4 =
      List.of(
          """
          CREATE TABLE run_labels (
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (run_id, key)
          ) WITHOUT ROWID\
          """,
          "CREATE INDEX run_labels_by_value ON run_labels (key, value, created_at, run_id)",
          """
          CREATE TRIGGER runs_labels_insert AFTER INSERT ON runs
          WHEN json_valid(NEW.record_json) BEGIN
            INSERT INTO run_labels (run_id, key, value, created_at)
              SELECT NEW.id, j.key, j.value, NEW.created_at
              FROM json_each(NEW.record_json, '$.labels') AS j;
          END\
          """,
          """
          CREATE TRIGGER runs_labels_update AFTER UPDATE OF id, record_json, created_at ON runs
          BEGIN
            DELETE FROM run_labels WHERE run_id = OLD.id;
            INSERT INTO run_labels (run_id, key, value, created_at)
              SELECT NEW.id, j.key, j.value, NEW.created_at
              FROM json_each(
                  CASE WHEN json_valid(NEW.record_json) THEN NEW.record_json ELSE '{}' END,
                  '$.labels') AS j;
          END\
          """,
          """
          CREATE TRIGGER runs_labels_delete AFTER DELETE ON runs BEGIN
            DELETE FROM run_labels WHERE run_id = OLD.id;
          END\
          """,
          """
          INSERT INTO run_labels (run_id, key, value, created_at)
            SELECT r.id, j.key, j.value, r.created_at
            FROM runs AS r, json_each(
                CASE WHEN json_valid(r.record_json) THEN r.record_json ELSE '{}' END,
                '$.labels') AS j\
          """);

  /**
   * A run's workflow name as the index of version 5 holds it and as listings must ask for it, text
   * for text, for SQLite to use that index: null for a record that is not JSON.
   */
  static final String WORKFLOW_NAME =
      "(CASE WHEN json_valid(record_json) THEN json_extract(record_json, '$.workflow.name') END)";

  /**
   * Version 5: runs indexed by workflow name in listing order, an index on an expression of the
   * record, so a listing by workflow walks it from its cursor and stops after a page. SQLite keeps
   * it in every write; creating it reads every record once.
   */
  private static final List<String> V5 =
      List.of("CREATE INDEX runs_by_workflow ON runs (" + WORKFLOW_NAME + ", created_at, id)");

  /** The schema this version of the store writes. */
  static final Schema RUNS =
      new Schema(
          List.of(
              new Migration(1, "initial schema", V1),
              new Migration(2, "runs.last_hash: the head's hash chain link", V2),
              new Migration(3, "runs.stub and change_floor: archive stubs and deletion", V3),
              new Migration(4, "run_labels: listing by label", V4),
              new Migration(5, "runs_by_workflow: listing by workflow", V5)));

  private final List<Migration> migrations;

  /**
   * @param migrations versions 1, 2, 3... in order
   */
  Schema(List<Migration> migrations) {
    for (int i = 0; i < migrations.size(); i++) {
      if (migrations.get(i).version() != i + 1) {
        throw new IllegalArgumentException("migration " + i + " must produce version " + (i + 1));
      }
    }
    this.migrations = List.copyOf(migrations);
  }

  /**
   * @return the version this schema migrates to
   */
  int latest() {
    return migrations.size();
  }

  /**
   * Reads the installed version without writing.
   *
   * @param c a connection
   * @param where the redacted URI, for messages
   * @return 0 for an empty database
   * @throws StoreConfigurationException for a database of another application or a newer version
   * @throws SQLException when reading fails
   */
  int installedVersion(Connection c, String where) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                    + " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    if (tables.isEmpty()) {
      return 0;
    }
    if (!tables.contains("schema_version")) {
      throw new StoreConfigurationException(
          "sqlite store '"
              + where
              + "': the file is a SQLite"
              + " database of another application (tables "
              + abbreviate(tables)
              + ", no schema_version"
              + " table); it was left unchanged - point the URI at a new file or a Runs database");
    }
    long version;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
      rs.next();
      version = rs.getLong(1);
      if (rs.wasNull()) {
        throw new StoreConfigurationException(
            "sqlite store '"
                + where
                + "': the schema_version"
                + " table is empty, so the schema version is unknown; it was left unchanged");
      }
    }
    if (version > latest()) {
      throw new StoreConfigurationException(
          "sqlite store '"
              + where
              + "': the database has schema"
              + " version "
              + version
              + ", written by a newer version of Runs; this version supports"
              + " schema versions up to "
              + latest()
              + ". Upgrade runs-store-sqlite to open it;"
              + " nothing was modified");
    }
    if (version < 1) {
      throw new StoreCorruptedException(
          "sqlite store '"
              + where
              + "': the schema_version table holds version "
              + version
              + ", which no Runs database has (versions start at 1); the table was damaged, and"
              + " nothing was modified");
    }
    return (int) version;
  }

  /**
   * Brings the database to {@link #latest()} in one write transaction.
   *
   * @param c the write connection (autocommit mode)
   * @param where the redacted URI, for messages
   * @return the version found before migrating
   * @throws SQLException when a statement fails; the transaction is rolled back
   * @throws StoreCorruptedException when a migration finds its column or table there already (the
   *     version rows were changed); rolled back too
   */
  int migrate(Connection c, String where) throws SQLException {
    if (installedVersion(c, where) == latest()) {
      return latest();
    }
    Sql.execute(c, "BEGIN IMMEDIATE");
    boolean committed = false;
    try {
      int from = installedVersion(c, where); // again, under the write lock
      for (Migration m : migrations.subList(from, migrations.size())) {
        try (Statement s = c.createStatement()) {
          for (String sql : m.statements()) {
            try {
              s.execute(sql);
            } catch (SQLException e) {
              if (alreadyApplied(e)) {
                throw damagedVersion(e, m, from, where);
              }
              throw e;
            }
          }
        }
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
          p.setInt(1, m.version());
          p.setString(2, m.description());
          p.setString(3, Instant.now().toString());
          p.executeUpdate();
        }
      }
      Sql.execute(c, "COMMIT");
      committed = true;
      return from;
    } finally {
      if (!committed) {
        try {
          Sql.execute(c, "ROLLBACK");
        } catch (SQLException ignored) {
          // the transaction may already be gone; the original failure is what matters
        }
      }
    }
  }

  /**
   * @return whether a migration statement failed because its column or table exists already
   */
  private static boolean alreadyApplied(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains("duplicate column name") || message.contains("already exists");
  }

  /**
   * A migration that finds its own work done: migrations commit together with their version row, so
   * the schema holding what a later version adds means the version rows were changed afterwards.
   */
  private static StoreCorruptedException damagedVersion(
      SQLException e, Migration m, int from, String where) {
    return new StoreCorruptedException(
        "sqlite store '"
            + where
            + "': the schema_version table holds version "
            + from
            + ", but the database already has what version "
            + m.version()
            + " adds ("
            + m.description()
            + "); the table was damaged, and nothing was modified",
        e);
  }

  private static String abbreviate(List<String> tables) {
    return tables.size() <= 5
        ? tables.toString()
        : tables.subList(0, 5) + " and " + (tables.size() - 5) + " more";
  }
}
