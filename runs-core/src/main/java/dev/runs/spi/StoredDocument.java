package dev.runs.spi;

import java.util.Objects;

/**
 * A document as an engine lists it ({@link StorageEngine#listDocuments}).
 *
 * @param id the document id
 * @param json its compact JSON object text
 */
public record StoredDocument(String id, String json) {
  /** Validates the components. */
  public StoredDocument {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(json, "json");
  }
}
