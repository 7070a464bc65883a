package dev.runs.store.sqlite;

import dev.runs.spi.StoredDocument;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code documents} table: JSON documents stored once by collection and id ({@link
 * dev.runs.spi.StorageEngine#saveDocument}, {@link dev.runs.spi.StorageEngine#findDocument}),
 * removed ({@link #delete}) and listed in id order ({@link #list}).
 *
 * <p>Order: the primary key {@code (collection, id)} uses SQLite's default {@code BINARY}
 * collation, which compares the UTF-8 bytes, that is the ids' code points. That is the order of
 * {@link String#compareTo} (UTF-16 code units) for every id made of characters of the Basic
 * Multilingual Plane, printable ASCII included; the two orders differ only between a character
 * above U+FFFF and one from U+E000 to U+FFFF, which UTF-16 puts the other way round. Listing walks
 * the primary key from the cursor, so a page costs its own size whatever the collection's.
 *
 * <p>Thread safety: safe for use by any thread; saves are write transactions of the {@link
 * WriteConnection}, lookups borrow a {@link ReadPool} connection.
 */
final class Documents {
  private final WriteConnection writes;
  private final ReadPool readers;

  /**
   * @param writes the write connection
   * @param readers the read connections
   */
  Documents(WriteConnection writes, ReadPool readers) {
    this.writes = writes;
    this.readers = readers;
  }

  /**
   * @param collection collection name
   * @param id document id
   * @param json compact JSON object text
   * @return false when the id already exists in the collection (nothing written)
   */
  boolean save(String collection, String id, String json) {
    return writes.write(
        "saving document " + collection + "/" + id,
        tx -> {
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement(
                      "INSERT INTO documents (collection, id, json)"
                          + " VALUES (?, ?, ?) ON CONFLICT (collection, id) DO NOTHING")) {
            p.setString(1, collection);
            p.setString(2, id);
            p.setString(3, json);
            return p.executeUpdate() == 1;
          }
        });
  }

  /**
   * @param collection collection name
   * @param id document id
   * @return the document's JSON text
   */
  Optional<String> find(String collection, String id) {
    return readers.read(
        "reading document " + collection + "/" + id,
        r -> {
          PreparedStatement p =
              r.prepare("SELECT json FROM documents WHERE collection = ? AND id = ?");
          p.setString(1, collection);
          p.setString(2, id);
          try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
          }
        });
  }

  /**
   * @param collection collection name
   * @param id document id
   * @return true when it existed (and now does not)
   */
  boolean delete(String collection, String id) {
    return writes.write(
        "deleting document " + collection + "/" + id,
        tx -> {
          try (PreparedStatement p =
              tx.connection()
                  .prepareStatement("DELETE FROM documents WHERE collection = ? AND id = ?")) {
            p.setString(1, collection);
            p.setString(2, id);
            boolean existed = p.executeUpdate() == 1;
            if (!existed) {
              tx.rollbackOnly(); // nothing to make durable
            }
            return existed;
          }
        });
  }

  /**
   * @param collection collection name
   * @param afterId list ids greater than this (empty for the first page)
   * @param limit most to return
   * @return the documents after {@code afterId}, in id order (see the class comment)
   */
  List<StoredDocument> list(String collection, String afterId, int limit) {
    return readers.read(
        "listing documents of " + collection,
        r -> {
          PreparedStatement p =
              r.prepare(
                  "SELECT id, json FROM documents WHERE collection = ? AND id > ?"
                      + " ORDER BY id LIMIT ?");
          p.setString(1, collection);
          p.setString(2, afterId);
          p.setInt(3, limit);
          List<StoredDocument> out = new ArrayList<>();
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new StoredDocument(
                      Objects.requireNonNull(rs.getString(1), "id is NOT NULL"),
                      Objects.requireNonNull(rs.getString(2), "json is NOT NULL")));
            }
          }
          return out;
        });
  }
}
