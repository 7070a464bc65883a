package dev.runs.store.sqlite;

import dev.runs.Lease;
import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code leases} table: at most one lease per run, read, swapped and listed by expiry. The
 * lease rules are the core's; this class only makes the conditional writes of {@link
 * dev.runs.spi.StorageEngine#compareAndSetLease} and {@link dev.runs.spi.StorageEngine#removeLease}
 * one statement each.
 *
 * <p>Thread safety: safe for use by any thread; swaps are write transactions of the {@link
 * WriteConnection}, reads borrow a {@link ReadPool} connection.
 */
final class Leases {
  private final WriteConnection writes;
  private final ReadPool readers;

  /**
   * @param writes the write connection
   * @param readers the read connections
   */
  Leases(WriteConnection writes, ReadPool readers) {
    this.writes = writes;
    this.readers = readers;
  }

  /**
   * @param id a run
   * @return its lease record, expired or not; empty when it has none or the run does not exist
   */
  Optional<Lease> read(RunId id) {
    return readers.read(
        "reading the lease of run " + id,
        r -> {
          PreparedStatement p = r.prepare("SELECT owner, expires_at FROM leases WHERE run_id = ?");
          p.setString(1, id.value());
          try (ResultSet rs = p.executeQuery()) {
            return rs.next()
                ? Optional.of(lease(id.value(), rs.getString(1), rs.getLong(2)))
                : Optional.empty();
          }
        });
  }

  /**
   * Removes a run's lease if {@code owner} holds it, whatever its expiry: one statement.
   *
   * @param id the run
   * @param owner the owner whose lease to remove
   * @return true when a lease of {@code owner} was removed
   */
  boolean remove(RunId id, String owner) {
    return writes.write(
        "removing the lease of run " + id,
        tx -> {
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement("DELETE FROM leases WHERE run_id = ? AND owner = ?")) {
            p.setString(1, id.value());
            p.setString(2, owner);
            return p.executeUpdate() == 1;
          }
        });
  }

  /**
   * Swaps a run's lease if it is {@code expected}: one conditional statement per case, so the swap
   * is atomic against every other writer, in this process and in others.
   *
   * @param id the run (exists)
   * @param expected the lease read before, or empty for none
   * @param replacement the lease to store, or empty to remove it
   * @return true when the stored lease was {@code expected} and now is {@code replacement}
   */
  boolean compareAndSet(RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    // one statement per case, the expected values in its condition: atomic on its own
    return writes.write(
        "swapping the lease of run " + id,
        tx -> {
          if (expected.isEmpty()) {
            try (PreparedStatement p =
                tx.connection()
                    .prepareStatement(
                        "INSERT INTO leases (run_id, owner, expires_at)"
                            + " VALUES (?, ?, ?) ON CONFLICT (run_id) DO NOTHING")) {
              p.setString(1, id.value());
              p.setString(2, replacement.get().owner());
              p.setLong(3, Sql.micros(replacement.get().expiresAt()));
              return p.executeUpdate() == 1;
            }
          }
          if (replacement.isEmpty()) {
            try (PreparedStatement p =
                tx.connection()
                    .prepareStatement(
                        "DELETE FROM leases WHERE run_id = ? AND owner = ? AND expires_at = ?")) {
              p.setString(1, id.value());
              p.setString(2, expected.get().owner());
              p.setLong(3, Sql.micros(expected.get().expiresAt()));
              return p.executeUpdate() == 1;
            }
          }
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "UPDATE leases SET owner = ?, expires_at = ?"
                          + " WHERE run_id = ? AND owner = ? AND expires_at = ?")) {
            p.setString(1, replacement.get().owner());
            p.setLong(2, Sql.micros(replacement.get().expiresAt()));
            p.setString(3, id.value());
            p.setString(4, expected.get().owner());
            p.setLong(5, Sql.micros(expected.get().expiresAt()));
            return p.executeUpdate() == 1;
          }
        });
  }

  /**
   * @param now the current time
   * @param limit most to return
   * @return leases with {@code expiresAt <= now}, oldest expiry first
   */
  List<Lease> expired(Instant now, int limit) {
    return readers.read(
        "listing expired leases",
        r -> {
          PreparedStatement p =
              r.prepare(
                  "SELECT run_id, owner, expires_at FROM leases WHERE expires_at <= ?"
                      + " ORDER BY expires_at, run_id LIMIT ?");
          p.setLong(1, Sql.micros(now));
          p.setInt(2, limit);
          List<Lease> out = new ArrayList<>();
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(lease(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
          }
          return out;
        });
  }

  /** A stored lease; one whose fields do not validate was damaged in the database. */
  private static Lease lease(String runId, String owner, long expiresMicros) {
    try {
      return new Lease(RunId.of(runId), owner, Sql.instant(expiresMicros));
    } catch (ValidationException e) {
      throw new StoreCorruptedException(
          "table leases (run " + runId + "): the stored lease does not validate: " + e.getMessage(),
          e);
    }
  }
}
