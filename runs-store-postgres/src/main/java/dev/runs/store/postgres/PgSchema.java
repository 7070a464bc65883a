package dev.runs.store.postgres;

import dev.runs.StoreConfigurationException;
import dev.runs.StoreCorruptedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables in their own PostgreSQL schema, created and migrated on open. The version
 * lives in {@code <schema>.schema_version}. Migration runs in one transaction under a
 * transaction-scoped advisory lock keyed by the schema name, so instances opening a fresh database
 * at the same moment take turns: the first creates everything, the others find the current version
 * and go on. A database written by a newer version is refused before anything is touched.
 */
final class PgSchema {
  private static final Logger log = LoggerFactory.getLogger(PgSchema.class);

  /** The version this code writes and reads. */
  static final int CURRENT_VERSION = 5;

  /** Tables of the current version, for the "schema holds foreign tables" check. */
  static final List<String> TABLES =
      List.of(
          "schema_version",
          "runs",
          "events",
          "stages",
          "stage_files",
          "leases",
          "documents",
          "run_labels");

  private PgSchema() {}

  /**
   * The statements that bring a schema from version {@code n - 1} to {@code n}, by {@code n}.
   * {@code %s} is the quoted schema name.
   */
  private static List<String> migration(int version) {
    if (version == 1) {
      return List.of(
          "CREATE TABLE %s.schema_version ("
              + " version integer PRIMARY KEY,"
              + " description text NOT NULL,"
              + " applied_at timestamptz NOT NULL DEFAULT now())",
          // one row per run: the record (JSON text, written once) and the cached head of its log
          "CREATE TABLE %s.runs ("
              + " id text COLLATE \"C\" PRIMARY KEY,"
              + " namespace text COLLATE \"C\" NOT NULL,"
              + " thread_key text COLLATE \"C\","
              + " trigger_id text COLLATE \"C\" NOT NULL,"
              + " recommendation_id text COLLATE \"C\","
              + " created_at timestamptz NOT NULL,"
              + " record text NOT NULL,"
              + " last_seq bigint NOT NULL CHECK (last_seq >= 1),"
              + " status text NOT NULL,"
              + " updated_at timestamptz NOT NULL,"
              + " CONSTRAINT runs_trigger_id_key UNIQUE (trigger_id)"
              + ") WITH (fillfactor = 80)",
          "CREATE INDEX runs_created_idx ON %s.runs (created_at DESC, id DESC)",
          "CREATE INDEX runs_namespace_idx ON %s.runs (namespace, created_at DESC, id DESC)",
          "CREATE INDEX runs_thread_idx ON %s.runs (thread_key, created_at DESC, id DESC)"
              + " WHERE thread_key IS NOT NULL",
          "CREATE INDEX runs_status_idx ON %s.runs (status, created_at DESC, id DESC)",
          "CREATE INDEX runs_recommendation_idx ON %s.runs (recommendation_id, created_at DESC, id"
              + " DESC) WHERE recommendation_id IS NOT NULL",
          // the log: one row per event, the envelope kept as its exact JSON text
          "CREATE TABLE %s.events ("
              + " run_id text COLLATE \"C\" NOT NULL,"
              + " seq bigint NOT NULL,"
              + " type text NOT NULL,"
              + " time timestamptz NOT NULL,"
              + " idem_key text COLLATE \"C\","
              + " body text NOT NULL,"
              + " PRIMARY KEY (run_id, seq))",
          "CREATE UNIQUE INDEX events_idem_key_idx ON %s.events (run_id, idem_key)"
              + " WHERE idem_key IS NOT NULL",
          "CREATE TABLE %s.stages ("
              + " run_id text COLLATE \"C\" NOT NULL REFERENCES %1$s.runs (id),"
              + " stage_key text COLLATE \"C\" NOT NULL,"
              + " attempt integer NOT NULL CHECK (attempt >= 1),"
              + " position integer NOT NULL CHECK (position >= 1),"
              + " created_at timestamptz NOT NULL,"
              + " manifest text NOT NULL,"
              + " PRIMARY KEY (run_id, stage_key, attempt))",
          "CREATE TABLE %s.stage_files ("
              + " run_id text COLLATE \"C\" NOT NULL,"
              + " stage_key text COLLATE \"C\" NOT NULL,"
              + " attempt integer NOT NULL,"
              + " path text COLLATE \"C\" NOT NULL,"
              + " content bytea NOT NULL,"
              + " PRIMARY KEY (run_id, stage_key, attempt, path),"
              + " FOREIGN KEY (run_id, stage_key, attempt)"
              + "   REFERENCES %1$s.stages (run_id, stage_key, attempt))",
          "CREATE TABLE %s.leases ("
              + " run_id text COLLATE \"C\" PRIMARY KEY REFERENCES %1$s.runs (id),"
              + " owner text NOT NULL,"
              + " expires_at timestamptz NOT NULL)",
          "CREATE INDEX leases_expires_idx ON %s.leases (expires_at, run_id)",
          "CREATE TABLE %s.documents ("
              + " collection text COLLATE \"C\" NOT NULL,"
              + " id text COLLATE \"C\" NOT NULL,"
              + " body text NOT NULL,"
              + " created_at timestamptz NOT NULL DEFAULT now(),"
              + " PRIMARY KEY (collection, id))");
    }
    if (version == 2) {
      // the head keeps the last event's hash chain link; runs written before have none
      return List.of("ALTER TABLE %s.runs ADD COLUMN last_hash text");
    }
    if (version == 3) {
      // an archived run keeps its row (record, trigger, head) and holds the archive stub here;
      // null for a whole run. Nullable without a default: no table rewrite on large stores
      return List.of("ALTER TABLE %s.runs ADD COLUMN stub text");
    }
    if (version == 4) {
      // each run's labels, indexed by key and value in listing order, so that a listing by label
      // walks that index; a trigger keeps them equal to the records' labels in every transaction
      // that writes runs (creation, import, deletion, any change of a record), and the runs
      // written before are copied in. A record that is not JSON (damage, which reading the run
      // reports) has no labels here, so it cannot keep the schema from migrating
      return List.of(
          "CREATE FUNCTION %s.run_labels_of(body text) RETURNS TABLE (key text, value text)"
              + " LANGUAGE plpgsql STABLE AS $$"
              + " BEGIN"
              + "   RETURN QUERY SELECT l.key, l.value"
              + "     FROM json_each_text(body::json -> 'labels') AS l;"
              + " EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN"
              + "   RETURN;"
              + " END $$",
          "CREATE TABLE %s.run_labels ("
              + " run_id text COLLATE \"C\" NOT NULL,"
              + " key text COLLATE \"C\" NOT NULL,"
              + " value text COLLATE \"C\" NOT NULL,"
              + " created_at timestamptz NOT NULL,"
              + " PRIMARY KEY (run_id, key))",
          "CREATE INDEX run_labels_value_idx ON %s.run_labels"
              + " (key, value, created_at DESC, run_id DESC)",
          "CREATE FUNCTION %s.runs_labels_sync() RETURNS trigger LANGUAGE plpgsql AS $$"
              + " BEGIN"
              + "   IF TG_OP <> 'INSERT' THEN"
              + "     DELETE FROM %1$s.run_labels WHERE run_id = OLD.id;"
              + "   END IF;"
              + "   IF TG_OP <> 'DELETE' THEN"
              + "     INSERT INTO %1$s.run_labels (run_id, key, value, created_at)"
              + "       SELECT NEW.id, l.key, l.value, NEW.created_at"
              + "       FROM %1$s.run_labels_of(NEW.record) AS l;"
              + "   END IF;"
              + "   RETURN NULL;"
              + " END $$",
          "CREATE TRIGGER runs_labels_sync AFTER INSERT OR DELETE OR UPDATE OF id, record,"
              + " created_at ON %s.runs FOR EACH ROW EXECUTE FUNCTION %1$s.runs_labels_sync()",
          "INSERT INTO %s.run_labels (run_id, key, value, created_at)"
              + " SELECT r.id, l.key, l.value, r.created_at"
              + " FROM %1$s.runs AS r, %1$s.run_labels_of(r.record) AS l");
    }
    if (version == 5) {
      // runs indexed by workflow name in listing order: an index on an expression of the record,
      // through a function that gives null for a record that is not JSON, so damage cannot keep
      // the index from being built or a hand repair from being written
      return List.of(
          "CREATE FUNCTION %s.run_workflow_part(body text, part text) RETURNS text"
              + " LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$"
              + " BEGIN"
              + "   RETURN body::json -> 'workflow' ->> part;"
              + " EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN"
              + "   RETURN NULL;"
              + " END $$",
          "CREATE INDEX runs_workflow_idx ON %s.runs"
              + " (%1$s.run_workflow_part(record, 'name'), created_at DESC, id DESC)");
    }
    throw new IllegalArgumentException("no migration to version " + version);
  }

  private static String description(int version) {
    return switch (version) {
      case 1 -> "runs, events, stages, leases, documents";
      case 2 -> "runs.last_hash: the head's hash chain link";
      case 3 -> "runs.stub: archive stubs of archived runs";
      case 4 -> "run_labels: listing by label";
      case 5 -> "runs_workflow_idx: listing by workflow";
      default -> "version " + version;
    };
  }

  /**
   * @return the schema name quoted for SQL text (it is validated to a plain identifier)
   */
  static String quote(String schema) {
    return "\"" + schema + "\"";
  }

  /** Advisory lock key for migrating a schema: a constant high half, the name's hash below. */
  static long migrationLockKey(String schema) {
    return (0x52554E53L << 32) | (schema.hashCode() & 0xffffffffL);
  }

  /**
   * Brings a schema to {@link #CURRENT_VERSION}, creating it when missing.
   *
   * @param c a connection (auto-commit; left in auto-commit)
   * @param schema the validated schema name
   * @param where the redacted location, for messages
   * @return the version found before migrating (0 for a new schema)
   * @throws StoreConfigurationException when the schema is newer than this code, or holds tables
   *     that are not a runs store's (nothing modified)
   * @throws StoreCorruptedException when a migration finds its column or table there already (the
   *     version rows were changed; nothing modified)
   */
  static int migrate(Connection c, String schema, String where) throws SQLException {
    return migrate(c, schema, where, CURRENT_VERSION);
  }

  /**
   * Brings a schema to a version, creating it when missing; tests build the schemas of earlier
   * versions with it, exactly as those versions created them.
   *
   * @param target the version to reach, at most {@link #CURRENT_VERSION}
   * @return the version found before migrating (0 for a new schema)
   */
  static int migrate(Connection c, String schema, String where, int target) throws SQLException {
    if (target < 1 || target > CURRENT_VERSION) {
      throw new IllegalArgumentException("no schema version " + target);
    }
    int found = version(c, schema);
    if (found >= target) {
      refuseNewer(found, schema, where);
      return found;
    }
    c.setAutoCommit(false);
    boolean done = false;
    try {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        ps.setLong(1, migrationLockKey(schema));
        ps.executeQuery().close();
      }
      // another instance may have migrated while we waited for the lock
      found = version(c, schema);
      refuseNewer(found, schema, where);
      if (found < target) {
        if (found == 0) {
          createSchemaIfMissing(c, schema, where);
        }
        String q = quote(schema);
        try (Statement st = c.createStatement()) {
          for (int v = found + 1; v <= target; v++) {
            for (String sql : migration(v)) {
              try {
                st.execute(String.format(sql, q));
              } catch (SQLException e) {
                if (found > 0 && ALREADY_THERE.contains(e.getSQLState())) {
                  throw damagedVersion(e, schema, where, found, v);
                }
                throw e;
              }
            }
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO " + q + ".schema_version (version, description) VALUES (?, ?)")) {
          for (int v = found + 1; v <= target; v++) {
            ps.setInt(1, v);
            ps.setString(2, description(v));
            ps.addBatch();
          }
          ps.executeBatch();
        }
        log.info("{} - schema {} migrated from version {} to {}", where, schema, found, target);
      }
      c.commit();
      done = true;
      return found;
    } finally {
      if (!done) {
        try {
          c.rollback();
        } catch (SQLException e) {
          log.debug("{} - rollback after a failed migration failed", where, e);
        }
      }
      c.setAutoCommit(true);
    }
  }

  /**
   * SQL states of a column, table or function that exists already: duplicate_column,
   * duplicate_table, duplicate_function.
   */
  private static final Set<String> ALREADY_THERE = Set.of("42701", "42P07", "42723");

  /**
   * A migration that finds its own work done: migrations commit together with their version rows,
   * so a schema holding what a later version adds means the version rows were changed afterwards.
   */
  private static StoreCorruptedException damagedVersion(
      SQLException e, String schema, String where, int found, int version) {
    return new StoreCorruptedException(
        "schema '"
            + schema
            + "' of "
            + where
            + ": the schema_version table holds version "
            + found
            + ", but the schema already has what version "
            + version
            + " adds ("
            + description(version)
            + "); the table was damaged, and nothing was modified",
        e);
  }

  private static void refuseNewer(int found, String schema, String where) {
    if (found > CURRENT_VERSION) {
      throw new StoreConfigurationException(
          "schema '"
              + schema
              + "' of "
              + where
              + " has version "
              + found
              + " but this version of runs-store-postgres reads and writes"
              + " version "
              + CURRENT_VERSION
              + "; upgrade the library (nothing was modified)");
    }
  }

  private static void createSchemaIfMissing(Connection c, String schema, String where)
      throws SQLException {
    boolean exists;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        exists = rs.next();
      }
    }
    if (!exists) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
      }
      return;
    }
    List<String> clashes = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ANY (?) ORDER BY 1")) {
      ps.setString(1, schema);
      ps.setArray(2, c.createArrayOf("text", TABLES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          clashes.add(rs.getString(1));
        }
      }
    }
    if (!clashes.isEmpty()) {
      throw new StoreConfigurationException(
          "schema '"
              + schema
              + "' of "
              + where
              + " already holds "
              + clashes
              + " but no runs schema_version table, so it is not a runs"
              + " store; choose another schema with ?schema=<name> (nothing was modified)");
    }
  }

  /**
   * @return the schema's version, 0 when it has no version table
   * @throws StoreCorruptedException when the version table holds no version, or one below 1
   */
  static int version(Connection c, String schema) throws SQLException {
    // an MVCC read of the catalogs, not to_regclass(): name lookups go through this session's
    // catalog caches, which can still remember "no such schema" from before the lock was granted
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class t"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE n.nspname = ? AND t.relname = 'schema_version')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return 0;
        }
      }
    }
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT coalesce(max(version), 0) FROM " + quote(schema) + ".schema_version");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      long version = rs.getLong(1);
      if (version < 1) {
        // the table is created with its first row in one transaction: this is damage
        throw new StoreCorruptedException(
            "schema "
                + schema
                + ": the schema_version table holds "
                + (version == 0 ? "no version" : "version " + version)
                + ", which no Runs schema has (versions start at 1); the table was damaged, and"
                + " nothing was modified");
      }
      return (int) Math.min(version, Integer.MAX_VALUE);
    }
  }
}
