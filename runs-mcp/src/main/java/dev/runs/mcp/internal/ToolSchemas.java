package dev.runs.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventCodec;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.TriggerSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON Schemas of the tools' inputs. The event fields ({@code type}, {@code step_id}, {@code
 * attempt}, {@code parent_event_id}, {@code idempotency_key}, {@code payload}), the run id, and the
 * per-type rules (which types need a step id or an attempt, the required payload fields and their
 * kinds) are copied from the envelope schema that runs-core ships ({@link
 * EventCodec#SCHEMA_RESOURCE}), which is generated from the same payload records the store checks
 * on every append; so an agent sees the store's rules before it calls. Thread-safe (immutable after
 * construction).
 */
final class ToolSchemas {
  /** The event fields an agent may set; the rest of the envelope is assigned by the store. */
  static final List<String> DRAFT_FIELDS =
      List.of("type", "step_id", "attempt", "parent_event_id", "idempotency_key", "payload");

  private final ObjectMapper mapper;
  private final ObjectNode envelope;

  ToolSchemas(ObjectMapper mapper) {
    this.mapper = mapper;
    try (InputStream in = EventCodec.class.getResourceAsStream(EventCodec.SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            EventCodec.SCHEMA_RESOURCE + " is missing from runs-core; check the class path");
      }
      this.envelope = (ObjectNode) mapper.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + EventCodec.SCHEMA_RESOURCE, e);
    }
  }

  private ObjectNode root() {
    ObjectNode s = mapper.createObjectNode();
    s.put("type", "object");
    s.set("$defs", envelope.get("$defs").deepCopy());
    return s;
  }

  private JsonNode envelopeProperty(String name) {
    return envelope.get("properties").get(name).deepCopy();
  }

  private ObjectNode runId(ObjectNode props) {
    props.set("run_id", envelopeProperty("run_id"));
    return props;
  }

  /** The fields of one event draft, with the per-type rules. */
  private ObjectNode draft(ObjectNode target, boolean typeRequired) {
    ObjectNode props = target.withObjectProperty("properties");
    for (String f : DRAFT_FIELDS) {
      props.set(f, envelopeProperty(f));
    }
    if (typeRequired) {
      target.withArray("required").add("type");
    }
    target.set("allOf", envelope.get("allOf").deepCopy());
    return target;
  }

  ObjectNode emit(int maxBatch) {
    ObjectNode s = root();
    s.put(
        "description",
        "One event (type, payload... at the top level) or a batch (events), appended atomically.");
    draft(s, false);
    ObjectNode props = (ObjectNode) s.get("properties");
    runId(props);
    ObjectNode item = mapper.createObjectNode();
    item.put("type", "object");
    draft(item, true);
    item.put("additionalProperties", false);
    ObjectNode events = props.putObject("events");
    events.put("type", "array");
    events.put("minItems", 1);
    events.put("maxItems", maxBatch);
    events.put("description", "A batch, appended atomically in this order (instead of type).");
    events.set("items", item);
    ObjectNode expected = props.putObject("expected_last_sequence");
    expected.put("type", "integer");
    expected.put("minimum", 0);
    expected.put(
        "description", "Append only if the run's last sequence is still this (optimistic check).");
    s.withArray("required").add("run_id");
    s.put("additionalProperties", false);
    return s;
  }

  ObjectNode createRun() {
    ObjectNode s = root();
    ObjectNode props = s.putObject("properties");
    ObjectNode wf = props.putObject("workflow");
    wf.put("type", "string");
    wf.put("minLength", 1);
    wf.put("description", "The workflow or agent name.");
    text(props, "workflow_version", "Its version (default 1).");
    ObjectNode trigger =
        text(
            props,
            "trigger_id",
            "A unique id of the explicit action that starts this run; calling again with it returns"
                + " the same run.");
    trigger.put("maxLength", 200);
    text(props, "namespace", "e.g. acme/research; the run id's prefix.");
    text(props, "thread_key", "Groups runs of one conversation or thread.");
    text(props, "actor", "Who asked (replaced by the authenticated principal over HTTP).");
    ObjectNode runId = (ObjectNode) envelopeProperty("run_id");
    runId.put("description", "Choose the run id (default: a new id in the namespace).");
    props.set("run_id", runId);
    props
        .putObject("config")
        .put("type", "object")
        .put("description", "The frozen config snapshot: prompt, model, params, tools, inputs.");
    ObjectNode labels = props.putObject("labels");
    labels.put("type", "object");
    labels.putObject("additionalProperties").put("type", "string");
    props
        .putObject("start")
        .put("type", "boolean")
        .put("description", "Append run.started at once (default true).");
    s.withArray("required").add("workflow").add("trigger_id");
    s.put("additionalProperties", false);
    s.put("description", "Trigger source is " + TriggerSource.MCP.wireName() + ".");
    return s;
  }

  ObjectNode runOnly() {
    ObjectNode s = root();
    runId(s.putObject("properties"));
    s.withArray("required").add("run_id");
    s.put("additionalProperties", false);
    return s;
  }

  ObjectNode cancel() {
    ObjectNode s = runOnly();
    text((ObjectNode) s.get("properties"), "reason", "Why the run is cancelled.")
        .put("minLength", 1);
    ((ArrayNode) s.get("required")).add("reason");
    return s;
  }

  ObjectNode query(int maxLimit) {
    ObjectNode s = runOnly();
    ObjectNode props = (ObjectNode) s.get("properties");
    props
        .putObject("after")
        .put("type", "integer")
        .put("minimum", 0)
        .put("description", "Events after this sequence (default 0).");
    props
        .putObject("limit")
        .put("type", "integer")
        .put("minimum", 1)
        .put("maximum", maxLimit)
        .put("description", "Most events returned (default 100).");
    ObjectNode types = props.putObject("types");
    types.put("type", "array");
    types.put("description", "Only these event types.");
    types.set("items", envelopeProperty("type"));
    return s;
  }

  ObjectNode list() {
    ObjectNode s = root();
    ObjectNode props = s.putObject("properties");
    text(props, "namespace", "Runs of this namespace and the namespaces below it.");
    text(props, "thread_key", "Runs of this thread.");
    text(props, "workflow", "Runs of the workflow with this name.");
    text(props, "workflow_version", "Runs of this version of the workflow (with workflow).");
    ObjectNode labels = props.putObject("labels");
    labels.put("type", "object");
    labels.put("description", "Runs carrying every one of these labels with these values.");
    labels.putObject("additionalProperties").put("type", "string");
    ObjectNode status = props.putObject("status");
    status.put("type", "array");
    ObjectNode item = status.putObject("items");
    ArrayNode names = item.putArray("enum");
    for (RunStatus st : RunStatus.values()) {
      names.add(st.wireName());
    }
    props
        .putObject("limit")
        .put("type", "integer")
        .put("minimum", 1)
        .put("maximum", RunQuery.MAX_LIMIT);
    text(props, "cursor", "next_cursor of the previous page.");
    s.put("additionalProperties", false);
    return s;
  }

  private static ObjectNode text(ObjectNode props, String name, String description) {
    ObjectNode p = props.putObject(name);
    p.put("type", "string");
    p.put("description", description);
    return p;
  }
}
