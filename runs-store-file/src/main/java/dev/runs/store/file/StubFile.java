package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.RunHead;
import dev.runs.spi.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code stub.json} of an archived run: the head the run had when its events left (so entries,
 * listings and the append planner need no log) and the core's stub JSON, embedded as it was given:
 *
 * <pre>{@code
 * {"schema":"runs.file-stub/1","run_id":"acme/0190…","last_sequence":42,"status":"completed",
 *  "updated_at":"2026-01-02T03:04:05.123456Z","last_hash":"…","stub":{…the core's JSON…}}
 * }</pre>
 *
 * <p>{@code stub} is the last field and its text is kept byte for byte, so {@code jq .stub
 * stub.json} shows it and {@link dev.runs.spi.StorageEngine#stub} returns exactly what was stored.
 */
final class StubFile {
  static final String SCHEMA = "runs.file-stub/1";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private StubFile() {}

  /**
   * A decoded stub.
   *
   * @param head the run's head, marked archived
   * @param json the core's stub JSON
   */
  record Stub(RunHead head, String json) {}

  /**
   * @param id the run
   * @param head its head when it was archived
   * @param stubJson the core's stub, a JSON object
   * @return the file's bytes
   * @throws ValidationException when {@code stubJson} is not one JSON object
   */
  static byte[] encode(RunId id, RunHead head, String stubJson) {
    JsonNode parsed;
    try {
      parsed = JSON.readTree(stubJson);
    } catch (JsonProcessingException e) {
      throw new ValidationException("stub", "is not JSON: " + e.getOriginalMessage());
    }
    if (parsed == null || !parsed.isObject()) {
      throw new ValidationException("stub", "must be one JSON object");
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("schema", SCHEMA);
    n.put("run_id", id.value());
    n.put("last_sequence", head.lastSequence());
    n.put("status", head.status().wireName());
    n.put("updated_at", head.updatedAt().toString());
    head.lastHash().ifPresent(h -> n.put("last_hash", h));
    String fields = n.toString();
    String text =
        fields.substring(0, fields.length() - 1) + ",\"stub\":" + stubJson.strip() + "}\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @param id the run whose directory holds the file
   * @param file the file, for messages
   * @param bytes its content
   * @return the stub
   * @throws StoreCorruptedException when the file is not a stub of this run
   */
  static Stub decode(RunId id, Path file, byte[] bytes) {
    String text = Utf8.decodeOrNull(bytes, 0, bytes.length);
    if (text == null) {
      throw corrupt(file, "malformed UTF-8", null);
    }
    JsonNode n;
    @Nullable String stub;
    try {
      n = JSON.readTree(text);
      stub = rawStub(text);
    } catch (IOException e) {
      throw corrupt(file, "not JSON (" + e.getMessage() + ")", e);
    }
    if (n == null || !SCHEMA.equals(n.path("schema").asText(null))) {
      throw corrupt(file, "its schema is not " + SCHEMA, null);
    }
    if (!id.value().equals(n.path("run_id").asText(null))) {
      throw corrupt(file, "it names run " + n.path("run_id") + ", not " + id, null);
    }
    if (stub == null) {
      throw corrupt(file, "it has no stub object", null);
    }
    try {
      JsonNode hash = n.get("last_hash");
      RunHead head =
          new RunHead(
              n.path("last_sequence").asLong(0),
              RunStatus.fromWireName(n.path("status").asText("")),
              Instant.parse(n.path("updated_at").asText("")),
              hash == null || hash.isNull() ? Optional.empty() : Optional.of(hash.asText()),
              true);
      return new Stub(head, stub);
    } catch (ValidationException | IllegalArgumentException | DateTimeParseException e) {
      throw corrupt(file, "its head is invalid (" + e.getMessage() + ")", e);
    }
  }

  /**
   * @return the exact text of the top-level {@code stub} object, or null when there is none
   */
  private static @Nullable String rawStub(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("stub".equals(name) && value == JsonToken.START_OBJECT) {
          int start = (int) p.currentTokenLocation().getCharOffset();
          p.skipChildren();
          int end = (int) p.currentLocation().getCharOffset();
          return text.substring(start, end);
        }
        p.skipChildren();
      }
      return null;
    }
  }

  private static StoreCorruptedException corrupt(Path file, String why, @Nullable Exception cause) {
    String message =
        file
            + " is not a valid archive stub: "
            + why
            + "; restore it from a backup (the run's events are in the archive it names)";
    return cause == null
        ? new StoreCorruptedException(message)
        : new StoreCorruptedException(message, cause);
  }
}
