package dev.runs.http;

import static dev.runs.http.Links.encodeSegment;
import static dev.runs.http.Responses.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recommendations: {@code POST /recommendations} records a suggested workflow, config and budget
 * that starts nothing, and {@code GET /recommendations/{id}} shows one with the runs started from
 * it. A recommendation id is one path segment like a run id. Thread-safe.
 */
final class RecommendationsResource {
  private static final Set<String> RECOMMEND_FIELDS =
      Set.of("id", "workflow", "config", "budget", "rationale", "source_ref", "blockers");

  private final RunOrchestrator orchestrator;
  private final long maxBodyBytes;
  private final WorkflowsResource workflows;

  RecommendationsResource(
      RunOrchestrator orchestrator, long maxBodyBytes, WorkflowsResource workflows) {
    this.orchestrator = orchestrator;
    this.maxBodyBytes = maxBodyBytes;
    this.workflows = workflows;
  }

  /** {@code POST /recommendations}: records a recommendation; it starts nothing. */
  ApiResponse create(ApiRequest req) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, RECOMMEND_FIELDS, true);
    if (!body.has("workflow")) {
      throw ProblemException.validation(
          "workflow", "is required, e.g. {\"name\": \"greeter\", \"version\": \"1\"}");
    }
    WorkflowRef workflow = workflows.resolve(body);
    ConfigSnapshot config =
        body.object("config").map(ConfigSnapshot::of).orElse(ConfigSnapshot.empty());
    RecommendationRequest.Builder b = RecommendationRequest.builder(workflow, config);
    Optional<String> id = body.text("id");
    if (id.isPresent()) {
      b.id(id.get());
      if (orchestrator.recommendation(id.get()).isPresent()) {
        ObjectNode ext = Json.object();
        ext.put("recommendation_id", id.get());
        throw new ProblemException(
            ProblemType.CONFLICT,
            "recommendation '"
                + id.get()
                + "' already exists;"
                + " recommendations are immutable: choose another id or omit it to get a fresh one",
            ext,
            Map.of());
      }
    }
    body.object("budget").ifPresent(n -> b.budget(Budget.fromJson(n)));
    body.text("rationale").ifPresent(b::rationale);
    body.text("source_ref").ifPresent(b::sourceRef);
    List<String> blockers = body.stringList("blockers");
    for (int i = 0; i < blockers.size(); i++) {
      try {
        b.blocker(blockers.get(i));
      } catch (ValidationException e) {
        throw ProblemException.validation("blockers[" + i + "]", e.rule());
      }
    }
    Recommendation r = orchestrator.recommend(b.build());
    return json(
        201,
        Json.recommendation(r),
        Map.of("Location", "/recommendations/" + encodeSegment(r.id())));
  }

  /** {@code GET /recommendations/{id}}: a recommendation and the runs started from it. */
  ApiResponse get(ApiRequest req, String id) {
    new QueryParams(req, Set.of());
    Recommendation r =
        orchestrator
            .recommendation(id)
            .orElseThrow(
                () -> {
                  ObjectNode ext = Json.object();
                  ext.put("recommendation_id", id);
                  return new ProblemException(
                      ProblemType.NOT_FOUND,
                      "recommendation '" + id + "' does not exist",
                      ext,
                      Map.of());
                });
    ObjectNode o = Json.recommendation(r);
    ArrayNode runs = o.putArray("runs");
    for (RunRecord rec : orchestrator.runsFromRecommendation(id)) {
      runs.add(rec.id().value());
    }
    return json(200, o, Map.of());
  }
}
