package dev.runs.mcp;

import static dev.runs.mcp.McpAgent.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStore;
import dev.runs.StepState;
import dev.runs.TriggerSource;
import dev.runs.testkit.ChildJvm;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The scripted agent of issue 17, run over each transport by a subclass: it creates a run, emits
 * 30+ events of 10+ types concurrently from {@value #CLIENTS} client connections (sequences
 * gapless), subscribes to the run's state and receives updates another process wrote, hits every
 * validation error, reads the state back equal to {@link RunStore#state}, and reads what it needs
 * to resume a run.
 */
abstract class AgentScenario {
  static final int CLIENTS = 4;
  static final int CALLS_PER_CLIENT = 6;

  /** The tools every transport lists. */
  static final List<String> TOOLS =
      List.of(
          "runs_create_run",
          "runs_emit_event",
          "runs_get_state",
          "runs_query_events",
          "runs_list_runs",
          "runs_cancel",
          "runs_resume_info",
          "runs_summary");

  private final List<McpAgent> agents = new ArrayList<>();

  /** The URI of the store the servers write to, a file another process can open. */
  abstract String storeUri();

  /** The test's own handle on that store. */
  abstract RunStore store();

  /** A new client connection to a server over the store. */
  abstract McpAgent connect();

  /** The principal the transport authenticates the agents as, if any. */
  abstract Optional<String> principal();

  final McpAgent agent() {
    McpAgent a = connect();
    agents.add(a);
    return a;
  }

  /** Closes the agents this test opened; call it before stopping the servers. */
  final void closeAgents() {
    agents.forEach(McpAgent::close);
    agents.clear();
  }

  /** The events one client emits in call {@code call}: 10+ types over the calls. */
  private static ObjectNode emitArgs(String runId, int client, int call) {
    String k = "c" + client + "-" + call;
    String step = "work/c" + client + "-" + call;
    List<ObjectNode> events =
        switch (call % 3) {
          case 0 ->
              List.of(
                  ev("step.started", k + "-s", obj()).put("step_id", step).put("attempt", 1),
                  ev("model.generation.started", k + "-m1", obj("provider", "p", "model", "m")),
                  ev(
                      "model.generation.completed",
                      k + "-m2",
                      obj(
                          "provider",
                          "p",
                          "model",
                          "m",
                          "usage",
                          Map.of("input_tokens", 10, "output_tokens", 5),
                          "cost",
                          0.25)),
                  ev("step.completed", k + "-c", obj()).put("step_id", step).put("attempt", 1));
          case 1 ->
              List.of(
                  ev("tool.call.started", k + "-t1", obj("tool_name", "search")),
                  ev("tool.call.completed", k + "-t2", obj("tool_name", "search")),
                  ev("agent.handoff", k + "-h", obj("from_agent", "a", "to_agent", "b")),
                  ev(
                      "guardrail.checked",
                      k + "-g",
                      obj("name", "pii", "stage", "input", "verdict", "passed")));
          default ->
              List.of(
                  ev("console.line", k + "-l", obj("stream", "stdout", "text", "hello")),
                  ev("decision.recorded", k + "-d", obj("decision", "go")),
                  ev("checkpoint.saved", k + "-cp", obj("checkpoint_id", k)),
                  ev("x.acme.note", k + "-x", obj("note", "anything")));
        };
    if (call == 4) {
      // one single-event call at the top level
      ObjectNode single = events.get(0).deepCopy();
      single.put("run_id", runId);
      return single;
    }
    ObjectNode a = obj("run_id", runId);
    a.putArray("events").addAll(events);
    return a;
  }

  private static ObjectNode ev(String type, String key, ObjectNode payload) {
    ObjectNode e = obj("type", type, "idempotency_key", key);
    e.set("payload", payload);
    return e;
  }

  @Test
  void agent_createsEmitsConcurrentlySubscribesAndReadsStateBack() throws Exception {
    RunStore store = store();
    String uri = storeUri();
    McpAgent first = agent();
    assertThat(first.client.listTools().tools())
        .extracting(McpSchema.Tool::name)
        .containsExactlyInAnyOrderElementsOf(TOOLS);

    JsonNode created =
        first.call(
            "runs_create_run",
            obj(
                "workflow",
                "researcher",
                "trigger_id",
                "click-1",
                "namespace",
                "acme/lab",
                "config",
                Map.of("model", "m")));
    String runId = created.path("run_id").asText();
    assertThat(created.path("status").asText()).isEqualTo("running");
    assertThat(created.path("created").asBoolean()).isTrue();
    RunRecord record = store.get(RunId.of(runId)).orElseThrow();
    assertThat(record.trigger().source()).isEqualTo(TriggerSource.MCP);
    assertThat(record.trigger().actor()).isEqualTo(principal());
    // the same trigger id again: the same run, nothing written
    JsonNode again =
        first.call("runs_create_run", obj("workflow", "researcher", "trigger_id", "click-1"));
    assertThat(again.path("run_id").asText()).isEqualTo(runId);
    assertThat(again.path("created").asBoolean()).isFalse();
    assertThat(again.path("last_sequence").asLong()).isEqualTo(2);

    // subscribe before the writes, on a client of its own
    McpAgent watcher = agent();
    String runUri = "runs://run/" + runId.replace("/", "%2F");
    watcher.client.subscribeResource(McpSchema.SubscribeRequest.builder(runUri + "/state").build());

    // 4 clients emit concurrently
    List<McpAgent> writers = new ArrayList<>(List.of(first));
    for (int i = 1; i < CLIENTS; i++) {
      writers.add(agent());
    }
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      McpAgent a = writers.get(c);
      results.add(
          pool.submit(
              () -> {
                List<Long> seqs = new ArrayList<>();
                for (int call = 0; call < CALLS_PER_CLIENT; call++) {
                  JsonNode r = a.call("runs_emit_event", emitArgs(runId, client, call));
                  r.path("events").forEach(e -> seqs.add(e.path("sequence").asLong()));
                }
                return seqs;
              }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<List<Long>> f : results) {
      all.addAll(f.get());
    }
    pool.shutdown();
    // gapless: the returned sequences are exactly 3..N, each once
    assertThat(all).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(30);
    long last = 2L + all.size();
    assertThat(new TreeSet<>(all)).containsExactlyElementsOf(range(3, last));
    List<RunEvent> stored = store.read(RunId.of(runId), 0, 10_000);
    assertThat(stored).extracting(RunEvent::sequence).containsExactlyElementsOf(range(1, last));
    Set<String> types = new HashSet<>();
    stored.forEach(e -> types.add(e.type().name()));
    assertThat(types).hasSizeGreaterThanOrEqualTo(12);
    assertThat(stored.get(5).source()).isEqualTo("mcp");

    // a retry with the same idempotency key returns the first event and writes nothing
    JsonNode retry = first.call("runs_emit_event", emitArgs(runId, 0, 0));
    assertThat(retry.path("events").get(0).path("sequence").asLong())
        .isEqualTo(sequenceOfKey(stored, "c0-0-s"));
    assertThat(store.entry(RunId.of(runId)).orElseThrow().lastSequence()).isEqualTo(last);

    // another process appends to the same file; the subscribed client hears of it
    try (ChildJvm child = ChildJvm.builder(ExternalAppender.class).args(uri, runId, "3").start()) {
      child.awaitLine("APPENDED " + (last + 3), Duration.ofSeconds(90));
      child.awaitSuccess(Duration.ofSeconds(30));
    }
    long external = last + 3;
    Waits.until(
        "a state update with last_sequence " + external,
        Duration.ofSeconds(30),
        () ->
            watcher.updates.stream()
                .anyMatch(
                    c ->
                        c.uri().equals(runUri + "/state")
                            && McpAgent.text(c).path("last_sequence").asLong() == external));

    // the state read back equals the store's fold
    JsonNode state = watcher.call("runs_get_state", obj("run_id", runId));
    RunState expected = store.state(RunId.of(runId));
    assertStateEquals(state, expected);
    assertThat(expected.steps()).isNotEmpty();
    assertThat(expected.checkpoints()).isNotEmpty();
    assertThat(watcher.read(runUri + "/state")).isEqualTo(state);

    // queries, lists, resources, summary, and the end of the run
    JsonNode tools =
        first.call(
            "runs_query_events",
            obj("run_id", runId, "types", List.of("tool.call.started"), "limit", 1000));
    assertThat(tools.path("events").size())
        .isEqualTo(expected.count(dev.runs.EventType.of("tool.call.started")));
    JsonNode page = first.call("runs_query_events", obj("run_id", runId, "after", 2, "limit", 5));
    assertThat(page.path("events").get(0).path("sequence").asLong()).isEqualTo(3);
    assertThat(page.path("more").asBoolean()).isTrue();
    JsonNode listed =
        first.call("runs_list_runs", obj("namespace", "acme/lab", "status", List.of("running")));
    assertThat(listed.path("runs").get(0).path("run_id").asText()).isEqualTo(runId);
    assertThat(first.read("runs://runs/acme%2Flab").path("runs").size()).isEqualTo(1);
    assertThat(first.read(runUri).path("record").path("workflow").path("name").asText())
        .isEqualTo("researcher");
    assertThat(first.read(runUri + "/events").path("events").size()).isEqualTo((int) external);
    first.call(
        "runs_emit_event", obj("run_id", runId, "type", "run.completed", "payload", Map.of()));
    JsonNode summary = first.call("runs_summary", obj("run_id", runId));
    assertThat(summary.path("summary").isObject()).isTrue();
    assertThat(store.state(RunId.of(runId)).status().wireName()).isEqualTo("completed");
  }

  @Test
  void everyValidationError_isAToolErrorNamingTheField_andWritesNothing() {
    RunStore store = store();
    McpAgent a = agent();
    String runId =
        a.call("runs_create_run", obj("workflow", "w", "trigger_id", "t-1"))
            .path("run_id")
            .asText();
    long before = store.entry(RunId.of(runId)).orElseThrow().lastSequence();
    String parent = store.read(RunId.of(runId), 0, 1).get(0).eventId().value();

    record Case(String tool, ObjectNode args, String field) {}
    ObjectNode goodEvent = ev("console.line", "k", obj("stream", "stdout", "text", "x"));
    ObjectNode badItem = ev("tool.call.started", "k2", obj());
    ObjectNode batchWithBadSecond = obj("run_id", runId);
    batchWithBadSecond.putArray("events").add(goodEvent).add(badItem);
    ObjectNode batchWithUnknown = obj("run_id", runId);
    batchWithUnknown.putArray("events").add(goodEvent.deepCopy().put("colour", "red"));
    ObjectNode bothForms = obj("run_id", runId, "type", "console.line");
    bothForms.putArray("events").add(goodEvent);
    ObjectNode emptyBatch = obj("run_id", runId);
    emptyBatch.putArray("events");
    ObjectNode notObjectItem = obj("run_id", runId);
    notObjectItem.putArray("events").add(3);
    ObjectNode overBatch = obj("run_id", runId);
    for (int i = 0; i <= RunsMcpServer.DEFAULT_MAX_BATCH_EVENTS; i++) {
      overBatch.withArray("events").add(goodEvent);
    }
    List<Case> cases =
        new ArrayList<>(
            List.of(
                new Case("runs_create_run", obj("trigger_id", "t-2"), "workflow"),
                new Case("runs_create_run", obj("workflow", "w"), "trigger_id"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-3", "run_id", "Bad Id"),
                    "run_id"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-4", "colour", 1),
                    "colour"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-5", "labels", Map.of("k", 1)),
                    "labels.k"),
                new Case("runs_create_run", obj("workflow", 7, "trigger_id", "t-7"), "workflow"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-8", "start", "yes"),
                    "start"),
                new Case("runs_emit_event", obj("type", "console.line"), "run_id"),
                new Case(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        "acme/nope",
                        "type",
                        "console.line",
                        "payload",
                        Map.of("stream", "o", "text", "t")),
                    "run_id"),
                new Case("runs_emit_event", obj("run_id", runId), "type"),
                new Case("runs_emit_event", obj("run_id", runId, "type", "Not A Type"), "type"),
                new Case("runs_emit_event", obj("run_id", runId, "type", "made.up"), "type"),
                new Case("runs_emit_event", obj("run_id", runId, "type", "run.created"), "type"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "tool.call.started", "payload", Map.of()),
                    "payload.tool_name"),
                new Case(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        runId,
                        "type",
                        "guardrail.checked",
                        "payload",
                        Map.of("name", "n", "stage", "middle", "verdict", "passed")),
                    "payload.stage"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "step.started", "attempt", 1),
                    "step_id"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "step.started", "step_id", "s"),
                    "attempt"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "console.line", "attempt", 0),
                    "attempt"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "console.line", "step_id", "a//b"),
                    "step_id"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "console.line", "parent_event_id", "nope"),
                    "parent_event_id"),
                new Case(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        runId,
                        "type",
                        "console.line",
                        "idempotency_key",
                        "k".repeat(201)),
                    "idempotency_key"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "console.line", "payload", "text"),
                    "payload"),
                new Case("runs_emit_event", batchWithBadSecond, "events[1].payload.tool_name"),
                new Case("runs_emit_event", batchWithUnknown, "events[0].colour"),
                new Case("runs_emit_event", bothForms, "type"),
                new Case("runs_emit_event", emptyBatch, "events"),
                new Case("runs_emit_event", notObjectItem, "events[0]"),
                new Case(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        runId,
                        "type",
                        "console.line",
                        "payload",
                        Map.of("stream", "o", "text", "t"),
                        "expected_last_sequence",
                        1),
                    "expected_last_sequence"),
                new Case("runs_emit_event", obj("run_id", runId, "type", "run.queued"), "type"),
                new Case("runs_get_state", obj(), "run_id"),
                new Case("runs_get_state", obj("run_id", "acme/missing"), "run_id"),
                new Case("runs_query_events", obj("run_id", runId, "limit", 0), "limit"),
                new Case("runs_query_events", obj("run_id", runId, "after", -1), "after"),
                new Case(
                    "runs_query_events", obj("run_id", runId, "types", List.of("BAD")), "types[0]"),
                new Case("runs_list_runs", obj("status", List.of("sleeping")), "status[0]"),
                new Case("runs_list_runs", obj("limit", 100_000), "limit"),
                new Case("runs_cancel", obj("run_id", runId), "reason"),
                new Case("runs_cancel", obj("run_id", runId, "reason", " "), "reason"),
                new Case("runs_summary", obj("run_id", "acme/missing"), "run_id"),
                new Case("runs_resume_info", obj("run_id", "acme/missing"), "run_id"),
                new Case("runs_resume_info", obj(), "run_id"),
                // a run id taken by a run with another trigger
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-9", "run_id", runId),
                    "run_id"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-10", "config", "model=m"),
                    "config"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-11", "namespace", "Not A Namespace"),
                    "namespace"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-12", "thread_key", ""),
                    "thread_key"),
                new Case(
                    "runs_create_run",
                    obj("workflow", "w", "trigger_id", "t-13", "workflow_version", ""),
                    "workflow_version"),
                new Case("runs_create_run", obj("workflow", "w", "trigger_id", ""), "trigger_id"),
                new Case(
                    "runs_emit_event", obj("run_id", "Bad Id", "type", "console.line"), "run_id"),
                new Case(
                    "runs_emit_event",
                    obj("run_id", runId, "type", "console.line", "attempt", "one"),
                    "attempt"),
                new Case("runs_emit_event", overBatch, "events"),
                // the SDK reads an exponent beyond a double's range as infinity, which no JSON
                // holds
                new Case(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        runId,
                        "type",
                        "x.measured",
                        "payload",
                        Map.of("n", new java.math.BigDecimal("1e400"))),
                    "payload.n"),
                new Case(
                    "runs_query_events",
                    obj("run_id", runId, "types", "tool.call.started"),
                    "types"),
                new Case("runs_query_events", obj("run_id", runId, "after", "3"), "after"),
                new Case("runs_list_runs", obj("namespace", "Not A Namespace"), "namespace"),
                new Case("runs_list_runs", obj("cursor", "not-a-cursor"), "cursor"),
                new Case("runs_list_runs", obj("colour", "red"), "colour"),
                new Case(
                    "runs_cancel", obj("run_id", runId, "reason", "r", "force", true), "force")));
    if (principal().isPresent()) {
      cases.add(
          new Case(
              "runs_create_run",
              obj("workflow", "w", "trigger_id", "t-6", "actor", "mallory"),
              "actor"));
    }
    for (Case c : cases) {
      JsonNode error = a.fail(c.tool(), c.args());
      assertThat(error.path("field").asText())
          .as("%s %s: %s", c.tool(), c.args(), error)
          .isEqualTo(c.field());
      assertThat(error.path("message").asText()).as("%s", error).isNotBlank();
    }
    assertThat(store.entry(RunId.of(runId)).orElseThrow().lastSequence()).isEqualTo(before);
    assertThat(store.list(dev.runs.RunQuery.all()).runs()).hasSize(1);
    // a parent that exists is accepted; then the run ends and refuses more work
    a.call(
        "runs_emit_event",
        obj(
            "run_id",
            runId,
            "type",
            "console.line",
            "parent_event_id",
            parent,
            "payload",
            Map.of("stream", "o", "text", "t")));
    // the store's redactor applies to what agents send
    long redacted =
        a.call(
                "runs_emit_event",
                obj(
                    "run_id",
                    runId,
                    "type",
                    "x.acme.login",
                    "payload",
                    Map.of("user", "ada", "password", "hunter2-hunter2")))
            .path("last_sequence")
            .asLong();
    RunEvent stored = store.read(RunId.of(runId), redacted - 1, 1).get(0);
    assertThat(stored.payload().json()).contains("ada").doesNotContain("hunter2");
    a.call("runs_cancel", obj("run_id", runId, "reason", "user stopped it"));
    assertThat(
            a.fail(
                    "runs_emit_event",
                    obj(
                        "run_id",
                        runId,
                        "type",
                        "console.line",
                        "payload",
                        Map.of("stream", "o", "text", "t")))
                .path("error")
                .asText())
        .isEqualTo("illegal_transition");
    // a resource that names no run is a protocol error, not a crash
    assertThatThrownBy(() -> a.read("runs://run/acme%2Fmissing/state"))
        .hasMessageContaining("acme/missing");
    assertThat(a.call("runs_get_state", obj("run_id", runId)).path("status").asText())
        .isEqualTo("cancelled");
  }

  @Test
  void resumeInfo_tellsAnAgentWhatIsDone_andWhatToRerunUnderWhichAttempt() {
    RunStore store = store();
    McpAgent a = agent();
    String runId =
        a.call("runs_create_run", obj("workflow", "w", "trigger_id", "resume-1"))
            .path("run_id")
            .asText();
    ObjectNode batch = obj("run_id", runId);
    batch
        .putArray("events")
        .add(obj("type", "step.started", "step_id", "plan", "attempt", 1))
        .add(
            obj(
                "type",
                "step.completed",
                "step_id",
                "plan",
                "attempt",
                1,
                "payload",
                Map.of("output", Map.of("queries", List.of("a", "b")))))
        .add(obj("type", "checkpoint.saved", "payload", Map.of("checkpoint_id", "after-plan")))
        .add(obj("type", "step.started", "step_id", "search", "attempt", 1))
        .add(
            obj(
                "type",
                "step.failed",
                "step_id",
                "search",
                "attempt",
                1,
                "payload",
                Map.of("error", Map.of("message", "timeout"))))
        .add(obj("type", "run.failed", "payload", Map.of("error", Map.of("message", "stuck"))));
    a.call("runs_emit_event", batch);

    JsonNode info = a.call("runs_resume_info", obj("run_id", runId));
    RunState state = store.state(RunId.of(runId));
    assertThat(info.path("status").asText()).isEqualTo("failed");
    assertThat(info.path("last_sequence").asLong()).isEqualTo(state.lastSequence());
    assertThat(info.path("resumable").asBoolean()).isTrue();
    assertThat(info.path("resume_with").asText()).isEqualTo("run.resumed");
    assertThat(info.path("done_steps")).hasSize(1);
    JsonNode plan = info.path("done_steps").get(0);
    assertThat(plan.path("step_id").asText()).isEqualTo("plan");
    assertThat(plan.path("attempt").asInt()).isEqualTo(1);
    assertThat(plan.path("status").asText()).isEqualTo("completed");
    assertThat(plan.path("sequence").asLong())
        .isEqualTo(state.step("plan").orElseThrow().completion().orElseThrow().sequence());
    assertThat(plan.path("output")).isEqualTo(obj("queries", List.of("a", "b")));
    assertThat(info.path("unfinished_steps")).hasSize(1);
    JsonNode search = info.path("unfinished_steps").get(0);
    assertThat(search.path("step_id").asText()).isEqualTo("search");
    assertThat(search.path("status").asText()).isEqualTo("failed");
    assertThat(search.path("attempt").asInt()).isEqualTo(1);
    assertThat(search.path("next_attempt").asInt()).isEqualTo(2);
    assertThat(info.path("checkpoints").path("after-plan").asLong())
        .isEqualTo(state.checkpoints().get("after-plan"));
    assertThat(info.path("last_checkpoint").asText()).isEqualTo("after-plan");

    // the agent does what it was told, and the run ends for good
    ObjectNode resume = obj("run_id", runId);
    resume
        .putArray("events")
        .add(obj("type", info.path("resume_with").asText()))
        .add(obj("type", "step.started", "step_id", "search", "attempt", 2))
        .add(obj("type", "step.completed", "step_id", "search", "attempt", 2))
        .add(obj("type", "run.completed"));
    a.call("runs_emit_event", resume);
    JsonNode after = a.call("runs_resume_info", obj("run_id", runId));
    assertThat(after.path("status").asText()).isEqualTo("completed");
    assertThat(after.path("resumable").asBoolean()).isFalse();
    assertThat(after.has("resume_with")).isFalse();
    assertThat(after.path("unfinished_steps")).isEmpty();
    assertThat(after.path("done_steps")).hasSize(2);
    assertThat(after.path("done_steps").get(1).path("attempt").asInt()).isEqualTo(2);
    assertThat(after.path("next").asText()).contains("cannot be resumed");
  }

  /** Compares every component of the state a tool or resource answered with the store's fold. */
  static void assertStateEquals(JsonNode state, RunState expected) {
    assertThat(state.path("run_id").asText()).isEqualTo(expected.runId().value());
    assertThat(state.path("status").asText()).isEqualTo(expected.status().wireName());
    assertThat(state.path("last_sequence").asLong()).isEqualTo(expected.lastSequence());
    assertThat(state.path("event_count").asLong()).isEqualTo(expected.eventCount());
    assertThat(Optional.ofNullable(state.get("current_step")).map(JsonNode::asText))
        .isEqualTo(expected.currentStep());
    Map<String, String> steps = new LinkedHashMap<>();
    state
        .path("steps")
        .properties()
        .forEach(
            e ->
                steps.put(
                    e.getKey(),
                    e.getValue().path("attempt").asInt()
                        + " "
                        + e.getValue().path("status").asText()));
    Map<String, String> expectedSteps = new LinkedHashMap<>();
    for (StepState s : expected.steps().values()) {
      expectedSteps.put(s.stepId(), s.attempt() + " " + s.status().name().toLowerCase(Locale.ROOT));
    }
    assertThat(steps).containsExactlyEntriesOf(expectedSteps);
    assertThat(longs(state.path("checkpoints"))).isEqualTo(expected.checkpoints());
    assertThat(longs(state.path("counts_by_type"))).isEqualTo(expected.countsByType());
    assertThat(state.path("usage").path("input_tokens").asLong())
        .isEqualTo(expected.usage().inputTokens());
    assertThat(state.path("usage").path("output_tokens").asLong())
        .isEqualTo(expected.usage().outputTokens());
    assertThat(state.path("cost").decimalValue()).isEqualByComparingTo(expected.cost());
    assertThat(Optional.ofNullable(state.get("first_event_time")).map(JsonNode::asText))
        .isEqualTo(expected.firstEventTime().map(Object::toString));
    assertThat(Optional.ofNullable(state.get("last_event_time")).map(JsonNode::asText))
        .isEqualTo(expected.lastEventTime().map(Object::toString));
  }

  private static Map<String, Long> longs(JsonNode o) {
    Map<String, Long> out = new LinkedHashMap<>();
    o.properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  private static long sequenceOfKey(List<RunEvent> events, String key) {
    return events.stream()
        .filter(e -> e.idempotencyKey().filter(key::equals).isPresent())
        .findFirst()
        .orElseThrow()
        .sequence();
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }
}
