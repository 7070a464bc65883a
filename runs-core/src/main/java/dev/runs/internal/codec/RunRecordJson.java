package dev.runs.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigDiff;
import dev.runs.ConfigSnapshot;
import dev.runs.Lineage;
import dev.runs.RecommendationLink;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.StoreCorruptedException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.internal.support.JsonSupport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** JSON form of {@link RunRecord}: the {@code run.json} of the file store, a column elsewhere. */
public final class RunRecordJson {
  private RunRecordJson() {}

  /**
   * @param r the record
   * @return its JSON object, keys in a stable order
   */
  public static ObjectNode toTree(RunRecord r) {
    ObjectNode o = JsonSupport.object();
    o.put("schema", "runs.run/1");
    o.put("id", r.id().value());
    o.put("namespace", r.namespace());
    r.threadKey().ifPresent(t -> o.put("thread_key", t));
    ObjectNode labels = o.putObject("labels");
    r.labels().forEach(labels::put);
    ObjectNode wf = o.putObject("workflow");
    wf.put("name", r.workflow().name());
    wf.put("version", r.workflow().version());
    o.set("config", r.config().toJsonNode());
    o.put("config_sha256", r.config().sha256());
    ObjectNode tr = o.putObject("trigger");
    tr.put("source", r.trigger().source().wireName());
    tr.put("trigger_id", r.trigger().triggerId());
    r.trigger().actor().ifPresent(a -> tr.put("actor", a));
    tr.put("time", JsonFields.time(r.trigger().time(), "trigger.time"));
    r.recommendation()
        .ifPresent(
            rec -> {
              ObjectNode rn = o.putObject("recommendation");
              rn.put("recommendation_id", rec.recommendationId());
              rn.put("recommended_config_sha256", rec.recommendedConfigSha256());
              rn.set("diff_from_recommended", diffToTree(rec.diffFromRecommended()));
            });
    r.lineage()
        .ifPresent(
            l -> {
              ObjectNode ln = o.putObject("lineage");
              ln.put("parent_run_id", l.parentRunId().value());
              ln.put("relation", l.relation().wireName());
              l.sourceCheckpoint().ifPresent(c -> ln.put("source_checkpoint", c));
              ln.set("config_diff", diffToTree(l.configDiff()));
            });
    o.put("created_at", JsonFields.time(r.createdAt(), "created_at"));
    return o;
  }

  /**
   * @param r the record
   * @return its compact JSON text
   */
  public static String encode(RunRecord r) {
    return JsonSupport.write(toTree(r));
  }

  /**
   * @param json text written by {@link #encode(RunRecord)}
   * @return the record
   * @throws ValidationException naming a missing or malformed field
   * @throws StoreCorruptedException when the stored config hash does not match the config
   */
  public static RunRecord decode(String json) {
    JsonNode n;
    try {
      n = JsonSupport.parse(json);
    } catch (IOException e) {
      throw new ValidationException("run record", "is not valid JSON: " + e.getMessage());
    }
    return fromTree(n);
  }

  /**
   * @param n the JSON object
   * @return the record
   */
  public static RunRecord fromTree(JsonNode n) {
    if (!n.isObject()) {
      throw new ValidationException("run record", "must be a JSON object");
    }
    RunId id = RunId.of(text(n, "id"));
    Optional<String> thread = optText(n, "thread_key");
    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode ln = n.get("labels");
    if (ln != null && ln.isObject()) {
      for (Map.Entry<String, JsonNode> e : ln.properties()) {
        labels.put(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode wf = object(n, "workflow");
    WorkflowRef workflow = WorkflowRef.of(text(wf, "name"), text(wf, "version"));
    ConfigSnapshot config = ConfigSnapshot.of(object(n, "config"));
    Optional<String> storedSha = optText(n, "config_sha256");
    if (storedSha.isPresent() && !storedSha.get().equals(config.sha256())) {
      throw new StoreCorruptedException(
          "run "
              + id
              + ": config_sha256 "
              + storedSha.get()
              + " does not match the stored config (sha256 "
              + config.sha256()
              + ")");
    }
    JsonNode tr = object(n, "trigger");
    Trigger trigger =
        new Trigger(
            TriggerSource.fromWireName(text(tr, "source")),
            text(tr, "trigger_id"),
            optText(tr, "actor"),
            JsonFields.time(text(tr, "time"), "trigger.time"));
    Optional<RecommendationLink> rec = Optional.empty();
    JsonNode rn = n.get("recommendation");
    if (rn != null && rn.isObject()) {
      rec =
          Optional.of(
              new RecommendationLink(
                  text(rn, "recommendation_id"),
                  text(rn, "recommended_config_sha256"),
                  diffFromTree(rn.get("diff_from_recommended"))));
    }
    Optional<Lineage> lineage = Optional.empty();
    JsonNode lin = n.get("lineage");
    if (lin != null && lin.isObject()) {
      lineage =
          Optional.of(
              new Lineage(
                  RunId.of(text(lin, "parent_run_id")),
                  JsonFields.constant(
                      Lineage.Relation.class, text(lin, "relation"), "run record.lineage.relation"),
                  optText(lin, "source_checkpoint"),
                  diffFromTree(lin.get("config_diff"))));
    }
    return new RunRecord(
        id,
        thread,
        labels,
        workflow,
        config,
        trigger,
        rec,
        lineage,
        JsonFields.time(text(n, "created_at"), "created_at"));
  }

  /**
   * @param diff a diff
   * @return its JSON array form
   */
  public static ArrayNode diffToTree(ConfigDiff diff) {
    ArrayNode a = JsonSupport.MAPPER.createArrayNode();
    for (ConfigDiff.Change c : diff.changes()) {
      ObjectNode o = a.addObject();
      o.put("path", c.path());
      o.put("op", c.op().name().toLowerCase(Locale.ROOT));
      c.oldValue().ifPresent(v -> o.set("old_value", v));
      c.newValue().ifPresent(v -> o.set("new_value", v));
    }
    return a;
  }

  /**
   * @param a the JSON array form, or null
   * @return the diff
   */
  public static ConfigDiff diffFromTree(JsonNode a) {
    if (a == null || !a.isArray()) {
      return ConfigDiff.empty();
    }
    List<ConfigDiff.Change> out = new ArrayList<>();
    for (JsonNode c : a) {
      try {
        out.add(
            new ConfigDiff.Change(
                text(c, "path"),
                JsonFields.constant(ConfigDiff.Op.class, text(c, "op"), "run record.diff.op"),
                Optional.ofNullable(c.get("old_value")),
                Optional.ofNullable(c.get("new_value"))));
      } catch (IllegalArgumentException e) {
        // values that do not fit the op, which a diff built in code refuses the same way
        throw new ValidationException("run record.diff", String.valueOf(e.getMessage()));
      }
    }
    return new ConfigDiff(out);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new ValidationException("run record." + field, "is required and must be a string");
    }
    return v.textValue();
  }

  private static Optional<String> optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }

  private static JsonNode object(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isObject()) {
      throw new ValidationException("run record." + field, "is required and must be an object");
    }
    return v;
  }
}
