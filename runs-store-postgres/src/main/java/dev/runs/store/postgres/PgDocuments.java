package dev.runs.store.postgres;

import dev.runs.spi.StoredDocument;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code documents} table: JSON documents stored once under a collection and an id, the primary
 * key refusing a second save. Ids are {@code COLLATE "C"}, so they compare and list by their UTF-8
 * bytes, which is code point order: the order of {@link String#compareTo} for every id without
 * characters beyond U+FFFF (those sort after U+E000..U+FFFF here, before them in Java).
 *
 * <p>Thread-safe: it holds only final fields; each call borrows its own connection.
 */
final class PgDocuments {
  private final PgTx tx;
  private final String insertDocument;
  private final String selectDocument;
  private final String deleteDocument;
  private final String listDocuments;

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
    deleteDocument = "DELETE FROM " + s + ".documents WHERE collection = ? AND id = ?";
    // walks the primary key (collection, id) in order and stops after limit rows
    listDocuments =
        "SELECT id, body FROM "
            + s
            + ".documents WHERE collection = ? AND id > ? ORDER BY id LIMIT ?";
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

  /** See {@link dev.runs.spi.StorageEngine#deleteDocument}. */
  boolean deleteDocument(String collection, String id) {
    return tx.withConnection(
        "delete document " + collection + "/" + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(deleteDocument)) {
            ps.setString(1, collection);
            ps.setString(2, id);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#listDocuments}. */
  List<StoredDocument> listDocuments(String collection, String afterId, int limit) {
    return tx.withConnection(
        "list documents of " + collection,
        c -> {
          List<StoredDocument> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(listDocuments)) {
            ps.setString(1, collection);
            ps.setString(2, afterId);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new StoredDocument(rs.getString(1), rs.getString(2)));
              }
            }
          }
          return out;
        });
  }
}
