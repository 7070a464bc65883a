package dev.runs.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/**
 * The {@code documents} table: JSON documents stored once by collection and id ({@link
 * dev.runs.spi.StorageEngine#saveDocument}, {@link dev.runs.spi.StorageEngine#findDocument}).
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
}
