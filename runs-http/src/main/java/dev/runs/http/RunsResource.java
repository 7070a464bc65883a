package dev.runs.http;

import static dev.runs.http.Links.runPath;
import static dev.runs.http.Responses.json;
import static dev.runs.http.Responses.launched;
import static dev.runs.http.TriggerFields.trigger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.RunEntry;
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
import dev.runs.RunSummary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runs: {@code GET /runs} lists them, {@code POST /runs} starts one (optionally answering with
 * its event stream), {@code POST /runs/preflight} checks a start without making it, and {@code GET
 * /runs/{id}} shows one. Thread-safe.
 */
final class RunsResource {
  private static final Set<String> START_FIELDS =
      Set.of(
          "workflow",
          "config",
          "budget",
          "trigger_id",
          "trigger_source",
          "actor",
          "namespace",
          "thread_key",
          "labels",
          "recommendation_id",
          "run_id");
  private static final Set<String> LIST_PARAMS =
      Set.of(
          "namespace",
          "thread",
          "status",
          "created_from",
          "created_before",
          "limit",
          "cursor",
          "recommendation_id",
          "workflow",
          "label",
          "trigger_source",
          "q");

  private final RunOrchestrator orchestrator;
  private final long maxBodyBytes;
  private final WorkflowsResource workflows;
  private final EventsResource events;

  RunsResource(
      RunOrchestrator orchestrator,
      long maxBodyBytes,
      WorkflowsResource workflows,
      EventsResource events) {
    this.orchestrator = orchestrator;
    this.maxBodyBytes = maxBodyBytes;
    this.workflows = workflows;
    this.events = events;
  }

  /** {@code GET /runs}: a page of runs, newest first, filtered by the query. */
  ApiResponse list(ApiRequest req) {
    QueryParams q = new QueryParams(req, LIST_PARAMS);
    RunQuery.Builder b = RunQuery.builder();
    List<String> ns = q.all("namespace");
    if (ns.size() > 1) {
      throw ProblemException.validation(
          "namespace", "must be given once but was given " + ns.size() + " times");
    }
    if (ns.size() == 1) {
      b.namespace(ns.get(0));
    }
    q.text("thread").ifPresent(b::threadKey);
    for (String value : q.all("status")) {
      for (String name : value.split(",", -1)) {
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
    RunSearch search = RunSearch.from(q);
    search.applyTo(b);
    if (search.isPresent()) {
      return json(200, search.run(orchestrator, b), Map.of());
    }
    RunPage page = orchestrator.list(b.build());
    ObjectNode o = Json.object();
    ArrayNode runs = o.putArray("runs");
    for (RunEntry e : page.runs()) {
      runs.add(Json.entry(e));
    }
    page.nextCursor().ifPresent(c -> o.put("next_cursor", c));
    return json(200, o, Map.of());
  }

  /** {@code POST /runs}: starts a run, or finds the run its trigger id already started. */
  ApiResponse create(ApiRequest req) {
    QueryParams q = new QueryParams(req, Set.of("stream"));
    boolean stream = q.bool("stream").orElse(false);
    JsonBody body = JsonBody.read(req, maxBodyBytes, START_FIELDS, true);
    RunRequest request = runRequest(body, req, true);
    RunHandle handle = orchestrator.start(request);
    int status = handle.created() ? 201 : 200;
    Map<String, String> headers = Map.of("Location", runPath(handle.runId()));
    if (stream) {
      return events.sse(status, headers, handle.runId(), 0);
    }
    return json(status, launched(orchestrator, handle), headers);
  }

  /** {@code POST /runs/preflight}: the report a start would get, without starting. */
  ApiResponse preflight(ApiRequest req) {
    new QueryParams(req, Set.of());
    JsonBody body = JsonBody.read(req, maxBodyBytes, START_FIELDS, true);
    RunRequest request = runRequest(body, req, false);
    return json(200, Json.preflight(orchestrator.preflight(request)), Map.of());
  }

  private RunRequest runRequest(JsonBody body, ApiRequest req, boolean triggerRequired) {
    RunRequest.Builder b = RunRequest.builder();
    if (body.has("workflow")) {
      b.workflow(workflows.resolve(body));
    } else if (triggerRequired) {
      throw ProblemException.validation(
          "workflow",
          "is required, e.g. {\"name\": \"greeter\", \"version\": \"1\"}"
              + " (GET /workflows lists them)");
    }
    body.object("config").ifPresent(c -> b.config(ConfigSnapshot.of(c)));
    body.object("budget").ifPresent(n -> b.budget(Budget.fromJson(n)));
    trigger(body, req, triggerRequired).ifPresent(b::trigger);
    body.text("namespace").ifPresent(b::namespace);
    body.text("thread_key").ifPresent(b::threadKey);
    body.stringMap("labels").forEach(b::label);
    // W3C Trace Context: the caller's span becomes the parent of the run's root span
    List<String> traceparent = req.headers("traceparent");
    if (!traceparent.isEmpty()) {
      b.label(RunRecord.TRACEPARENT_LABEL, traceparent.get(0).trim());
    }
    body.text("recommendation_id").ifPresent(b::recommendationId);
    body.text("run_id").ifPresent(v -> b.runId(RunId.of(v)));
    return b.build();
  }

  /** {@code GET /runs/{id}}: the run's status, counts, usage, record and summary. */
  ApiResponse get(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    RunRecord record = orchestrator.get(id).orElseThrow(() -> new RunNotFoundException(id));
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    // a finished run answers from its list entry and the summary on its last event; folding its
    // state reads the whole log, which a run of 100,000 events must not pay for on every open
    Optional<RunEntry> entry = entry(record);
    Optional<RunSummary> summary =
        entry.flatMap(e -> Summaries.latest(orchestrator, id, e.status(), e.lastSequence()));
    if (entry.isPresent() && summary.isPresent()) {
      RunEntry e = entry.get();
      RunSummary s = summary.get();
      o.put("status", e.status().wireName());
      o.put("last_sequence", e.lastSequence());
      o.put("event_count", e.lastSequence());
      o.put("updated_at", Json.time(e.updatedAt()));
      ObjectNode usage = o.putObject("usage");
      usage.put("input_tokens", s.usage().inputTokens());
      usage.put("output_tokens", s.usage().outputTokens());
      usage.put("total_tokens", s.usage().totalTokens());
      o.put("cost", s.cost());
    } else {
      RunState state = orchestrator.state(id);
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
      summary = Summaries.latest(orchestrator, id, state.status(), state.lastSequence());
    }
    o.putRawValue("record", Json.raw(record.toJson()));
    summary.ifPresent(x -> o.putRawValue("summary", Json.raw(x.toPayload().json())));
    o.set("links", Links.ofRun(id));
    return json(200, o, Map.of());
  }

  /** The run's list entry, found through the index on namespace and creation time. */
  private Optional<RunEntry> entry(RunRecord record) {
    RunQuery q =
        RunQuery.builder()
            .namespace(record.namespace())
            .createdFrom(record.createdAt())
            .createdBefore(record.createdAt().plusNanos(1_000))
            .limit(RunQuery.MAX_LIMIT)
            .build();
    return orchestrator.list(q).runs().stream().filter(e -> e.id().equals(record.id())).findFirst();
  }
}
