package dev.runs.store.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/**
 * The {@code documents} table: JSON documents stored once under a collection and an id, the primary
 * key refusing a second save.
 *
 * <p>Thread-safe: it holds only final fields; each call borrows its own connection.
 */
final class PgDocuments {
  private final PgTx tx;
  private final String insertDocument;
  private final String selectDocument;

  /**
   * @param tx runs the statements
   * @param s the quoted schema name
   */
  PgDocuments(PgTx tx, String s) {
    this.tx = tx;
    insertDocument =
        "INSERT INTO "
            + s
            + ".documents (collection, id, body) VALUES (?, ?, ?)"
            + " ON CONFLICT DO NOTHING";
    selectDocument = "SELECT body FROM " + s + ".documents WHERE collection = ? AND id = ?";
  }

  /** See {@link dev.runs.spi.StorageEngine#saveDocument}. */
  boolean saveDocument(String collection, String id, String json) {
    return tx.withConnection(
        "save document " + collection + "/" + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(insertDocument)) {
            ps.setString(1, collection);
            ps.setString(2, id);
            ps.setString(3, json);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#findDocument}. */
  Optional<String> findDocument(String collection, String id) {
    return tx.withConnection(
        "read document " + collection + "/" + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectDocument)) {
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }
}
