package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigSnapshot;
import dev.runs.Payload;
import dev.runs.Recommendation;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.internal.codec.JsonFields;
import dev.runs.internal.support.JsonSupport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The stored JSON form of recommendations (collection {@value #COLLECTION}). */
final class Recommendations {
  static final String COLLECTION = "recommendations";

  private Recommendations() {}

  static Payload toPayload(
      String id,
      WorkflowRef workflow,
      ConfigSnapshot config,
      String rationale,
      Optional<String> sourceRef,
      Recommendation.Status status,
      List<String> blockers,
      Instant createdAt) {
    ObjectNode o = JsonSupport.object();
    o.put("schema", "runs.recommendation/1");
    o.put("id", id);
    ObjectNode wf = o.putObject("workflow");
    wf.put("name", workflow.name());
    wf.put("version", workflow.version());
    o.set("config", config.toJsonNode());
    o.put("rationale", rationale);
    sourceRef.ifPresent(s -> o.put("source_ref", s));
    o.put("status", status.wireName());
    ArrayNode b = o.putArray("blockers");
    blockers.forEach(b::add);
    o.put("created_at", JsonFields.time(createdAt, "created_at"));
    return Payload.of(o);
  }

  /**
   * Reads a stored recommendation; its hash is computed from the config as stored.
   *
   * @throws StoreCorruptedException when the document is not a recommendation
   */
  static Recommendation fromPayload(String id, Payload p) {
    try {
      ObjectNode o = p.toJsonNode();
      JsonNode wf = o.path("workflow");
      ConfigSnapshot config = ConfigSnapshot.of(o.path("config"));
      List<String> blockers = new ArrayList<>();
      o.path("blockers").forEach(n -> blockers.add(n.asText()));
      JsonNode src = o.get("source_ref");
      return new Recommendation(
          text(o, "id"),
          WorkflowRef.of(text(wf, "name"), text(wf, "version")),
          config,
          config.sha256(),
          o.path("rationale").asText(""),
          src != null && src.isTextual() ? Optional.of(src.textValue()) : Optional.empty(),
          Recommendation.Status.valueOf(text(o, "status").toUpperCase(Locale.ROOT)),
          blockers,
          JsonFields.time(text(o, "created_at"), "created_at"));
    } catch (ValidationException | IllegalArgumentException e) {
      throw new StoreCorruptedException(
          "document "
              + COLLECTION
              + "/"
              + id
              + " is not a readable recommendation: "
              + e.getMessage(),
          e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new ValidationException(field, "is required and must be a string");
    }
    return v.textValue();
  }
}
