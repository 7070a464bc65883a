package dev.runs.http;

import static dev.runs.http.Responses.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunOrchestrator;
import dev.runs.WorkflowRef;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /workflows}: the registered workflows; and the workflow a request body names, resolved
 * against them. Thread-safe.
 */
final class WorkflowsResource {
  private final RunOrchestrator orchestrator;

  WorkflowsResource(RunOrchestrator orchestrator) {
    this.orchestrator = orchestrator;
  }

  /** {@code GET /workflows}. */
  ApiResponse list(ApiRequest req) {
    new QueryParams(req, Set.of());
    ObjectNode o = Json.object();
    ArrayNode a = o.putArray("workflows");
    orchestrator.workflows().stream()
        .sorted(Comparator.comparing(WorkflowRef::name).thenComparing(WorkflowRef::version))
        .forEach(w -> a.add(Json.workflow(w)));
    return json(200, o, Map.of());
  }

  /**
   * Reads {@code workflow}, an object {@code {"name", "version"}} or a string {@code name@version};
   * without a version, the only registered version of the name.
   *
   * @param body a body that has {@code workflow}
   * @return the workflow
   */
  WorkflowRef resolve(JsonBody body) {
    JsonNode w = body.value("workflow").orElseThrow();
    String name;
    Optional<String> version;
    if (w.isTextual()) {
      String t = w.textValue();
      int at = t.lastIndexOf('@');
      name = at < 0 ? t : t.substring(0, at);
      version = at < 0 ? Optional.empty() : Optional.of(t.substring(at + 1));
    } else if (w.isObject()) {
      JsonBody o = body.nested("workflow", Set.of("name", "version")).orElseThrow();
      name = o.requiredText("name");
      version = o.text("version");
    } else {
      throw ProblemException.validation(
          "workflow",
          "must be an object {\"name\": ..., \"version\": ...}"
              + " or a string \"name@version\" but is "
              + JsonBody.kind(w));
    }
    if (version.isPresent()) {
      return WorkflowRef.of(name, version.get());
    }
    List<WorkflowRef> named =
        orchestrator.workflows().stream()
            .filter(r -> r.name().equals(name))
            .sorted(Comparator.comparing(WorkflowRef::version))
            .collect(Collectors.toList());
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.isEmpty()) {
      throw ProblemException.validation(
          "workflow.name",
          "no workflow named '" + name + "' is registered; registered: " + sortedWorkflows());
    }
    throw ProblemException.validation(
        "workflow.version",
        "is required: '"
            + name
            + "' is registered in versions "
            + named.stream().map(WorkflowRef::version).collect(Collectors.toList()));
  }

  private List<String> sortedWorkflows() {
    return orchestrator.workflows().stream()
        .map(WorkflowRef::toString)
        .sorted()
        .collect(Collectors.toList());
  }
}
