package dev.runs.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Payload;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunSummary;
import dev.runs.RunsException;
import dev.runs.SequenceConflictException;
import dev.runs.StepState;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools: each reads its arguments with {@link Args}, calls the store, and answers with a
 * structured JSON result (also given as text). Anything the caller got wrong, and anything the
 * store refused, is a tool error ({@code isError}) whose structured content names the {@code
 * field}; the store is never half-written because every append is one atomic store call made after
 * all arguments were read. Thread-safe.
 */
public final class McpTools {
  private static final Logger log = LoggerFactory.getLogger(McpTools.class);

  /** Transport-context key of the authenticated principal. */
  public static final String PRINCIPAL = "runs.principal";

  private static final int MAX_QUERY_LIMIT = 1000;
  private static final int DEFAULT_QUERY_LIMIT = 100;
  private static final int MAX_SUMMARY_EVENTS = 1_000_000;

  private final RunStore store;
  private final ObjectMapper mapper;
  private final String source;
  private final int maxBatch;
  private final ToolSchemas schemas;

  /**
   * @param store the store
   * @param mapper the JSON mapper
   * @param source the {@code source} of the events the tools append
   * @param maxBatch the most events in one {@code runs_emit_event} call
   */
  public McpTools(RunStore store, ObjectMapper mapper, String source, int maxBatch) {
    this.store = store;
    this.mapper = mapper;
    this.source = source;
    this.maxBatch = maxBatch;
    this.schemas = new ToolSchemas(mapper);
  }

  /**
   * @return the tool specifications
   */
  public List<SyncToolSpecification> specifications() {
    return List.of(
        tool(
            "runs_create_run",
            "Create a run from an explicit action (trigger source mcp) and start it; the same"
                + " trigger_id returns the same run. Returns run_id and status.",
            schemas.createRun(),
            false,
            this::createRun),
        tool(
            "runs_emit_event",
            "Append one event or a batch atomically to a run; returns each event's sequence. An"
                + " idempotency_key makes a retry return the first event instead of writing again."
                + " Core types have required fields (see the schema); host types are"
                + " x.<namespace>.<name>. End the run with run.completed or run.failed.",
            schemas.emit(maxBatch),
            false,
            this::emit),
        tool(
            "runs_get_state",
            "A run's state folded from its events: status, last sequence, counts by type, steps,"
                + " token usage and cost.",
            schemas.runOnly(),
            true,
            a -> state(runId(a))),
        tool(
            "runs_query_events",
            "A run's events after a sequence, optionally of some types only, in sequence order.",
            schemas.query(MAX_QUERY_LIMIT),
            true,
            this::query),
        tool(
            "runs_list_runs",
            "Runs, newest first, by namespace, thread, workflow, labels and status, with a cursor"
                + " for the next page.",
            schemas.list(),
            true,
            this::list),
        tool(
            "runs_cancel",
            "Cancel a run that has not ended (appends run.cancelled with the reason).",
            schemas.cancel(),
            false,
            this::cancel),
        tool(
            "runs_resume_info",
            "What an agent needs to pick up a run it (or another agent) left: whether it can be"
                + " resumed (failed, cancelled or interrupted: emit run.resumed first), the steps"
                + " already done with their recorded outputs (skip them), the unfinished steps with"
                + " the attempt number to re-run them under, and the checkpoints.",
            schemas.runOnly(),
            true,
            a -> resumeInfo(runId(a))),
        tool(
            "runs_summary",
            "A run's summary: durations, counts by type and step, usage, cost, errors, artifacts.",
            schemas.runOnly(),
            true,
            a -> summary(runId(a))));
  }

  private SyncToolSpecification tool(
      String name,
      String description,
      ObjectNode schema,
      boolean readOnly,
      Function<Call, ObjectNode> body) {
    @SuppressWarnings("unchecked")
    Map<String, Object> inputSchema = mapper.convertValue(schema, Map.class);
    McpSchema.Tool tool =
        McpSchema.Tool.builder(name, inputSchema)
            .description(description)
            .annotations(
                McpSchema.ToolAnnotations.builder()
                    .readOnlyHint(readOnly)
                    .destructiveHint(false)
                    .idempotentHint(readOnly)
                    .openWorldHint(false)
                    .build())
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler((exchange, request) -> call(name, exchange, request, body))
        .build();
  }

  private CallToolResult call(
      String name,
      McpSyncServerExchange exchange,
      CallToolRequest request,
      Function<Call, ObjectNode> body) {
    ObjectNode args =
        request.arguments() == null
            ? mapper.createObjectNode()
            : mapper.valueToTree(request.arguments());
    Optional<String> principal = principal(exchange);
    try {
      return ok(body.apply(new Call(new Args(args, ""), principal)));
    } catch (ValidationException e) {
      return error("validation", e.field(), e.getMessage());
    } catch (RunNotFoundException e) {
      return error("not_found", "run_id", e.getMessage());
    } catch (RunAlreadyExistsException e) {
      return error("conflict", "run_id", e.getMessage());
    } catch (SequenceConflictException e) {
      return error("sequence_conflict", "expected_last_sequence", e.getMessage());
    } catch (IllegalTransitionException e) {
      return error("illegal_transition", "type", e.getMessage());
    } catch (RunsException e) {
      log.debug("mcp tool {} - refused: {}", name, e.toString());
      return error("refused", "", e.getMessage());
    } catch (IllegalArgumentException e) {
      return error("validation", "", e.getMessage());
    }
  }

  private static Optional<String> principal(McpSyncServerExchange exchange) {
    McpTransportContext c = exchange.transportContext();
    Object p = c == null ? null : c.get(PRINCIPAL);
    return p instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private CallToolResult ok(ObjectNode result) {
    return CallToolResult.builder()
        .structuredContent(mapper.convertValue(result, Map.class))
        .addTextContent(result.toString())
        .isError(false)
        .build();
  }

  private CallToolResult error(String kind, String field, @Nullable String message) {
    ObjectNode o = mapper.createObjectNode();
    o.put("error", kind);
    o.put("field", field);
    o.put("message", message == null ? kind : message);
    return CallToolResult.builder()
        .structuredContent(mapper.convertValue(o, Map.class))
        .addTextContent((field.isEmpty() ? "" : field + ": ") + (message == null ? kind : message))
        .isError(true)
        .build();
  }

  /** The arguments and the caller of one call. */
  record Call(Args args, Optional<String> principal) {}

  private static RunId runId(Call c) {
    return runId(c.args());
  }

  private static RunId runId(Args a) {
    String v = a.requiredText("run_id", "the run, e.g. acme/0190f0c4-...");
    try {
      return RunId.of(v);
    } catch (ValidationException e) {
      throw new ValidationException(a.field("run_id"), e.rule());
    }
  }

  // ---- tools

  private ObjectNode createRun(Call c) {
    Args a =
        c.args()
            .only(
                Set.of(
                    "workflow",
                    "workflow_version",
                    "trigger_id",
                    "namespace",
                    "thread_key",
                    "actor",
                    "run_id",
                    "config",
                    "labels",
                    "start"));
    String workflow = a.requiredText("workflow", "the workflow or agent name");
    String version = a.text("workflow_version").orElse("1");
    String triggerId =
        a.requiredText("trigger_id", "every run starts from an explicit action with a unique id");
    Optional<String> actor = a.text("actor");
    if (c.principal().isPresent()) {
      if (actor.isPresent() && !actor.get().equals(c.principal().get())) {
        throw new ValidationException(
            "actor", "must be absent or equal the authenticated principal");
      }
      actor = c.principal();
    }
    Trigger trigger;
    try {
      trigger = new Trigger(TriggerSource.MCP, triggerId, actor, Instant.now());
    } catch (ValidationException e) {
      // the trigger names its own fields (trigger.trigger_id, trigger.actor); say the argument's
      throw new ValidationException(e.field().endsWith("actor") ? "actor" : "trigger_id", e.rule());
    }
    ConfigSnapshot config =
        a.object("config").map(ConfigSnapshot::of).orElse(ConfigSnapshot.empty());
    WorkflowRef ref;
    try {
      ref = WorkflowRef.of(workflow, version);
    } catch (ValidationException e) {
      // the record names its own fields (workflow.name, workflow.version); say the argument's
      throw new ValidationException(
          e.field().endsWith("version") ? "workflow_version" : "workflow", e.rule());
    }
    RunRecord.Builder b = RunRecord.builder(ref, config, trigger);
    if (a.has("run_id")) {
      b.id(runId(a));
    }
    a.text("namespace").ifPresent(b::namespace);
    a.text("thread_key").ifPresent(b::threadKey);
    eachLabel(a, b::label);
    boolean start = a.bool("start").orElse(true);
    RunRecord record = b.build();
    CreateResult created = store.create(record);
    RunId id = created.record().id();
    if (start) {
      RunEntry entry = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
      if (entry.status() == RunStatus.CREATED) {
        store.append(
            id,
            EventDraft.of(EventTypes.RUN_STARTED)
                .withSource(source)
                .withIdempotencyKey("mcp:run.started"));
      }
    }
    RunEntry entry = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    o.put("created", created.created());
    o.put("status", entry.status().wireName());
    o.put("last_sequence", entry.lastSequence());
    o.put("resource", McpResources.runUri(id));
    return o;
  }

  private ObjectNode emit(Call c) {
    List<String> known = new ArrayList<>(ToolSchemas.DRAFT_FIELDS);
    known.add("run_id");
    known.add("events");
    known.add("expected_last_sequence");
    Args a = c.args().only(Set.copyOf(known));
    RunId id = runId(a);
    List<EventDraft> drafts = new ArrayList<>();
    if (a.has("events")) {
      for (String f : ToolSchemas.DRAFT_FIELDS) {
        if (a.has(f)) {
          throw new ValidationException(
              f, "give one event at the top level or a batch in events, not both");
        }
      }
      List<JsonNode> items = a.array("events", 1, maxBatch);
      for (int i = 0; i < items.size(); i++) {
        String prefix = "events[" + i + "].";
        JsonNode item = items.get(i);
        if (!item.isObject()) {
          throw new ValidationException("events[" + i + "]", "must be a JSON object");
        }
        Args ia = new Args((ObjectNode) item, prefix).only(Set.copyOf(ToolSchemas.DRAFT_FIELDS));
        drafts.add(draft(ia));
      }
    } else {
      drafts.add(draft(a));
    }
    ExpectedSequence expected =
        a.integer("expected_last_sequence", 0, Long.MAX_VALUE)
            .map(ExpectedSequence::of)
            .orElse(ExpectedSequence.any());
    List<RunEvent> written;
    try {
      written = store.append(id, drafts, expected);
    } catch (ValidationException e) {
      throw new ValidationException(fieldOf(e, drafts.size(), a.has("events")), e.rule());
    }
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    ArrayNode events = o.putArray("events");
    long last = 0;
    for (RunEvent e : written) {
      ObjectNode ev = events.addObject();
      ev.put("sequence", e.sequence());
      ev.put("event_id", e.eventId().value());
      ev.put("type", e.type().name());
      last = Math.max(last, e.sequence());
    }
    o.put("last_sequence", last);
    return o;
  }

  private static final java.util.regex.Pattern POSITION =
      java.util.regex.Pattern.compile(" event (\\d+) of (\\d+) ");

  /** Prefixes the store's field with the batch position its message names ("event 3 of 5"). */
  private static String fieldOf(ValidationException e, int size, boolean batch) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    java.util.regex.Matcher p = POSITION.matcher(m);
    if (!batch || !p.find()) {
      return e.field();
    }
    int i = Integer.parseInt(p.group(1)) - 1;
    return i >= 0 && i < size ? "events[" + i + "]." + e.field() : e.field();
  }

  private EventDraft draft(Args a) {
    String typeName = a.requiredText("type", "the event type, e.g. tool.call.started");
    EventType type;
    try {
      type = EventType.of(typeName);
    } catch (ValidationException e) {
      throw new ValidationException(a.field("type"), e.rule());
    }
    ObjectNode payload = a.object("payload").orElse(mapper.createObjectNode());
    EventDraft d;
    try {
      d = EventDraft.of(type, Payload.of(payload)).withSource(source);
      Optional<String> step = a.text("step_id");
      if (step.isPresent()) {
        d = d.withStep(step.get());
      }
      Optional<Long> attempt = a.integer("attempt", 1, Integer.MAX_VALUE);
      if (attempt.isPresent()) {
        d = d.withAttempt(attempt.get().intValue());
      }
      Optional<String> parent = a.text("parent_event_id");
      if (parent.isPresent()) {
        EventId parentId;
        try {
          parentId = EventId.of(parent.get());
        } catch (ValidationException e) {
          throw new ValidationException("parent_event_id", e.rule());
        }
        d = d.withParent(parentId);
      }
      Optional<String> key = a.text("idempotency_key");
      if (key.isPresent()) {
        d = d.withIdempotencyKey(key.get());
      }
    } catch (ValidationException e) {
      String f = e.field().startsWith(a.field("")) ? e.field() : a.field(e.field());
      throw new ValidationException(f, e.rule());
    }
    return d;
  }

  private ObjectNode state(RunId id) {
    return stateJson(mapper, store.state(id));
  }

  static ObjectNode stateJson(ObjectMapper mapper, RunState s) {
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", s.runId().value());
    o.put("status", s.status().wireName());
    o.put("last_sequence", s.lastSequence());
    o.put("event_count", s.eventCount());
    s.currentStep().ifPresent(v -> o.put("current_step", v));
    ObjectNode steps = o.putObject("steps");
    for (Map.Entry<String, StepState> e : s.steps().entrySet()) {
      ObjectNode st = steps.putObject(e.getKey());
      st.put("attempt", e.getValue().attempt());
      st.put("status", e.getValue().status().name().toLowerCase(java.util.Locale.ROOT));
    }
    ObjectNode checkpoints = o.putObject("checkpoints");
    s.checkpoints().forEach(checkpoints::put);
    ObjectNode counts = o.putObject("counts_by_type");
    s.countsByType().forEach(counts::put);
    ObjectNode usage = o.putObject("usage");
    usage.put("input_tokens", s.usage().inputTokens());
    usage.put("output_tokens", s.usage().outputTokens());
    o.put("cost", s.cost());
    s.firstEventTime().ifPresent(t -> o.put("first_event_time", t.toString()));
    s.lastEventTime().ifPresent(t -> o.put("last_event_time", t.toString()));
    return o;
  }

  private ObjectNode query(Call c) {
    Args a = c.args().only(Set.of("run_id", "after", "limit", "types"));
    RunId id = runId(a);
    long after = a.integer("after", 0, Long.MAX_VALUE).orElse(0L);
    int limit =
        a.integer("limit", 1, MAX_QUERY_LIMIT).orElse((long) DEFAULT_QUERY_LIMIT).intValue();
    List<String> typeNames = a.texts("types", 100);
    Set<String> types = Set.copyOf(typeNames);
    for (int i = 0; i < typeNames.size(); i++) {
      try {
        EventType.of(typeNames.get(i));
      } catch (ValidationException e) {
        throw new ValidationException("types[" + i + "]", e.rule());
      }
    }
    return eventsJson(mapper, store, id, after, limit, types);
  }

  static ObjectNode eventsJson(
      ObjectMapper mapper, RunStore store, RunId id, long after, int limit, Set<String> types) {
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    ArrayNode events = o.putArray("events");
    long scanned = after;
    boolean more = false;
    try (EventStream it = store.read(id, after)) {
      while (it.hasNext()) {
        if (events.size() >= limit) {
          more = true;
          break;
        }
        RunEvent e = it.next();
        scanned = e.sequence();
        if (types.isEmpty() || types.contains(e.type().name())) {
          events.add(parse(mapper, EventCodec.encode(e)));
        }
      }
    }
    o.put("next_after", scanned);
    o.put("more", more);
    return o;
  }

  private static JsonNode parse(ObjectMapper mapper, String json) {
    try {
      return mapper.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("the store wrote an event that is not JSON", e);
    }
  }

  private ObjectNode list(Call c) {
    Args a =
        c.args()
            .only(
                Set.of(
                    "namespace",
                    "thread_key",
                    "workflow",
                    "workflow_version",
                    "labels",
                    "status",
                    "limit",
                    "cursor"));
    RunQuery.Builder b = RunQuery.builder();
    a.text("namespace").ifPresent(b::namespace);
    a.text("thread_key").ifPresent(b::threadKey);
    Optional<String> workflow = a.text("workflow");
    Optional<String> version = a.text("workflow_version");
    if (version.isPresent() && workflow.isEmpty()) {
      throw new ValidationException("workflow_version", "needs workflow");
    }
    try {
      if (workflow.isPresent()) {
        if (version.isPresent()) {
          b.workflow(workflow.get(), version.get());
        } else {
          b.workflow(workflow.get());
        }
      }
    } catch (ValidationException e) {
      throw new ValidationException(
          e.field().equals("workflowVersion") ? "workflow_version" : "workflow", e.rule());
    }
    eachLabel(a, b::label);
    List<String> statuses = a.texts("status", 20);
    for (int i = 0; i < statuses.size(); i++) {
      try {
        b.status(RunStatus.fromWireName(statuses.get(i)));
      } catch (ValidationException e) {
        throw new ValidationException("status[" + i + "]", e.rule());
      }
    }
    a.integer("limit", 1, RunQuery.MAX_LIMIT).ifPresent(l -> b.limit(l.intValue()));
    a.text("cursor").ifPresent(b::cursor);
    return runsJson(mapper, store.list(b.build()));
  }

  /** Hands each entry of the {@code labels} argument to {@code put}; every value must be text. */
  private static void eachLabel(Args a, java.util.function.BiConsumer<String, String> put) {
    Optional<ObjectNode> labels = a.object("labels");
    if (labels.isEmpty()) {
      return;
    }
    for (Map.Entry<String, JsonNode> e : labels.get().properties()) {
      if (!e.getValue().isTextual()) {
        throw new ValidationException("labels." + e.getKey(), "must be a string");
      }
      put.accept(e.getKey(), e.getValue().textValue());
    }
  }

  static ObjectNode runsJson(ObjectMapper mapper, RunPage page) {
    ObjectNode o = mapper.createObjectNode();
    ArrayNode runs = o.putArray("runs");
    for (RunEntry e : page.runs()) {
      ObjectNode r = runs.addObject();
      r.put("run_id", e.record().id().value());
      r.put("status", e.status().wireName());
      r.put("last_sequence", e.lastSequence());
      r.put("updated_at", e.updatedAt().toString());
      r.put("workflow", e.record().workflow().name());
      r.put("workflow_version", e.record().workflow().version());
      r.put("created_at", e.record().createdAt().toString());
      e.record().threadKey().ifPresent(t -> r.put("thread_key", t));
    }
    page.nextCursor().ifPresent(cur -> o.put("next_cursor", cur));
    return o;
  }

  private ObjectNode cancel(Call c) {
    Args a = c.args().only(Set.of("run_id", "reason"));
    RunId id = runId(a);
    String reason = a.requiredText("reason", "why the run is cancelled");
    if (reason.isBlank()) {
      throw new ValidationException("reason", "must not be blank");
    }
    RunEvent e =
        store.append(
            id,
            EventDraft.of(EventTypes.RUN_CANCELLED, Payload.of(Map.of("reason", reason)))
                .withSource(source));
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    o.put("status", RunStatus.CANCELLED.wireName());
    o.put("sequence", e.sequence());
    return o;
  }

  private ObjectNode resumeInfo(RunId id) {
    RunState s = store.state(id);
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    o.put("status", s.status().wireName());
    o.put("last_sequence", s.lastSequence());
    boolean resumable = s.status().isResumable();
    o.put("resumable", resumable);
    if (resumable) {
      o.put("resume_with", EventTypes.RUN_RESUMED.name());
    }
    o.put("next", resumeHint(s.status()));
    ArrayNode done = o.putArray("done_steps");
    ArrayNode open = o.putArray("unfinished_steps");
    for (StepState st : s.steps().values()) {
      String status = st.status().name().toLowerCase(java.util.Locale.ROOT);
      if (st.status() == StepState.Status.COMPLETED || st.status() == StepState.Status.SKIPPED) {
        ObjectNode d = done.addObject();
        d.put("step_id", st.stepId());
        d.put("attempt", st.attempt());
        d.put("status", status);
        st.completion()
            .ifPresent(
                e -> {
                  d.put("sequence", e.sequence());
                  ObjectNode payload = e.payload().toJsonNode();
                  JsonNode output = payload.get("output");
                  if (output != null) {
                    d.set("output", output);
                  }
                  if (payload.path("output_redacted").asBoolean(false)) {
                    d.put("output_redacted", true);
                  }
                });
      } else {
        ObjectNode u = open.addObject();
        u.put("step_id", st.stepId());
        u.put("attempt", st.attempt());
        u.put("status", status);
        u.put("next_attempt", st.attempt() + 1);
      }
    }
    ObjectNode checkpoints = o.putObject("checkpoints");
    s.checkpoints().forEach(checkpoints::put);
    s.checkpoints().entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .ifPresent(e -> o.put("last_checkpoint", e.getKey()));
    return o;
  }

  private static String resumeHint(RunStatus status) {
    if (status.isResumable()) {
      return "emit run.resumed, skip done_steps (their outputs are recorded), re-run each"
          + " unfinished step with attempt next_attempt";
    }
    if (status.isTerminal()) {
      return "the run has ended and cannot be resumed; start a new run with runs_create_run";
    }
    return "the run has not ended; continue it (re-run unfinished steps with attempt"
        + " next_attempt) or cancel it with runs_cancel";
  }

  private ObjectNode summary(RunId id) {
    RunRecord record = store.get(id).orElseThrow(() -> new RunNotFoundException(id));
    List<RunEvent> events = new ArrayList<>();
    try (EventStream stream = store.read(id, 0)) {
      while (stream.hasNext()) {
        RunEvent e = stream.next();
        if (events.size() >= MAX_SUMMARY_EVENTS) {
          throw new ValidationException(
              "run_id", "has more than " + MAX_SUMMARY_EVENTS + " events; query them instead");
        }
        events.add(e);
      }
    }
    RunSummary s = RunSummary.from(record, events);
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    o.set("summary", s.toPayload().toJsonNode());
    return o;
  }
}
