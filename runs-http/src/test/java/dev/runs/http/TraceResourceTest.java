package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertProblem;
import static dev.runs.http.ProblemAssert.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /runs/{id}/trace}: nesting, paging, a live run growing, bad input. */
final class TraceResourceTest {
  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private RunId newRun() {
    return f.store
        .create(
            RunRecord.builder(
                    WorkflowRef.of("traced", "1"),
                    ConfigSnapshot.empty(),
                    Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                .build())
        .record()
        .id();
  }

  private RunEvent append(RunId id, EventDraft d) {
    return f.store.append(id, d);
  }

  /** A phase with a step whose model call and tool call nest under it. */
  private void research(RunId id) {
    append(id, EventDraft.of("run.started", Map.of()));
    append(id, EventDraft.of("phase.started", Map.of()).withStep("plan"));
    append(id, EventDraft.of("step.started", Map.of()).withStep("plan/outline").withAttempt(1));
    RunEvent call =
        append(
            id,
            EventDraft.of("model.generation.started", Map.of("provider", "acme", "model", "m-1"))
                .withStep("plan/outline")
                .withAttempt(1));
    append(
        id,
        EventDraft.of("console.line", Map.of("stream", "stdout", "text", "thinking"))
            .withStep("plan/outline")
            .withAttempt(1));
    append(
        id,
        EventDraft.of(
                "model.generation.completed",
                Map.of(
                    "provider",
                    "acme",
                    "model",
                    "m-1",
                    "usage",
                    Map.of("input_tokens", 800, "output_tokens", 176),
                    "cost",
                    new BigDecimal("0.0042"),
                    "latency_ms",
                    12))
            .withStep("plan/outline")
            .withAttempt(1)
            .withParent(call.eventId()));
    RunEvent tool =
        append(
            id,
            EventDraft.of("tool.call.started", Map.of("tool_name", "search"))
                .withStep("plan/outline")
                .withAttempt(1));
    append(
        id,
        EventDraft.of(
                "guardrail.checked", Map.of("name", "pii", "stage", "input", "verdict", "tripped"))
            .withParent(tool.eventId()));
    append(
        id,
        EventDraft.of("tool.call.completed", Map.of("tool_name", "search"))
            .withStep("plan/outline")
            .withAttempt(1)
            .withParent(tool.eventId()));
    append(
        id,
        EventDraft.of("step.completed", Map.of("duration_ms", 40))
            .withStep("plan/outline")
            .withAttempt(1));
    append(id, EventDraft.of("phase.completed", Map.of()).withStep("plan"));
  }

  private static Map<String, JsonNode> byName(JsonNode trace) {
    Map<String, JsonNode> m = new HashMap<>();
    for (JsonNode n : trace.path("nodes")) {
      m.put(n.path("name").asText(), n);
    }
    return m;
  }

  @Test
  void trace_nestsStepsCallsAndGuardrails_addsUpTokensAndCost() {
    RunId id = newRun();
    research(id);
    append(id, EventDraft.of("run.completed", Map.of()));

    JsonNode t = f.getJson(Fixture.path(id) + "/trace");

    assertThat(t.path("run_id").asText()).isEqualTo(id.value());
    assertThat(t.path("status").asText()).isEqualTo("completed");
    assertThat(t.path("sequence").asLong()).isEqualTo(13);
    assertThat(t.path("truncated").asBoolean()).isFalse();
    assertThat(t.path("next").isNull()).isTrue();
    // run, plan, outline, the model call, the tool call, the guardrail: no node for the console
    // line
    assertThat(t.path("node_count").asInt()).isEqualTo(6);
    Map<String, JsonNode> n = byName(t);
    JsonNode run = n.get("run");
    JsonNode plan = n.get("plan");
    JsonNode outline = n.get("outline");
    JsonNode model = n.get("acme/m-1");
    JsonNode tool = n.get("search");
    JsonNode guard = n.get("pii (input) tripped");
    assertThat(run.path("parent").isNull()).isTrue();
    assertThat(plan.path("kind").asText()).isEqualTo("phase");
    assertThat(plan.path("parent").asInt()).isEqualTo(run.path("id").asInt());
    assertThat(outline.path("kind").asText()).isEqualTo("step");
    assertThat(outline.path("step_id").asText()).isEqualTo("plan/outline");
    assertThat(outline.path("parent").asInt()).isEqualTo(plan.path("id").asInt());
    assertThat(outline.path("status").asText()).isEqualTo("completed");
    assertThat(outline.path("duration_ms").asDouble()).isEqualTo(40.0);
    assertThat(model.path("kind").asText()).isEqualTo("model");
    assertThat(model.path("parent").asInt()).isEqualTo(outline.path("id").asInt());
    assertThat(model.path("tokens").asLong()).isEqualTo(976);
    assertThat(model.path("cost").asDouble()).isEqualTo(0.0042);
    assertThat(model.path("duration_ms").asDouble()).isEqualTo(12.0);
    // (sequence 1 is run.created) the start and its completion make one node: both sequences, for
    // the payload
    assertThat(model.path("events").toString()).isEqualTo("[5,7]");
    assertThat(tool.path("kind").asText()).isEqualTo("tool");
    assertThat(tool.path("events").toString()).isEqualTo("[8,10]");
    // parent_event_id nests the guardrail under the tool call
    assertThat(guard.path("kind").asText()).isEqualTo("guardrail");
    assertThat(guard.path("parent").asInt()).isEqualTo(tool.path("id").asInt());
    assertThat(guard.path("status").asText()).isEqualTo("failed");
    assertThat(guard.path("point").asBoolean()).isTrue();
    // tokens and cost add up to every ancestor
    assertThat(outline.path("tokens").asLong()).isEqualTo(976);
    assertThat(run.path("tokens").asLong()).isEqualTo(976);
    assertThat(run.path("cost").asDouble()).isEqualTo(0.0042);
    assertThat(run.has("end_ms")).isTrue();
    assertThat(t.path("started_at").asText()).endsWith("Z");
  }

  @Test
  void trace_attempts_makeOneNodeEach() {
    RunId id = newRun();
    append(id, EventDraft.of("run.started", Map.of()));
    append(id, EventDraft.of("step.started", Map.of()).withStep("call").withAttempt(1));
    append(
        id,
        EventDraft.of("step.retrying", Map.of("next_attempt", 2)).withStep("call").withAttempt(1));
    append(id, EventDraft.of("step.started", Map.of()).withStep("call").withAttempt(2));
    append(id, EventDraft.of("step.completed", Map.of()).withStep("call").withAttempt(2));

    Map<String, JsonNode> n = byName(f.getJson(Fixture.path(id) + "/trace"));

    assertThat(n.get("call").path("status").asText()).isEqualTo("retrying");
    assertThat(n.get("call · attempt 2").path("status").asText()).isEqualTo("completed");
    assertThat(n.get("call · attempt 2").path("attempt").asInt()).isEqualTo(2);
  }

  @Test
  void trace_manyNodes_pagesWithATruncationMarkerAndNext() {
    RunId id = newRun();
    append(id, EventDraft.of("run.started", Map.of()));
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      batch.add(EventDraft.of("step.started", Map.of()).withStep("s" + i).withAttempt(1));
      batch.add(EventDraft.of("console.line", Map.of("stream", "stdout", "text", "x")));
      batch.add(EventDraft.of("step.completed", Map.of()).withStep("s" + i).withAttempt(1));
    }
    f.store.append(id, batch);

    JsonNode first = f.getJson(Fixture.path(id) + "/trace?limit=1000");
    assertThat(first.path("node_count").asInt()).isEqualTo(2501);
    assertThat(first.path("returned").asInt()).isEqualTo(1000);
    assertThat(first.path("nodes").size()).isEqualTo(1000);
    assertThat(first.path("truncated").asBoolean()).isTrue();
    assertThat(first.path("next").asText())
        .isEqualTo(Fixture.path(id) + "/trace?after=1000&limit=1000");

    List<Integer> ids = new ArrayList<>();
    first.path("nodes").forEach(n -> ids.add(n.path("id").asInt()));
    JsonNode page = first;
    while (page.path("truncated").asBoolean()) {
      page = f.getJson(page.path("next").asText());
      page.path("nodes").forEach(n -> ids.add(n.path("id").asInt()));
    }
    assertThat(ids).hasSize(2501).doesNotHaveDuplicates().isSorted();
    assertThat(page.path("next").isNull()).isTrue();
    // a page after the last node is empty, not an error
    JsonNode past = f.getJson(Fixture.path(id) + "/trace?after=9999");
    assertThat(past.path("nodes").size()).isZero();
    assertThat(past.path("truncated").asBoolean()).isFalse();
  }

  @Test
  void trace_liveRun_grows_andSinceAnswersOnlyWhatChanged() {
    RunId id = newRun();
    append(id, EventDraft.of("run.started", Map.of()));
    append(id, EventDraft.of("phase.started", Map.of()).withStep("plan"));
    append(id, EventDraft.of("step.started", Map.of()).withStep("plan/a").withAttempt(1));
    append(id, EventDraft.of("step.completed", Map.of()).withStep("plan/a").withAttempt(1));

    JsonNode before = f.getJson(Fixture.path(id) + "/trace");
    assertThat(before.path("status").asText()).isEqualTo("running");
    assertThat(before.path("node_count").asInt()).isEqualTo(3);
    assertThat(byName(before).get("plan").has("end_ms")).isFalse();
    long seen = before.path("sequence").asLong();
    assertThat(seen).isEqualTo(5);

    // the run goes on: a new step with a model call, and the phase ends
    append(id, EventDraft.of("step.started", Map.of()).withStep("plan/b").withAttempt(1));
    append(
        id,
        EventDraft.of(
                "model.generation.completed",
                Map.of("provider", "acme", "model", "m-2", "usage", Map.of("output_tokens", 10)))
            .withStep("plan/b")
            .withAttempt(1));
    append(id, EventDraft.of("phase.completed", Map.of()).withStep("plan"));

    JsonNode changed = f.getJson(Fixture.path(id) + "/trace?since=" + seen);
    assertThat(changed.path("sequence").asLong()).isEqualTo(8);
    assertThat(changed.path("node_count").asInt()).isEqualTo(5);
    Map<String, JsonNode> n = byName(changed);
    // the new nodes, the phase that ended, the run whose tokens grew; not plan/a, unchanged
    assertThat(n.keySet()).containsExactlyInAnyOrder("run", "plan", "b", "acme/m-2");
    assertThat(n.get("plan").path("status").asText()).isEqualTo("completed");
    assertThat(n.get("plan").path("tokens").asLong()).isEqualTo(10);
    assertThat(n.get("run").path("tokens").asLong()).isEqualTo(10);
    assertThat(n.get("acme/m-2").path("changed").asLong()).isEqualTo(7);

    append(id, EventDraft.of("run.completed", Map.of()));
    JsonNode end = f.getJson(Fixture.path(id) + "/trace?since=8");
    assertThat(end.path("status").asText()).isEqualTo("completed");
    assertThat(byName(end).keySet()).containsExactly("run");
    assertThat(f.getJson(Fixture.path(id) + "/trace?since=9").path("nodes").size()).isZero();
  }

  @Test
  void trace_ofARunStartedThroughTheApi_matchesItsEvents() {
    RunId id = f.startRun("research");
    f.awaitTerminal(id);

    JsonNode t = f.getJson(Fixture.path(id) + "/trace");

    assertThat(t.path("status").asText()).isEqualTo("completed");
    long models = 0;
    for (JsonNode n : t.path("nodes")) {
      if (n.path("kind").asText().equals("model")) {
        models++;
        assertThat(n.path("events").size()).isEqualTo(2);
      }
    }
    assertThat(models).isEqualTo(2);
    assertThat(byName(t).get("run").path("tokens").asLong()).isEqualTo(3108);
  }

  @Test
  void trace_badInput_isATyped400NamingTheParameter_andAnUnknownRunIs404() {
    RunId id = newRun();
    String path = Fixture.path(id) + "/trace";
    assertValidation(f.http.get(path + "?limit=0"), "limit");
    assertValidation(f.http.get(path + "?limit=50001"), "limit");
    assertValidation(f.http.get(path + "?limit=ten"), "limit");
    assertValidation(f.http.get(path + "?after=-1"), "after");
    assertValidation(f.http.get(path + "?since=x"), "since");
    assertValidation(f.http.get(path + "?after=1&after=2"), "after");
    assertValidation(f.http.get(path + "?depth=2"), "depth");
    assertProblem(
        f.http.get("/runs/acme%2Fnone%2F" + UUID.randomUUID() + "/trace"), 404, "not-found");
    assertProblem(f.http.post(path, "{}"), 405, "method-not-allowed");
    // a run not started answers its root alone
    JsonNode created = f.getJson(path);
    assertThat(created.path("node_count").asInt()).isEqualTo(1);
    assertThat(created.path("status").asText()).isEqualTo("started");
    assertThat(created.path("sequence").asLong()).isEqualTo(1);
  }
}
