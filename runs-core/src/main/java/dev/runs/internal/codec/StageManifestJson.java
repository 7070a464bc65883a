package dev.runs.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventId;
import dev.runs.RunId;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import dev.runs.spi.StageIntegrity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * JSON form of {@link StageManifest}: the {@code manifest.json} of a stage attempt, whose sha256
 * {@code stage.completed} carries, so the text must stay byte for byte what earlier versions wrote.
 */
public final class StageManifestJson {
  private StageManifestJson() {}

  /**
   * @param m the manifest
   * @return its compact JSON text, keys in a fixed order
   */
  public static String encode(StageManifest m) {
    ObjectNode o = JsonSupport.object();
    o.put("schema", "runs.stage/1");
    o.put("run_id", m.runId().value());
    o.put("stage_key", m.stageKey());
    o.put("position", m.position());
    o.put("attempt", m.attempt());
    o.put("status", m.status().wireName());
    m.eventId().ifPresent(id -> o.put("event_id", id.value()));
    o.put("created_at", JsonFields.time(m.createdAt(), "manifest.created_at"));
    ArrayNode a = o.putArray("files");
    for (StageManifest.Entry e : m.files()) {
      ObjectNode f = a.addObject();
      f.put("path", e.path());
      f.put("kind", e.kind());
      f.put("size", e.size());
      f.put("sha256", e.sha256());
    }
    return JsonSupport.write(o);
  }

  /**
   * @param json text written by {@link #encode(StageManifest)}
   * @return the manifest
   * @throws ValidationException naming a missing or malformed field
   */
  public static StageManifest decode(String json) {
    JsonNode n;
    try {
      n = JsonSupport.parse(json);
    } catch (IOException e) {
      throw new ValidationException("manifest", "is not valid JSON: " + e.getMessage());
    }
    List<StageManifest.Entry> entries = new ArrayList<>();
    JsonNode files = n.get("files");
    if (files == null || !files.isArray()) {
      throw new ValidationException("manifest.files", "is required and must be an array");
    }
    for (JsonNode f : files) {
      String path = text(f, "path");
      try {
        StageIntegrity.checkPath(path); // as every read of the file will
      } catch (ValidationException e) {
        throw new ValidationException(
            "manifest.files[" + entries.size() + "].path", String.valueOf(e.getMessage()));
      }
      entries.add(
          new StageManifest.Entry(
              path, text(f, "kind"), f.path("size").asLong(-1), text(f, "sha256")));
    }
    JsonNode ev = n.get("event_id");
    return new StageManifest(
        RunId.of(text(n, "run_id")),
        text(n, "stage_key"),
        n.path("position").asInt(0),
        n.path("attempt").asInt(0),
        JsonFields.constant(StageWrite.Status.class, text(n, "status"), "manifest.status"),
        ev != null && ev.isTextual() ? Optional.of(EventId.of(ev.textValue())) : Optional.empty(),
        JsonFields.time(text(n, "created_at"), "manifest.created_at"),
        entries);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new ValidationException("manifest." + field, "is required and must be a string");
    }
    return v.textValue();
  }
}
