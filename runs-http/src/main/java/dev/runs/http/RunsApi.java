package dev.runs.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API's router, written once over {@link ApiRequest} and {@link ApiResponse}: it checks the
 * caller ({@link AccessGuard}), checks the method, hands the request to the resource for its noun,
 * and turns every failure into a problem response ({@link Problems}). Thread-safe; the server calls
 * {@link #handle(ApiRequest)} from its request threads.
 *
 * <ul>
 *   <li>{@code /} and {@code /viewer/{file}}: the run viewer's page and files ({@link
 *       ViewerAssets}), without authentication
 *   <li>{@code /workflows}: {@link WorkflowsResource}
 *   <li>{@code /runs}, {@code /runs/preflight}, {@code /runs/{id}}: {@link RunsResource}
 *   <li>{@code /runs/{id}/events}: {@link EventsResource}, JSON, NDJSON or Server-Sent Events
 *   <li>{@code /runs/{id}/trace}: {@link TraceResource}, the run's trace tree as pages of nodes
 *   <li>{@code /runs/{id}/stages} and {@code /runs/{id}/stages/{key}/artifacts/{name}}: {@link
 *       StagesResource}
 *   <li>{@code /runs/{id}/cancel}, {@code resume}, {@code replay}, {@code rerun}: {@link
 *       RunActionsResource}
 *   <li>{@code /recommendations}, {@code /recommendations/{id}}: {@link RecommendationsResource}
 *   <li>{@code /stats}: {@link StatsResource}, an overview across runs
 * </ul>
 *
 * <p>Paths: a run id is one path segment with its {@code /} written as {@code %2F} ({@code
 * /runs/acme%2Fetl%2F0190...}); a recommendation id likewise. An artifact name may use plain {@code
 * /} since it is the last part of its path.
 */
final class RunsApi {

  private final AccessGuard access;
  private final ViewerAssets viewer = new ViewerAssets();
  private final WorkflowsResource workflows;
  private final RunsResource runs;
  private final EventsResource events;
  private final StagesResource stages;
  private final RunActionsResource actions;
  private final RecommendationsResource recommendations;
  private final StatsResource stats;
  private final TraceResource trace;

  /**
   * @param loopbackOnly answer only requests whose {@code Host} is a loopback name or address
   *     ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}): set for an unauthenticated server on
   *     a loopback address, so that a web page cannot reach it through DNS rebinding
   */
  RunsApi(
      RunOrchestrator orchestrator,
      Optional<Authenticator> authenticator,
      long maxBodyBytes,
      Duration heartbeat,
      boolean loopbackOnly) {
    this.access = new AccessGuard(authenticator, loopbackOnly);
    this.workflows = new WorkflowsResource(orchestrator);
    this.events = new EventsResource(orchestrator, heartbeat);
    this.runs = new RunsResource(orchestrator, maxBodyBytes, workflows, events);
    this.stages = new StagesResource(orchestrator);
    this.actions = new RunActionsResource(orchestrator, maxBodyBytes);
    this.recommendations = new RecommendationsResource(orchestrator, maxBodyBytes, workflows);
    this.stats = new StatsResource(orchestrator, java.time.Clock.systemUTC());
    this.trace = new TraceResource(orchestrator, Duration.ofMillis(150));
  }

  /**
   * Answers a request; never throws for anything the request or the orchestrator did.
   *
   * @param request the request
   * @return the response, a problem response for every failure
   */
  ApiResponse handle(ApiRequest request) {
    try {
      return route(request);
    } catch (RuntimeException e) {
      return Problems.toResponse(e, request);
    }
  }

  /** Ends every open event stream; used when the server closes. */
  void stopStreams() {
    events.stopStreams();
  }

  /**
   * @return how many event streams are open
   */
  int openStreams() {
    return events.openStreams();
  }

  private ApiResponse route(ApiRequest req) {
    access.checkHost(req);
    List<String> s = req.segments();
    if (s.isEmpty()) {
      allow(req, "GET");
      return viewer.serve("index.html").orElseThrow(() -> noRoute(req));
    }
    String root = s.get(0);
    if (root.equals("viewer")) {
      if (s.size() != 2) {
        throw noRoute(req);
      }
      allow(req, "GET");
      return viewer.serve(s.get(1)).orElseThrow(() -> noRoute(req));
    }
    if (!root.equals("runs")
        && !root.equals("workflows")
        && !root.equals("recommendations")
        && !root.equals("stats")) {
      throw noRoute(req);
    }
    access.authenticate(req);
    return switch (root) {
      case "workflows" -> {
        if (s.size() != 1) {
          throw noRoute(req);
        }
        allow(req, "GET");
        yield workflows.list(req);
      }
      case "recommendations" -> recommendationsRoute(req, s);
      case "stats" -> {
        if (s.size() != 1) {
          throw noRoute(req);
        }
        allow(req, "GET");
        yield stats.get(req);
      }
      default -> runsRoute(req, s);
    };
  }

  private ApiResponse runsRoute(ApiRequest req, List<String> s) {
    if (s.size() == 1) {
      allow(req, "GET", "POST");
      return req.method().equals("GET") ? runs.list(req) : runs.create(req);
    }
    if (s.size() == 2) {
      if (s.get(1).equals("preflight") && req.method().equals("POST")) {
        return runs.preflight(req);
      }
      allow(req, "GET");
      return runs.get(req, runId(s.get(1)));
    }
    if (s.size() == 3) {
      RunId id = runId(s.get(1));
      switch (s.get(2)) {
        case "events" -> {
          allow(req, "GET");
          return events.get(req, id);
        }
        case "trace" -> {
          allow(req, "GET");
          return trace.get(req, id);
        }
        case "stages" -> {
          allow(req, "GET");
          return stages.list(req, id);
        }
        case "cancel" -> {
          allow(req, "POST");
          return actions.cancel(req, id);
        }
        case "resume" -> {
          allow(req, "POST");
          return actions.resume(req, id);
        }
        case "replay" -> {
          allow(req, "POST");
          return actions.replay(req, id);
        }
        case "rerun" -> {
          allow(req, "POST");
          return actions.rerun(req, id);
        }
        default -> throw noRoute(req);
      }
    }
    if (s.size() >= 6 && s.get(2).equals("stages") && s.get(4).equals("artifacts")) {
      allow(req, "GET");
      return stages.artifact(
          req, runId(s.get(1)), s.get(3), String.join("/", s.subList(5, s.size())));
    }
    throw noRoute(req);
  }

  private ApiResponse recommendationsRoute(ApiRequest req, List<String> s) {
    if (s.size() == 1) {
      allow(req, "POST");
      return recommendations.create(req);
    }
    if (s.size() == 2) {
      allow(req, "GET");
      return recommendations.get(req, s.get(1));
    }
    throw noRoute(req);
  }

  private static void allow(ApiRequest req, String... methods) {
    for (String m : methods) {
      if (m.equals(req.method())) {
        return;
      }
    }
    String allowed = String.join(", ", methods);
    ObjectNode ext = Json.object();
    ArrayNode a = ext.putArray("allow");
    for (String m : methods) {
      a.add(m);
    }
    throw new ProblemException(
        ProblemType.METHOD_NOT_ALLOWED,
        req.method() + " is not allowed on " + req.path() + "; allowed: " + allowed,
        ext,
        Map.of("Allow", allowed));
  }

  private static ProblemException noRoute(ApiRequest req) {
    return ProblemException.notFound(
        "no resource at "
            + req.path()
            + "; run ids are one path"
            + " segment with each '/' written as %2F, e.g. /runs/acme%2Fetl%2F0190b2c4-...");
  }

  private static RunId runId(String segment) {
    return RunId.of(segment);
  }
}
