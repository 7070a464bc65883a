package dev.runs.http;

import static dev.runs.http.Links.runPath;
import static dev.runs.http.Responses.json;
import static dev.runs.http.Responses.launched;
import static dev.runs.http.TriggerFields.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigOverride;
import dev.runs.ReplayPoint;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import dev.runs.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a caller can do to a run: {@code POST /runs/{id}/cancel}, {@code resume}, {@code replay} and
 * {@code rerun}, each from an action with its trigger. Thread-safe.
 */
final class RunActionsResource {
  private static final Set<String> TRIGGER_FIELDS = Set.of("trigger_id", "trigger_source", "actor");
  private static final Set<String> CANCEL_FIELDS =
      Set.of("reason", "trigger_id", "trigger_source", "actor");
  private static final Set<String> REPLAY_FIELDS =
      Set.of("from", "trigger_id", "trigger_source", "actor");
  private static final Set<String> RERUN_FIELDS =
      Set.of("overrides", "add", "trigger_id", "trigger_source", "actor");

  private final RunOrchestrator orchestrator;
  private final long maxBodyBytes;

  RunActionsResource(RunOrchestrator orchestrator, long maxBodyBytes) {
    this.orchestrator = orchestrator;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** {@code POST /runs/{id}/cancel}: asks the run to stop, with a reason. */
  ApiResponse cancel(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, CANCEL_FIELDS, false);
    String reason = body.text("reason").orElse("cancelled over HTTP");
    Optional<Trigger> trigger = trigger(body, req, false);
    if (trigger.isPresent()) {
      Trigger t = trigger.get();
      reason +=
          " ("
              + t.source().wireName()
              + " trigger "
              + t.triggerId()
              + t.actor().map(a -> " by " + a).orElse("")
              + ")";
    } else if (req.principal().isPresent()) {
      reason += " (by " + req.principal().get() + ")";
    }
    RunStatus status = orchestrator.cancel(id, reason);
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    o.put("status", status.wireName());
    o.set("links", Links.ofRun(id));
    return json(200, o, Map.of());
  }

  /** {@code POST /runs/{id}/resume}: executes a failed or interrupted run again. */
  ApiResponse resume(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, TRIGGER_FIELDS, true);
    Trigger trigger = trigger(body, req, true).orElseThrow();
    RunHandle handle = orchestrator.resume(id, trigger);
    return json(200, launched(orchestrator, handle), Map.of("Location", runPath(id)));
  }

  /** {@code POST /runs/{id}/replay}: a new run from a checkpoint or step of this one. */
  ApiResponse replay(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, REPLAY_FIELDS, true);
    ReplayPoint point;
    try {
      point = ReplayPoint.parse(body.text("from").orElse("start"));
    } catch (ValidationException e) {
      throw ProblemException.validation("from", e.rule());
    }
    Trigger trigger = trigger(body, req, true).orElseThrow();
    RunHandle handle = orchestrator.replay(id, point, trigger);
    return json(
        handle.created() ? 201 : 200,
        launched(orchestrator, handle),
        Map.of("Location", runPath(handle.runId())));
  }

  /**
   * {@code POST /runs/{id}/rerun}: a new run with config overrides. {@code overrides} replaces (or,
   * with null, removes) paths that exist in the source's config; {@code add} sets paths that may be
   * new. Applied in that order.
   */
  ApiResponse rerun(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, RERUN_FIELDS, true);
    Map<String, JsonNode> replace = pointers(body, "overrides");
    Map<String, JsonNode> add = pointers(body, "add");
    List<ConfigOverride> changes = new ArrayList<>();
    replace.forEach(
        (pointer, value) ->
            changes.add(
                value.isNull()
                    ? ConfigOverride.remove(pointer)
                    : ConfigOverride.replace(pointer, value)));
    for (Map.Entry<String, JsonNode> e : add.entrySet()) {
      if (replace.containsKey(e.getKey())) {
        throw ProblemException.validation(
            "add." + e.getKey(), "is also in overrides; name each path once");
      }
      if (e.getValue().isNull()) {
        throw ProblemException.validation(
            "add." + e.getKey(), "must not be null; to remove a path, give it null in overrides");
      }
      changes.add(ConfigOverride.add(e.getKey(), e.getValue()));
    }
    Trigger trigger = trigger(body, req, true).orElseThrow();
    RunHandle handle = orchestrator.rerun(id, changes, trigger);
    return json(
        handle.created() ? 201 : 200,
        launched(orchestrator, handle),
        Map.of("Location", runPath(handle.runId())));
  }

  /** Reads an object of JSON Pointer to value, in the body's order. */
  private static Map<String, JsonNode> pointers(JsonBody body, String field) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    body.object(field)
        .ifPresent(o -> o.properties().forEach(e -> out.put(e.getKey(), e.getValue())));
    for (String pointer : out.keySet()) {
      if (!pointer.startsWith("/")) {
        throw ProblemException.validation(
            field + "." + pointer, "must be a JSON Pointer such as /model/params/temperature");
      }
    }
    return out;
  }
}
