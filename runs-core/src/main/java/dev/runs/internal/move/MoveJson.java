package dev.runs.internal.move;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ArchivedRun;
import dev.runs.AuditEntry;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.Tombstone;
import dev.runs.ValidationException;
import dev.runs.internal.codec.JsonFields;
import dev.runs.internal.support.JsonSupport;
import dev.runs.spi.RunHead;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/** The JSON of tombstones, audit entries, archive stubs and heads, written field by field. */
final class MoveJson {
  private MoveJson() {}

  static JsonNode parse(String json, String what) {
    try {
      return JsonSupport.parse(json);
    } catch (IOException | RuntimeException e) {
      throw new StoreCorruptedException(what + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  static String text(JsonNode n, String field, String what) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new StoreCorruptedException(what + " has no text field '" + field + "'");
    }
    return v.asText();
  }

  static long number(JsonNode n, String field, String what) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToLong()) {
      throw new StoreCorruptedException(what + " has no integer field '" + field + "'");
    }
    return v.asLong();
  }

  static Optional<String> optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
  }

  // ---- heads

  static ObjectNode head(RunHead h) {
    ObjectNode o = JsonSupport.object();
    o.put("last_sequence", h.lastSequence());
    o.put("status", h.status().wireName());
    o.put("updated_at", JsonFields.time(h.updatedAt(), "updated_at"));
    h.lastHash().ifPresent(x -> o.put("last_hash", x));
    return o;
  }

  static RunHead head(JsonNode n, String what) {
    JsonNode h = n.get("head");
    if (h == null || !h.isObject()) {
      throw new StoreCorruptedException(what + " has no object 'head'");
    }
    long last = number(h, "last_sequence", what);
    if (last < 1) {
      throw new StoreCorruptedException(what + ": head.last_sequence must be at least 1");
    }
    RunStatus status = RunStatus.fromWireName(text(h, "status", what));
    Instant updated = JsonFields.time(text(h, "updated_at", what), "head.updated_at");
    return new RunHead(last, status, updated, optText(h, "last_hash"));
  }

  // ---- tombstones and audit

  static String tombstone(Tombstone t) {
    ObjectNode o = JsonSupport.object();
    o.put("run_id", t.runId().value());
    o.put("deleted_at", JsonFields.time(t.deletedAt(), "deleted_at"));
    o.put("reason", t.reason());
    t.archive().ifPresent(a -> o.put("archive", a));
    return JsonSupport.write(o);
  }

  static Tombstone tombstone(RunId id, String json) {
    String what = "tombstone of run " + id;
    JsonNode n = parse(json, what);
    Tombstone t;
    try {
      t =
          new Tombstone(
              RunId.of(text(n, "run_id", what)),
              JsonFields.time(text(n, "deleted_at", what), "deleted_at"),
              text(n, "reason", what),
              optText(n, "archive"));
    } catch (ValidationException e) {
      throw damaged(what, e);
    }
    if (!t.runId().equals(id)) {
      throw new StoreCorruptedException(what + " is damaged: it names run " + t.runId());
    }
    return t;
  }

  static String audit(Instant time, String action, RunId runId, Optional<String> detail) {
    ObjectNode o = JsonSupport.object();
    o.put("time", JsonFields.time(time, "time"));
    o.put("action", action);
    o.put("run_id", runId.value());
    detail.ifPresent(d -> o.put("detail", d));
    return JsonSupport.write(o);
  }

  static AuditEntry audit(String id, String json) {
    String what = "audit entry " + id;
    JsonNode n = parse(json, what);
    try {
      return new AuditEntry(
          id,
          JsonFields.time(text(n, "time", what), "time"),
          text(n, "action", what),
          RunId.of(text(n, "run_id", what)),
          optText(n, "detail"));
    } catch (ValidationException e) {
      throw damaged(what, e);
    }
  }

  /**
   * A stored record whose field does not validate was damaged where the store keeps it: the reader
   * did nothing wrong, so this is not a {@link ValidationException}.
   */
  private static StoreCorruptedException damaged(String what, ValidationException e) {
    return new StoreCorruptedException(what + " is damaged: " + e.getMessage(), e);
  }

  // ---- archive stubs

  /** A stub as the store keeps it: where the archive copy is, and what it must hash to. */
  record Stub(ArchivedRun archived, String manifestSha256, RunHead head) {}

  static String stub(Stub s) {
    ObjectNode o = JsonSupport.object();
    o.put("schema", "runs.stub/1");
    o.put("archive", s.archived().archive());
    o.put("prefix", s.archived().prefix());
    o.put("archived_at", JsonFields.time(s.archived().archivedAt(), "archived_at"));
    o.put("event_count", s.archived().eventCount());
    o.put("events_sha256", s.archived().eventsSha256());
    o.put("manifest_sha256", s.manifestSha256());
    o.set("head", head(s.head()));
    return JsonSupport.write(o);
  }

  static Stub stub(RunId id, String json) {
    String what = "archive stub of run " + id;
    JsonNode n = parse(json, what);
    try {
      ArchivedRun a =
          new ArchivedRun(
              text(n, "archive", what),
              text(n, "prefix", what),
              JsonFields.time(text(n, "archived_at", what), "archived_at"),
              number(n, "event_count", what),
              text(n, "events_sha256", what));
      return new Stub(a, text(n, "manifest_sha256", what), head(n, what));
    } catch (ValidationException e) {
      throw damaged(what, e);
    }
  }
}
