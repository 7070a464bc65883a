package dev.runs.internal.move;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.RunId;
import dev.runs.StageManifest;
import dev.runs.StoreCorruptedException;
import dev.runs.internal.codec.StageManifestJson;
import dev.runs.internal.support.JsonSupport;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How a run lies in an archive: {@code {run id}/run.json}, {@code events.ndjson}, {@code
 * summary.json}, {@code stages/{stage}/{attempt}/manifest.json} and the attempt's files beside it,
 * and, written last, {@code manifest.json} listing every other object with its size and sha256. The
 * run id's segments are the namespace and local id, so the layout mirrors the file store's.
 */
final class ArchiveLayout {
  static final String SCHEMA = "runs.archive/1";
  static final String RUN = "run.json";
  static final String EVENTS = "events.ndjson";
  static final String SUMMARY = "summary.json";
  static final String MANIFEST = "manifest.json";

  private ArchiveLayout() {}

  static String prefix(RunId id) {
    return id.value() + "/";
  }

  static String stageDir(StageManifest m) {
    return "stages/" + m.stageKey() + "/" + m.attempt() + "/";
  }

  /** One archived object: key relative to the run's prefix. */
  record ObjectEntry(String key, long size, String sha256) {}

  /** The archive's manifest of one run. */
  record Manifest(
      RunId runId,
      RunHead head,
      long eventCount,
      String eventsSha256,
      List<StageManifest> stages,
      List<ObjectEntry> objects) {}

  static byte[] encode(Manifest m) {
    ObjectNode o = JsonSupport.object();
    o.put("schema", SCHEMA);
    o.put("run_id", m.runId().value());
    o.set("head", MoveJson.head(m.head()));
    o.put("event_count", m.eventCount());
    o.put("events_sha256", m.eventsSha256());
    ArrayNode stages = o.putArray("stages");
    for (StageManifest s : m.stages()) {
      stages.add(MoveJson.parse(StageManifestJson.encode(s), "stage manifest"));
    }
    ArrayNode objects = o.putArray("objects");
    for (ObjectEntry e : m.objects()) {
      ObjectNode x = objects.addObject();
      x.put("key", e.key());
      x.put("size", e.size());
      x.put("sha256", e.sha256());
    }
    return JsonSupport.write(o).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static Manifest decode(RunId id, byte[] bytes, String where) {
    String what = "archive manifest " + where;
    JsonNode n = MoveJson.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), what);
    if (!SCHEMA.equals(n.path("schema").asText())) {
      throw new StoreCorruptedException(what + " has schema '" + n.path("schema").asText() + "'");
    }
    if (!id.value().equals(MoveJson.text(n, "run_id", what))) {
      throw new StoreCorruptedException(what + " belongs to run " + n.path("run_id").asText());
    }
    List<StageManifest> stages = new ArrayList<>();
    for (JsonNode s : n.path("stages")) {
      stages.add(StageManifestJson.decode(JsonSupport.write(s)));
    }
    List<ObjectEntry> objects = new ArrayList<>();
    for (JsonNode x : n.path("objects")) {
      objects.add(
          new ObjectEntry(
              MoveJson.text(x, "key", what),
              MoveJson.number(x, "size", what),
              MoveJson.text(x, "sha256", what)));
    }
    return new Manifest(
        id,
        MoveJson.head(n, what),
        MoveJson.number(n, "event_count", what),
        MoveJson.text(n, "events_sha256", what),
        stages,
        objects);
  }

  /** Reads a whole (small) object, failing when it is missing. */
  static byte[] readAll(ArchiveStore archive, String key) {
    try (InputStream in = open(archive, key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ArchiveUnavailableException(
          "archive " + archive.location() + ": cannot read " + key + " (" + e + ")", e);
    }
  }

  static InputStream open(ArchiveStore archive, String key) {
    return archive
        .open(key)
        .orElseThrow(
            () ->
                new ArchiveUnavailableException(
                    "archive "
                        + archive.location()
                        + " has no object "
                        + key
                        + "; the run's archive copy is missing or was written elsewhere"));
  }

  /** Hashes an object as it is stored now. */
  static ObjectEntry hash(ArchiveStore archive, String prefix, String key) {
    try (InputStream in = open(archive, prefix + key)) {
      java.security.MessageDigest d = Sha256.newDigest();
      byte[] buf = new byte[1 << 16];
      long size = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
        size += n;
      }
      return new ObjectEntry(key, size, Sha256.hex(d));
    } catch (IOException e) {
      throw new ArchiveUnavailableException(
          "archive " + archive.location() + ": cannot read " + prefix + key + " (" + e + ")", e);
    }
  }
}
