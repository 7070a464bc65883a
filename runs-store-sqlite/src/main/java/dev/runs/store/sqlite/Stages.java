package dev.runs.store.sqlite;

import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StageSlots;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code stages} and {@code stage_files} tables: stage attempts, each a manifest row and its
 * files' contents. A write is one transaction that plans its slot from every stored attempt of the
 * run, so two writers, in this process or another, never get the same slot; reads check the bytes
 * against the manifest.
 *
 * <p>Thread safety: safe for use by any thread; writes are write transactions of the {@link
 * WriteConnection}, reads borrow a {@link ReadPool} connection.
 */
final class Stages {
  private final SqliteSettings settings;
  private final WriteConnection writes;
  private final ReadPool readers;

  /**
   * @param settings the store, for messages
   * @param writes the write connection
   * @param readers the read connections
   */
  Stages(SqliteSettings settings, WriteConnection writes, ReadPool readers) {
    this.settings = settings;
    this.writes = writes;
    this.readers = readers;
  }

  /**
   * Writes a stage attempt in one transaction: the run is checked, the slot is planned by {@link
   * StageSlots} over every stored attempt of the run, the files are inserted and the manifest row
   * last, so an attempt with a manifest is complete.
   *
   * @param id the run
   * @param write the files, redacted
   * @param now the write time
   * @return the manifest written
   * @throws RunNotFoundException when the run does not exist
   */
  StageManifest write(RunId id, StageWrite write, Instant now) {
    return writes.write(
        "writing stage " + write.stageKey() + " of run " + id,
        tx -> {
          try (PreparedStatement p =
              tx.connection().prepareStatement("SELECT 1 FROM runs WHERE id = ?")) {
            p.setString(1, id.value());
            try (ResultSet rs = p.executeQuery()) {
              if (!rs.next()) {
                throw new RunNotFoundException(id);
              }
            }
          }
          StageSlots slots = StageSlots.of(id, write);
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "SELECT stage_key, position, attempt FROM stages WHERE run_id = ?")) {
            p.setString(1, id.value());
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                slots.add(rs.getString(1), rs.getInt(2), rs.getInt(3));
              }
            }
          }
          StageManifest m = slots.manifest(now);
          int attempt = m.attempt();
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "INSERT INTO stage_files (run_id, stage_key, attempt, path, kind, size,"
                          + " sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            List<StageWrite.StageFile> files = write.files();
            for (int i = 0; i < files.size(); i++) {
              StageWrite.StageFile f = files.get(i);
              StageManifest.Entry entry = m.files().get(i);
              p.setString(1, id.value());
              p.setString(2, write.stageKey());
              p.setInt(3, attempt);
              p.setString(4, f.path());
              p.setString(5, f.kind());
              p.setLong(6, entry.size());
              p.setString(7, entry.sha256());
              p.setBytes(8, f.content());
              p.executeUpdate();
            }
          }
          // the manifest row last: an attempt with a manifest is complete (and all of it commits at
          // once)
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "INSERT INTO stages (run_id, stage_key, attempt, position, status,"
                          + " created_at, manifest_json) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, id.value());
            p.setString(2, write.stageKey());
            p.setInt(3, attempt);
            p.setInt(4, m.position());
            p.setString(5, write.status().wireName());
            p.setLong(6, Sql.micros(m.createdAt()));
            p.setString(7, m.toJson());
            p.executeUpdate();
          }
          return m;
        });
  }

  /**
   * @param id the run
   * @return manifests of complete attempts, by position then attempt
   */
  List<StageManifest> list(RunId id) {
    return readers.read(
        "listing stages of run " + id,
        r -> {
          PreparedStatement p =
              r.prepare(
                  "SELECT stage_key, attempt, manifest_json FROM stages WHERE run_id = ? ORDER BY"
                      + " position, attempt");
          p.setString(1, id.value());
          List<StageManifest> out = new ArrayList<>();
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(decodeManifest(id, rs.getString(1), rs.getInt(2), rs.getString(3)));
            }
          }
          return out;
        });
  }

  private StageManifest decodeManifest(RunId id, String stageKey, int attempt, String json) {
    String where =
        "sqlite store '"
            + settings.description()
            + "', table stages (run "
            + id
            + " stage "
            + stageKey
            + " attempt "
            + attempt
            + "): ";
    StageManifest m;
    try {
      m = StageManifest.fromJson(json);
    } catch (RuntimeException e) {
      throw new StoreCorruptedException(
          where + "the manifest cannot be decoded: " + e.getMessage(), e);
    }
    if (!m.stageKey().equals(stageKey) || m.attempt() != attempt) {
      throw new StoreCorruptedException(
          where
              + "the row holds the manifest of stage '"
              + m.stageKey()
              + "' attempt "
              + m.attempt());
    }
    return m;
  }

  /**
   * @return the manifest JSON, or empty when the attempt does not exist
   */
  private Optional<String> manifestJson(ReadPool.Reader r, RunId id, String stageKey, int attempt)
      throws SQLException {
    PreparedStatement p =
        r.prepare(
            "SELECT manifest_json FROM stages WHERE run_id = ? AND stage_key = ? AND attempt = ?");
    p.setString(1, id.value());
    p.setString(2, stageKey);
    p.setInt(3, attempt);
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    }
  }

  /**
   * Reads a stage file, checked against the attempt's manifest by {@link StageIntegrity#read}.
   *
   * @param id the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param path relative path, already checked
   * @return the bytes
   */
  byte[] readFile(RunId id, String stageKey, int attempt, String path) {
    return readers.read(
        "reading " + path + " of stage " + stageKey + " of run " + id,
        r -> {
          String json =
              manifestJson(r, id, stageKey, attempt)
                  .orElseThrow(() -> StageIntegrity.noSuchAttempt(id, stageKey, attempt));
          StageManifest m = decodeManifest(id, stageKey, attempt, json);
          PreparedStatement p =
              r.prepare(
                  "SELECT content FROM stage_files WHERE run_id = ? AND stage_key = ?"
                      + " AND attempt = ? AND path = ?");
          p.setString(1, id.value());
          p.setString(2, stageKey);
          p.setInt(3, attempt);
          p.setString(4, path);
          Map<String, byte[]> stored = new HashMap<>();
          try (ResultSet rs = p.executeQuery()) {
            if (rs.next()) {
              byte[] b = rs.getBytes(1);
              stored.put(path, b == null ? new byte[0] : b);
            }
          }
          return StageIntegrity.read(m, path, stageFilesWhere(), StageIntegrity.Source.of(stored));
        });
  }

  private String stageFilesWhere() {
    return "sqlite store '" + settings.description() + "', table stage_files";
  }

  /**
   * Re-hashes a stage attempt's files with {@link StageIntegrity#verify}.
   *
   * @param id the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @return the problems found
   */
  StageVerification verify(RunId id, String stageKey, int attempt) {
    return readers.read(
        "verifying stage " + stageKey + " of run " + id,
        r -> {
          String json =
              manifestJson(r, id, stageKey, attempt)
                  .orElseThrow(() -> StageIntegrity.noSuchAttempt(id, stageKey, attempt));
          StageManifest m;
          try {
            m = StageManifest.fromJson(json);
          } catch (RuntimeException e) {
            return StageIntegrity.unreadableManifest(
                id, stageKey, attempt, String.valueOf(e.getMessage()));
          }
          Map<String, byte[]> stored = new HashMap<>();
          PreparedStatement p =
              r.prepare(
                  "SELECT path, content FROM stage_files WHERE run_id = ? AND stage_key = ? AND"
                      + " attempt = ?");
          p.setString(1, id.value());
          p.setString(2, stageKey);
          p.setInt(3, attempt);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              byte[] b = rs.getBytes(2);
              stored.put(rs.getString(1), b == null ? new byte[0] : b);
            }
          }
          return StageIntegrity.verify(
              m, stored.keySet(), stageFilesWhere(), StageIntegrity.Source.of(stored));
        });
  }
}
