package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.instant;
import static dev.runs.store.postgres.PgCodec.ts;

import dev.runs.Lease;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code leases} table: one row per leased run. The core applies the lease rules; this class
 * only reads leases and swaps one with a single conditional statement, which is atomic on its own
 * against every other writer, in this instance and in others.
 *
 * <p>Thread-safe: it holds only final fields; each call borrows its own connection.
 */
final class PgLeases {
  private final PgTx tx;
  private final String selectLease;
  private final String insertLease;
  private final String updateLease;
  private final String deleteLease;
  private final String deleteOwnersLease;
  private final String expiredLeases;

  /**
   * @param tx runs the statements
   * @param s the quoted schema name
   */
  PgLeases(PgTx tx, String s) {
    this.tx = tx;
    selectLease = "SELECT owner, expires_at FROM " + s + ".leases WHERE run_id = ?";
    insertLease =
        "INSERT INTO "
            + s
            + ".leases (run_id, owner, expires_at) VALUES (?, ?, ?)"
            + " ON CONFLICT DO NOTHING";
    updateLease =
        "UPDATE "
            + s
            + ".leases SET owner = ?, expires_at = ?"
            + " WHERE run_id = ? AND owner = ? AND expires_at = ?";
    deleteLease = "DELETE FROM " + s + ".leases WHERE run_id = ? AND owner = ? AND expires_at = ?";
    deleteOwnersLease = "DELETE FROM " + s + ".leases WHERE run_id = ? AND owner = ?";
    expiredLeases =
        "SELECT run_id, owner, expires_at FROM "
            + s
            + ".leases"
            + " WHERE expires_at <= ? ORDER BY expires_at, run_id LIMIT ?";
  }

  /** See {@link dev.runs.spi.StorageEngine#readLease}. */
  Optional<Lease> readLease(RunId id) {
    return tx.withConnection(
        "read the lease of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectLease)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(lease(id.value(), rs.getString(1), instant(rs, 2)))
                  : Optional.empty();
            }
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#compareAndSetLease}. */
  boolean compareAndSetLease(RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    // one statement per case, the expected values in its condition: atomic on its own
    return tx.withConnection(
        "swap the lease of run " + id,
        c -> {
          if (expected.isEmpty()) {
            Lease next = replacement.get();
            try (PreparedStatement ps = c.prepareStatement(insertLease)) {
              ps.setString(1, id.value());
              ps.setString(2, next.owner());
              ps.setObject(3, ts(next.expiresAt()));
              return ps.executeUpdate() == 1;
            } catch (SQLException e) {
              if (PgErrors.FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                throw new RunNotFoundException(id);
              }
              throw e;
            }
          }
          Lease old = expected.get();
          if (replacement.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(deleteLease)) {
              ps.setString(1, id.value());
              ps.setString(2, old.owner());
              ps.setObject(3, ts(old.expiresAt()));
              return ps.executeUpdate() == 1;
            }
          }
          Lease next = replacement.get();
          try (PreparedStatement ps = c.prepareStatement(updateLease)) {
            ps.setString(1, next.owner());
            ps.setObject(2, ts(next.expiresAt()));
            ps.setString(3, id.value());
            ps.setString(4, old.owner());
            ps.setObject(5, ts(old.expiresAt()));
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#removeLease}. */
  boolean removeLease(RunId id, String owner) {
    return tx.withConnection(
        "remove the lease of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(deleteOwnersLease)) {
            ps.setString(1, id.value());
            ps.setString(2, owner);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#expiredLeases}. */
  List<Lease> expiredLeases(Instant now, int limit) {
    return tx.withConnection(
        "find expired leases",
        c -> {
          List<Lease> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(expiredLeases)) {
            ps.setObject(1, ts(now));
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(lease(rs.getString(1), rs.getString(2), instant(rs, 3)));
              }
            }
          }
          return out;
        });
  }

  /** A stored lease; one whose fields do not validate was damaged in the database. */
  private static Lease lease(String runId, String owner, Instant expiresAt) {
    try {
      return new Lease(RunId.of(runId), owner, expiresAt);
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          "table leases (run " + runId + "): the stored lease does not validate: " + e.getMessage(),
          e);
    }
  }
}
