package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.ts;

import dev.runs.RunArchivedException;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StageSlots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code stages} and {@code stage_files} tables: one row per stage attempt holding its
 * manifest, one row per file. An attempt is written in one transaction, so an attempt with a
 * manifest is complete. Stage writers of one run take turns on a transaction-scoped advisory lock
 * (keyed by schema and run), across every instance; appends to the run do not wait for them. A
 * write to an archived run is refused ({@link RunArchivedException}): its stages live in the
 * archive, and a restore puts them back under their own attempts.
 *
 * <p>Thread-safe: it holds only final fields; each call borrows its own connection.
 */
final class PgStages {
  private static final long STAGE_LOCK_HIGH = 0x53544147L << 32;

  private final PgTx tx;
  private final String schema;
  private final String lockRun;
  private final String selectStages;
  private final String insertStage;
  private final String insertStageFile;
  private final String selectManifest;
  private final String selectStageFile;
  private final String selectStageFiles;

  /**
   * @param tx runs the statements
   * @param schema the validated schema name, part of the advisory lock key
   * @param s the quoted schema name
   */
  PgStages(PgTx tx, String schema, String s) {
    this.tx = tx;
    this.schema = schema;
    lockRun = "SELECT stub IS NOT NULL FROM " + s + ".runs WHERE id = ? FOR KEY SHARE";
    selectStages =
        "SELECT stage_key, attempt, position, manifest FROM "
            + s
            + ".stages"
            + " WHERE run_id = ? ORDER BY position, attempt";
    insertStage =
        "INSERT INTO "
            + s
            + ".stages (run_id, stage_key, attempt, position, created_at,"
            + " manifest) VALUES (?, ?, ?, ?, ?, ?)";
    insertStageFile =
        "INSERT INTO "
            + s
            + ".stage_files (run_id, stage_key, attempt, path, content)"
            + " VALUES (?, ?, ?, ?, ?)";
    selectManifest =
        "SELECT manifest FROM "
            + s
            + ".stages WHERE run_id = ? AND stage_key = ?"
            + " AND attempt = ?";
    selectStageFile =
        "SELECT content FROM "
            + s
            + ".stage_files WHERE run_id = ? AND stage_key = ?"
            + " AND attempt = ? AND path = ?";
    selectStageFiles =
        "SELECT path, content FROM "
            + s
            + ".stage_files WHERE run_id = ?"
            + " AND stage_key = ? AND attempt = ?";
  }

  /** See {@link dev.runs.spi.StorageEngine#writeStage}. */
  StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    return tx.inTransaction(
        "write stage " + write.stageKey() + " of run " + id,
        c -> {
          // stage writers of one run take turns; appends to the run do not wait for them
          try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            ps.setLong(1, STAGE_LOCK_HIGH | ((schema + "/" + id.value()).hashCode() & 0xffffffffL));
            ps.executeQuery().close();
          }
          // the run must exist and be whole; the key-share lock waits for a delete or an archiving
          // in progress (they lock the row for update) and lets appends go on
          try (PreparedStatement ps = c.prepareStatement(lockRun)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw new RunNotFoundException(id);
              }
              if (rs.getBoolean(1)) {
                throw new RunArchivedException(id);
              }
            }
          }
          StageSlots slots = StageSlots.of(id, write);
          try (PreparedStatement ps = c.prepareStatement(selectStages)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                slots.add(rs.getString(1), rs.getInt(3), rs.getInt(2));
              }
            }
          }
          StageManifest m = slots.manifest(now);
          int attempt = m.attempt();
          try (PreparedStatement ps = c.prepareStatement(insertStage)) {
            ps.setString(1, id.value());
            ps.setString(2, write.stageKey());
            ps.setInt(3, attempt);
            ps.setInt(4, m.position());
            ps.setObject(5, ts(m.createdAt()));
            ps.setString(6, m.toJson());
            ps.executeUpdate();
          } catch (SQLException e) {
            if (PgErrors.FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
              throw new RunNotFoundException(id);
            }
            if (PgErrors.UNIQUE_VIOLATION.equals(e.getSQLState())) {
              throw new StageExistsException(id, write.stageKey(), attempt);
            }
            throw e;
          }
          List<StageWrite.StageFile> files = write.files();
          if (!files.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(insertStageFile)) {
              for (StageWrite.StageFile f : files) {
                ps.setString(1, id.value());
                ps.setString(2, write.stageKey());
                ps.setInt(3, attempt);
                ps.setString(4, f.path());
                ps.setBytes(5, f.content());
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          return m;
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#stages}. */
  List<StageManifest> stages(RunId id) {
    return tx.withConnection(
        "read stages of run " + id,
        c -> {
          List<StageManifest> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(selectStages)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(decodeManifest(id, rs.getString(1), rs.getInt(2), rs.getString(4)));
              }
            }
          }
          return out;
        });
  }

  /**
   * @param stageKey the stage its row is filed under
   * @param attempt the attempt its row is filed under
   * @throws StoreCorruptedException when the manifest does not decode or names another stage
   */
  private StageManifest decodeManifest(RunId id, String stageKey, int attempt, String json) {
    StageManifest m;
    try {
      m = StageManifest.fromJson(json);
    } catch (ValidationException | IllegalArgumentException e) {
      throw new StoreCorruptedException(
          tx.where()
              + ": a stage manifest of run "
              + id
              + " does not decode ("
              + e.getMessage()
              + ")",
          e);
    }
    if (!m.stageKey().equals(stageKey) || m.attempt() != attempt) {
      throw new StoreCorruptedException(
          tx.where()
              + ": the stage row of run "
              + id
              + " filed as stage '"
              + stageKey
              + "' attempt "
              + attempt
              + " holds the manifest of stage '"
              + m.stageKey()
              + "' attempt "
              + m.attempt());
    }
    return m;
  }

  private String manifestJson(Connection c, RunId id, String stageKey, int attempt)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(selectManifest)) {
      ps.setString(1, id.value());
      ps.setString(2, stageKey);
      ps.setInt(3, attempt);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StageIntegrity.noSuchAttempt(id, stageKey, attempt);
        }
        return rs.getString(1);
      }
    }
  }

  /** See {@link dev.runs.spi.StorageEngine#readStageFile}. */
  byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    return tx.withConnection(
        "read stage " + stageKey + " of run " + id,
        c -> {
          StageManifest m =
              decodeManifest(id, stageKey, attempt, manifestJson(c, id, stageKey, attempt));
          Map<String, byte[]> stored = new HashMap<>();
          try (PreparedStatement ps = c.prepareStatement(selectStageFile)) {
            ps.setString(1, id.value());
            ps.setString(2, stageKey);
            ps.setInt(3, attempt);
            ps.setString(4, path);
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) {
                byte[] b = rs.getBytes(1);
                stored.put(path, b == null ? new byte[0] : b);
              }
            }
          }
          return StageIntegrity.read(m, path, tx.where(), StageIntegrity.Source.of(stored));
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#verifyStage}. */
  StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    return tx.withConnection(
        "verify stage " + stageKey + " of run " + id,
        c -> {
          String json = manifestJson(c, id, stageKey, attempt);
          StageManifest m;
          try {
            m = StageManifest.fromJson(json);
          } catch (ValidationException | IllegalArgumentException e) {
            return StageIntegrity.unreadableManifest(
                id, stageKey, attempt, String.valueOf(e.getMessage()));
          }
          Map<String, byte[]> stored = new HashMap<>();
          try (PreparedStatement ps = c.prepareStatement(selectStageFiles)) {
            ps.setString(1, id.value());
            ps.setString(2, stageKey);
            ps.setInt(3, attempt);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                byte[] b = rs.getBytes(2);
                stored.put(rs.getString(1), b == null ? new byte[0] : b);
              }
            }
          }
          return StageIntegrity.verify(
              m, stored.keySet(), tx.where(), StageIntegrity.Source.of(stored));
        });
  }
}
