package dev.runs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.ReplayPoint;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The API, written once over {@link ApiRequest} and {@link ApiResponse}: routing, authentication,
 * request parsing, calls on the {@link RunOrchestrator}, JSON and streamed responses, and problem
 * responses for every failure. Thread-safe; the server calls {@link #handle(ApiRequest)} from its
 * request threads.
 *
 * <p>Paths: a run id is one path segment with its {@code /} written as {@code %2F} ({@code
 * /runs/acme%2Fetl%2F0190...}); a recommendation id likewise. An artifact name may use plain
 * {@code /} since it is the last part of its path.
 */
final class RunsApi {

  private static final Set<String> START_FIELDS = Set.of("workflow", "config", "budget", "trigger_id",
      "trigger_source", "actor", "namespace", "thread_key", "labels", "recommendation_id", "run_id");
  private static final Set<String> TRIGGER_FIELDS = Set.of("trigger_id", "trigger_source", "actor");
  private static final Set<String> CANCEL_FIELDS = Set.of("reason", "trigger_id", "trigger_source", "actor");
  private static final Set<String> REPLAY_FIELDS = Set.of("from", "trigger_id", "trigger_source", "actor");
  private static final Set<String> RERUN_FIELDS = Set.of("overrides", "trigger_id", "trigger_source", "actor");
  private static final Set<String> RECOMMEND_FIELDS = Set.of("id", "workflow", "config", "budget",
      "rationale", "source_ref", "blockers");
  private static final Set<String> LIST_PARAMS = Set.of("namespace", "thread", "status", "created_from",
      "created_before", "limit", "cursor", "recommendation_id");

  private static final int EVENT_PAGE = 500;
  private static final String JSON = "application/json";
  private static final String NDJSON = "application/x-ndjson";
  private static final String SSE = "text/event-stream";

  private final RunOrchestrator orchestrator;
  private final Optional<Authenticator> authenticator;
  private final long maxBodyBytes;
  private final Duration heartbeat;
  private final ViewerAssets viewer = new ViewerAssets();
  private final Set<SseStream> openStreams = ConcurrentHashMap.newKeySet();
  private final boolean loopbackOnly;

  /**
   * @param loopbackOnly answer only requests whose {@code Host} is a loopback name or address
   *     ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}): set for an unauthenticated server on
   *     a loopback address, so that a web page cannot reach it through DNS rebinding
   */
  RunsApi(RunOrchestrator orchestrator, Optional<Authenticator> authenticator, long maxBodyBytes,
      Duration heartbeat, boolean loopbackOnly) {
    this.orchestrator = orchestrator;
    this.authenticator = authenticator;
    this.maxBodyBytes = maxBodyBytes;
    this.heartbeat = heartbeat;
    this.loopbackOnly = loopbackOnly;
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
    for (SseStream s : openStreams) {
      s.stop();
    }
  }

  /** @return how many event streams are open */
  int openStreams() {
    return openStreams.size();
  }

  // ---- routing -------------------------------------------------------------------------------------

  private ApiResponse route(ApiRequest req) {
    if (loopbackOnly) {
      checkLoopbackHost(req);
    }
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
    if (!root.equals("runs") && !root.equals("workflows") && !root.equals("recommendations")) {
      throw noRoute(req);
    }
    authenticate(req);
    return switch (root) {
      case "workflows" -> {
        if (s.size() != 1) {
          throw noRoute(req);
        }
        allow(req, "GET");
        yield workflows(req);
      }
      case "recommendations" -> recommendationsRoute(req, s);
      default -> runsRoute(req, s);
    };
  }

  private ApiResponse runsRoute(ApiRequest req, List<String> s) {
    if (s.size() == 1) {
      allow(req, "GET", "POST");
      return req.method().equals("GET") ? listRuns(req) : createRun(req);
    }
    if (s.size() == 2) {
      if (s.get(1).equals("preflight") && req.method().equals("POST")) {
        return preflight(req);
      }
      allow(req, "GET");
      return getRun(req, runId(s.get(1)));
    }
    if (s.size() == 3) {
      RunId id = runId(s.get(1));
      switch (s.get(2)) {
        case "events" -> {
          allow(req, "GET");
          return events(req, id);
        }
        case "stages" -> {
          allow(req, "GET");
          return stages(req, id);
        }
        case "cancel" -> {
          allow(req, "POST");
          return cancel(req, id);
        }
        case "resume" -> {
          allow(req, "POST");
          return resume(req, id);
        }
        case "replay" -> {
          allow(req, "POST");
          return replay(req, id);
        }
        case "rerun" -> {
          allow(req, "POST");
          return rerun(req, id);
        }
        default -> throw noRoute(req);
      }
    }
    if (s.size() >= 6 && s.get(2).equals("stages") && s.get(4).equals("artifacts")) {
      allow(req, "GET");
      return artifact(req, runId(s.get(1)), s.get(3), String.join("/", s.subList(5, s.size())));
    }
    throw noRoute(req);
  }

  private ApiResponse recommendationsRoute(ApiRequest req, List<String> s) {
    if (s.size() == 1) {
      allow(req, "POST");
      return recommend(req);
    }
    if (s.size() == 2) {
      allow(req, "GET");
      return recommendation(req, s.get(1));
    }
    throw noRoute(req);
  }

  private static void checkLoopbackHost(ApiRequest req) {
    String host = req.header("Host").orElse("").strip().toLowerCase(Locale.ROOT);
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
        : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
    if (!name.equals("localhost") && !name.equals("127.0.0.1") && !name.equals("[::1]")) {
      throw new ProblemException(ProblemType.FORBIDDEN, "this unauthenticated server on a loopback"
          + " address answers only requests for localhost, 127.0.0.1 or [::1], not Host '" + host
          + "' (protection against DNS rebinding); set an Authenticator to serve other host names",
          Json.object(), Map.of());
    }
  }

  private void authenticate(ApiRequest req) {
    if (authenticator.isEmpty()) {
      return;
    }
    Optional<String> principal = authenticator.get().authenticate(req);
    if (principal == null || principal.isEmpty()) {
      throw new ProblemException(ProblemType.UNAUTHORIZED, "this API needs credentials the server's"
          + " Authenticator accepts (e.g. Authorization: Bearer <token>)", Json.object(),
          Map.of("WWW-Authenticate", "Bearer realm=\"runs\""));
    }
    String p = principal.get();
    if (p.isBlank() || p.length() > 200 || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalStateException("the Authenticator returned a principal that is blank, longer"
          + " than 200 characters or has control characters; fix the host's Authenticator");
    }
    req.principal(p);
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
    throw new ProblemException(ProblemType.METHOD_NOT_ALLOWED, req.method() + " is not allowed on "
        + req.path() + "; allowed: " + allowed, ext, Map.of("Allow", allowed));
  }

  private static ProblemException noRoute(ApiRequest req) {
    return ProblemException.notFound("no resource at " + req.path() + "; run ids are one path"
        + " segment with each '/' written as %2F, e.g. /runs/acme%2Fetl%2F0190b2c4-...");
  }

  private static RunId runId(String segment) {
    return RunId.of(segment);
  }

  /** @return the path of a run, its id as one segment */
  static String runPath(RunId id) {
    return "/runs/" + encodeSegment(id.value());
  }

  /** Percent-encodes everything but unreserved characters (RFC 3986), so {@code /} is {@code %2F}. */
  static String encodeSegment(String value) {
    StringBuilder b = new StringBuilder(value.length() + 8);
    for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '.' || c == '_' || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  // ---- workflows and runs --------------------------------------------------------------------------

  private ApiResponse workflows(ApiRequest req) {
    new QueryParams(req, Set.of());
    ObjectNode o = Json.object();
    ArrayNode a = o.putArray("workflows");
    orchestrator.workflows().stream()
        .sorted(Comparator.comparing(WorkflowRef::name).thenComparing(WorkflowRef::version))
        .forEach(w -> a.add(Json.workflow(w)));
    return json(200, o, Map.of());
  }

  private ApiResponse listRuns(ApiRequest req) {
    QueryParams q = new QueryParams(req, LIST_PARAMS);
    RunQuery.Builder b = RunQuery.builder();
    List<String> ns = q.all("namespace");
    if (ns.size() > 1) {
      throw ProblemException.validation("namespace", "must be given once but was given " + ns.size() + " times");
    }
    if (ns.size() == 1) {
      b.namespace(ns.get(0));
    }
    q.text("thread").ifPresent(b::threadKey);
    for (String value : q.all("status")) {
      for (String name : value.split(",")) {
        if (!name.isBlank()) {
          b.status(RunStatus.fromWireName(name.strip()));
        }
      }
    }
    q.time("created_from").ifPresent(b::createdFrom);
    q.time("created_before").ifPresent(b::createdBefore);
    q.longValue("limit", 1, RunQuery.MAX_LIMIT).ifPresent(l -> b.limit(l.intValue()));
    q.text("cursor").ifPresent(b::cursor);
    q.text("recommendation_id").ifPresent(b::recommendationId);
    RunPage page = orchestrator.list(b.build());
    ObjectNode o = Json.object();
    ArrayNode runs = o.putArray("runs");
    for (RunEntry e : page.runs()) {
      runs.add(Json.entry(e));
    }
    page.nextCursor().ifPresent(c -> o.put("next_cursor", c));
    return json(200, o, Map.of());
  }

  private ApiResponse createRun(ApiRequest req) {
    QueryParams q = new QueryParams(req, Set.of("stream"));
    boolean stream = q.bool("stream").orElse(false);
    JsonBody body = JsonBody.read(req, maxBodyBytes, START_FIELDS, true);
    RunRequest request = runRequest(body, req, true);
    RunHandle handle = orchestrator.start(request);
    int status = handle.created() ? 201 : 200;
    Map<String, String> headers = Map.of("Location", runPath(handle.runId()));
    if (stream) {
      return sse(status, headers, handle.runId(), 0);
    }
    return json(status, launched(handle), headers);
  }

  private ApiResponse preflight(ApiRequest req) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, START_FIELDS, true);
    RunRequest request = runRequest(body, req, false);
    return json(200, Json.preflight(orchestrator.preflight(request)), Map.of());
  }

  private RunRequest runRequest(JsonBody body, ApiRequest req, boolean triggerRequired) {
    RunRequest.Builder b = RunRequest.builder();
    if (body.has("workflow")) {
      b.workflow(workflowRef(body));
    } else if (triggerRequired) {
      throw ProblemException.validation("workflow", "is required, e.g. {\"name\": \"greeter\", \"version\": \"1\"}"
          + " (GET /workflows lists them)");
    }
    body.object("config").ifPresent(c -> b.config(ConfigSnapshot.of(c)));
    body.object("budget").ifPresent(n -> b.budget(Budget.fromJson(n)));
    trigger(body, req, triggerRequired).ifPresent(b::trigger);
    body.text("namespace").ifPresent(b::namespace);
    body.text("thread_key").ifPresent(b::threadKey);
    body.stringMap("labels").forEach(b::label);
    body.text("recommendation_id").ifPresent(b::recommendationId);
    body.text("run_id").ifPresent(v -> b.runId(RunId.of(v)));
    return b.build();
  }

  private WorkflowRef workflowRef(JsonBody body) {
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
      throw ProblemException.validation("workflow", "must be an object {\"name\": ..., \"version\": ...}"
          + " or a string \"name@version\" but is " + JsonBody.kind(w));
    }
    if (version.isPresent()) {
      return WorkflowRef.of(name, version.get());
    }
    List<WorkflowRef> named = orchestrator.workflows().stream().filter(r -> r.name().equals(name))
        .sorted(Comparator.comparing(WorkflowRef::version)).collect(Collectors.toList());
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.isEmpty()) {
      throw ProblemException.validation("workflow.name", "no workflow named '" + name
          + "' is registered; registered: " + sortedWorkflows());
    }
    throw ProblemException.validation("workflow.version", "is required: '" + name
        + "' is registered in versions " + named.stream().map(WorkflowRef::version).collect(Collectors.toList()));
  }

  private List<String> sortedWorkflows() {
    return orchestrator.workflows().stream().map(WorkflowRef::toString).sorted().collect(Collectors.toList());
  }

  /** Reads {@code trigger_id}, {@code trigger_source} and {@code actor}; the principal is the actor. */
  private static Optional<Trigger> trigger(JsonBody body, ApiRequest req, boolean required) {
    Optional<String> id = body.text("trigger_id");
    Optional<String> source = body.text("trigger_source");
    Optional<String> actor = body.text("actor");
    if (id.isEmpty() && source.isEmpty()) {
      if (required) {
        throw ProblemException.validation("trigger_id", "is required: every run starts from an"
            + " explicit action with a unique id (and its trigger_source, e.g. ui or api)");
      }
      if (actor.isPresent()) {
        throw ProblemException.validation("actor", "needs trigger_id and trigger_source");
      }
      return Optional.empty();
    }
    if (id.isEmpty()) {
      throw ProblemException.validation("trigger_id", "is required with trigger_source");
    }
    if (source.isEmpty()) {
      throw ProblemException.validation("trigger_source", "is required with trigger_id: one of "
          + sources());
    }
    TriggerSource src;
    try {
      src = TriggerSource.fromWireName(source.get());
    } catch (ValidationException e) {
      throw ProblemException.validation("trigger_source", "must be one of " + sources() + " but was '"
          + source.get() + "'");
    }
    Optional<String> who = actor;
    if (req.principal().isPresent()) {
      String principal = req.principal().get();
      if (actor.isPresent() && !actor.get().equals(principal)) {
        throw ProblemException.validation("actor", "must be absent or equal the authenticated principal '"
            + principal + "'");
      }
      who = Optional.of(principal);
    }
    try {
      return Optional.of(new Trigger(src, id.get(), who, Instant.now()));
    } catch (ValidationException e) {
      String field = e.field().startsWith("trigger.") ? e.field().substring(8) : e.field();
      throw ProblemException.validation(field, e.rule());
    }
  }

  private static String sources() {
    List<String> names = new ArrayList<>();
    for (TriggerSource s : TriggerSource.values()) {
      names.add(s.wireName());
    }
    return String.join(", ", names);
  }

  private ObjectNode launched(RunHandle handle) {
    ObjectNode o = Json.object();
    o.put("run_id", handle.runId().value());
    o.put("created", handle.created());
    o.put("status", orchestrator.state(handle.runId()).status().wireName());
    o.putRawValue("record", Json.raw(handle.record().toJson()));
    o.set("links", links(handle.runId()));
    return o;
  }

  private static ObjectNode links(RunId id) {
    String self = runPath(id);
    ObjectNode l = Json.object();
    l.put("self", self);
    l.put("events", self + "/events");
    l.put("stages", self + "/stages");
    return l;
  }

  private ApiResponse getRun(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    RunRecord record = orchestrator.get(id).orElseThrow(() -> new RunNotFoundException(id));
    RunState state = orchestrator.state(id);
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    o.put("status", state.status().wireName());
    o.put("last_sequence", state.lastSequence());
    o.put("event_count", state.eventCount());
    state.currentStep().ifPresent(c -> o.put("current_step", c));
    state.lastEventTime().ifPresent(t -> o.put("updated_at", Json.time(t)));
    ObjectNode usage = o.putObject("usage");
    usage.put("input_tokens", state.usage().inputTokens());
    usage.put("output_tokens", state.usage().outputTokens());
    usage.put("total_tokens", state.usage().totalTokens());
    o.put("cost", state.cost());
    o.putRawValue("record", Json.raw(record.toJson()));
    orchestrator.summary(id).ifPresent(s -> o.putRawValue("summary", Json.raw(s.toPayload().json())));
    o.set("links", links(id));
    return json(200, o, Map.of());
  }

  // ---- events --------------------------------------------------------------------------------------

  private enum Format { JSON, NDJSON, SSE }

  private ApiResponse events(ApiRequest req, RunId id) {
    QueryParams q = new QueryParams(req, Set.of("after", "limit"));
    long after = q.longValue("after", 0, Long.MAX_VALUE).orElse(0L);
    Optional<Long> limit = q.longValue("limit", 1, Integer.MAX_VALUE);
    orchestrator.get(id).orElseThrow(() -> new RunNotFoundException(id));
    Format format = negotiate(req.header("Accept").orElse(""));
    if (format == Format.SSE) {
      if (limit.isPresent()) {
        throw ProblemException.validation("limit", "does not apply to text/event-stream, which streams"
            + " until the run's terminal event");
      }
      Optional<String> last = req.header("Last-Event-ID");
      if (last.isPresent() && !last.get().isBlank()) {
        try {
          after = Long.parseLong(last.get().strip());
        } catch (NumberFormatException e) {
          after = -1;
        }
        if (after < 0) {
          throw ProblemException.validation("Last-Event-ID", "must be the sequence of an event"
              + " (a non-negative integer) but was '" + last.get() + "'");
        }
      }
      return sse(200, Map.of(), id, after);
    }
    long head = orchestrator.state(id).lastSequence();
    long from = after;
    long max = limit.orElse(Long.MAX_VALUE);
    boolean ndjson = format == Format.NDJSON;
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", ndjson ? NDJSON + "; charset=utf-8" : JSON);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Streamed(200, h, sink -> {
      long cursor = from;
      long written = 0;
      if (!ndjson) {
        sink.write(new byte[] {'['});
      }
      while (written < max && cursor < head) {
        int want = (int) Math.min(EVENT_PAGE, Math.min(max - written, head - cursor));
        List<RunEvent> page = orchestrator.events(id, cursor, want);
        if (page.isEmpty()) {
          break;
        }
        StringBuilder b = new StringBuilder(page.size() * 256);
        for (RunEvent e : page) {
          if (!ndjson && written > 0) {
            b.append(',');
          }
          b.append(EventCodec.encode(e));
          if (ndjson) {
            b.append('\n');
          }
          written++;
          cursor = e.sequence();
        }
        sink.write(b.toString().getBytes(StandardCharsets.UTF_8));
      }
      if (!ndjson) {
        sink.write(new byte[] {']'});
      }
    });
  }

  private ApiResponse sse(int status, Map<String, String> extra, RunId id, long after) {
    Map<String, String> h = new LinkedHashMap<>(extra);
    h.put("Content-Type", SSE + "; charset=utf-8");
    h.put("Cache-Control", "no-store");
    h.put("X-Accel-Buffering", "no");
    return new ApiResponse.Streamed(status, h, new SseStream(orchestrator, id, after, heartbeat, openStreams));
  }

  /** Picks the event format from {@code Accept}: JSON array, NDJSON, or SSE. */
  static Format negotiate(String accept) {
    if (accept.isBlank()) {
      return Format.JSON;
    }
    record Range(String type, double q, int order) {}
    List<Range> ranges = new ArrayList<>();
    String[] parts = accept.split(",");
    for (int i = 0; i < parts.length; i++) {
      String[] p = parts[i].split(";");
      String type = p[0].strip().toLowerCase(Locale.ROOT);
      double qv = 1.0;
      for (int j = 1; j < p.length; j++) {
        String param = p[j].strip();
        if (param.startsWith("q=")) {
          try {
            qv = Double.parseDouble(param.substring(2));
          } catch (NumberFormatException e) {
            qv = 0;
          }
        }
      }
      if (qv > 0 && !type.isEmpty()) {
        ranges.add(new Range(type, qv, i));
      }
    }
    ranges.sort(Comparator.comparingDouble(Range::q).reversed().thenComparingInt(Range::order));
    for (Range r : ranges) {
      switch (r.type()) {
        case SSE:
          return Format.SSE;
        case NDJSON, "application/ndjson", "application/jsonl", "application/jsonlines":
          return Format.NDJSON;
        case JSON, "application/*", "*/*":
          return Format.JSON;
        default:
          break;
      }
    }
    ObjectNode ext = Json.object();
    ext.putArray("supported").add(JSON).add(NDJSON).add(SSE);
    throw new ProblemException(ProblemType.NOT_ACCEPTABLE, "events are served as " + JSON + ", "
        + NDJSON + " or " + SSE + " but Accept is '" + accept + "'", ext, Map.of());
  }

  // ---- actions -------------------------------------------------------------------------------------

  private ApiResponse cancel(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, CANCEL_FIELDS, false);
    String reason = body.text("reason").orElse("cancelled over HTTP");
    Optional<Trigger> trigger = trigger(body, req, false);
    if (trigger.isPresent()) {
      Trigger t = trigger.get();
      reason += " (" + t.source().wireName() + " trigger " + t.triggerId()
          + t.actor().map(a -> " by " + a).orElse("") + ")";
    } else if (req.principal().isPresent()) {
      reason += " (by " + req.principal().get() + ")";
    }
    RunStatus status = orchestrator.cancel(id, reason);
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    o.put("status", status.wireName());
    o.set("links", links(id));
    return json(200, o, Map.of());
  }

  private ApiResponse resume(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, TRIGGER_FIELDS, true);
    Trigger trigger = trigger(body, req, true).orElseThrow();
    RunHandle handle = orchestrator.resume(id, trigger);
    return json(200, launched(handle), Map.of("Location", runPath(id)));
  }

  private ApiResponse replay(ApiRequest req, RunId id) {
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
    return json(handle.created() ? 201 : 200, launched(handle), Map.of("Location", runPath(handle.runId())));
  }

  private ApiResponse rerun(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, RERUN_FIELDS, true);
    Map<String, Object> overrides = new LinkedHashMap<>();
    body.object("overrides").ifPresent(o -> o.properties().forEach(e -> overrides.put(e.getKey(), e.getValue())));
    for (String pointer : overrides.keySet()) {
      if (!pointer.startsWith("/")) {
        throw ProblemException.validation("overrides." + pointer, "must be a JSON Pointer such as"
            + " /model/params/temperature");
      }
    }
    Trigger trigger = trigger(body, req, true).orElseThrow();
    RunHandle handle = orchestrator.rerun(id, overrides, trigger);
    return json(handle.created() ? 201 : 200, launched(handle), Map.of("Location", runPath(handle.runId())));
  }

  // ---- stages --------------------------------------------------------------------------------------

  private ApiResponse stages(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    List<StageManifest> manifests = orchestrator.stages(id);
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    ArrayNode a = o.putArray("stages");
    for (StageManifest m : manifests) {
      ObjectNode st = Json.stage(m);
      for (JsonNode f : st.withArray("files")) {
        String path = f.path("path").asText();
        if (path.startsWith("artifacts/")) {
          ((ObjectNode) f).put("href", runPath(id) + "/stages/" + encodeSegment(m.stageKey())
              + "/artifacts/" + encodePath(path.substring("artifacts/".length())) + "?attempt=" + m.attempt());
        }
      }
      a.add(st);
    }
    return json(200, o, Map.of());
  }

  private static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/", -1)) {
      parts.add(encodeSegment(p));
    }
    return String.join("/", parts);
  }

  private ApiResponse artifact(ApiRequest req, RunId id, String stageKey, String name) {
    QueryParams q = new QueryParams(req, Set.of("attempt"));
    Optional<Long> attemptParam = q.longValue("attempt", 1, Integer.MAX_VALUE);
    StageWrite.checkStageKey(stageKey);
    StageArtifact.checkName(name);
    List<StageManifest> all = orchestrator.stages(id);
    List<StageManifest> ofStage = all.stream().filter(m -> m.stageKey().equals(stageKey))
        .collect(Collectors.toList());
    if (ofStage.isEmpty()) {
      throw ProblemException.notFound("run " + id + " has no stage '" + stageKey + "'; its stages are "
          + all.stream().map(StageManifest::stageKey).distinct().collect(Collectors.toList()));
    }
    int attempt = attemptParam.map(Long::intValue)
        .orElseGet(() -> ofStage.stream().mapToInt(StageManifest::attempt).max().orElseThrow());
    StageManifest manifest = ofStage.stream().filter(m -> m.attempt() == attempt).findFirst()
        .orElseThrow(() -> ProblemException.notFound("run " + id + " stage '" + stageKey + "' has no attempt "
            + attempt + "; its attempts are " + ofStage.stream().map(StageManifest::attempt).collect(Collectors.toList())));
    String path = "artifacts/" + name;
    StageManifest.Entry entry = manifest.file(path).orElseThrow(() -> ProblemException.notFound("run " + id
        + " stage '" + stageKey + "' attempt " + attempt + " has no artifact '" + name + "'; its artifacts are "
        + manifest.files().stream().map(StageManifest.Entry::path).filter(p -> p.startsWith("artifacts/"))
            .map(p -> p.substring("artifacts/".length())).collect(Collectors.toList())));
    byte[] bytes = orchestrator.readStageFile(id, stageKey, attempt, path);
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", contentType(name));
    h.put("Content-Disposition", "attachment; filename=\"" + name.substring(name.lastIndexOf('/') + 1) + "\"");
    h.put("X-Content-SHA256", entry.sha256());
    h.put("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(entry.sha256())) + ":");
    h.put("ETag", "\"" + entry.sha256() + "\"");
    h.put("X-Stage-Attempt", Integer.toString(attempt));
    h.put("Content-Security-Policy", "sandbox");
    h.put("Cache-Control", "no-cache");
    return new ApiResponse.Full(200, h, bytes);
  }

  static String contentType(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    String ext = lower.contains(".") ? lower.substring(lower.lastIndexOf('.') + 1) : "";
    return switch (ext) {
      case "json" -> "application/json";
      case "ndjson", "jsonl" -> "application/x-ndjson";
      case "txt", "log" -> "text/plain; charset=utf-8";
      case "md" -> "text/markdown; charset=utf-8";
      case "csv" -> "text/csv; charset=utf-8";
      case "html", "htm" -> "text/html; charset=utf-8";
      case "xml" -> "application/xml";
      case "svg" -> "image/svg+xml";
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "gif" -> "image/gif";
      case "webp" -> "image/webp";
      case "pdf" -> "application/pdf";
      case "parquet" -> "application/vnd.apache.parquet";
      default -> "application/octet-stream";
    };
  }

  // ---- recommendations -----------------------------------------------------------------------------

  private ApiResponse recommend(ApiRequest req) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, RECOMMEND_FIELDS, true);
    if (!body.has("workflow")) {
      throw ProblemException.validation("workflow", "is required, e.g. {\"name\": \"greeter\", \"version\": \"1\"}");
    }
    WorkflowRef workflow = workflowRef(body);
    ConfigSnapshot config = body.object("config").map(ConfigSnapshot::of).orElse(ConfigSnapshot.empty());
    RecommendationRequest.Builder b = RecommendationRequest.builder(workflow, config);
    Optional<String> id = body.text("id");
    if (id.isPresent()) {
      b.id(id.get());
      if (orchestrator.recommendation(id.get()).isPresent()) {
        ObjectNode ext = Json.object();
        ext.put("recommendation_id", id.get());
        throw new ProblemException(ProblemType.CONFLICT, "recommendation '" + id.get() + "' already exists;"
            + " recommendations are immutable: choose another id or omit it to get a fresh one", ext, Map.of());
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
    return json(201, Json.recommendation(r), Map.of("Location", "/recommendations/" + encodeSegment(r.id())));
  }

  private ApiResponse recommendation(ApiRequest req, String id) {
    new QueryParams(req, Set.of());
    Recommendation r = orchestrator.recommendation(id).orElseThrow(() -> {
      ObjectNode ext = Json.object();
      ext.put("recommendation_id", id);
      return new ProblemException(ProblemType.NOT_FOUND, "recommendation '" + id + "' does not exist",
          ext, Map.of());
    });
    ObjectNode o = Json.recommendation(r);
    ArrayNode runs = o.putArray("runs");
    for (RunRecord rec : orchestrator.runsFromRecommendation(id)) {
      runs.add(rec.id().value());
    }
    return json(200, o, Map.of());
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private static ApiResponse.Full json(int status, JsonNode body, Map<String, String> extra) {
    Map<String, String> h = new LinkedHashMap<>(extra);
    h.put("Content-Type", JSON);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Full(status, h, Json.bytes(body));
  }
}
