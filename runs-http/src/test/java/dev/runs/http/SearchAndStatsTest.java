package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunSummary;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /runs} search parameters and {@code GET /stats}, good and bad input. */
final class SearchAndStatsTest {
  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static List<String> ids(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.path("runs").forEach(r -> out.add(r.path("run_id").asText()));
    return out;
  }

  @Test
  void search_byWorkflowTriggerAndText_pagesWithACursor() {
    RunId r1 = f.startRun("research");
    f.awaitTerminal(r1);
    RunId fl = f.startRun("flaky");
    f.awaitTerminal(fl);
    RunId r2 = f.startRun("research");
    f.awaitTerminal(r2);

    assertThat(ids(f.getJson("/runs?workflow=research"))).containsExactly(r2.value(), r1.value());
    assertThat(ids(f.getJson("/runs?workflow=research@1&trigger_source=ui")))
        .containsExactly(r2.value(), r1.value());
    assertThat(ids(f.getJson("/runs?workflow=research@2"))).isEmpty();
    assertThat(ids(f.getJson("/runs?trigger_source=cli"))).isEmpty();

    // full text over the events: only the flaky run's failure says 503
    JsonNode hit = f.getJson("/runs?q=ANSWERED%20503");
    assertThat(ids(hit)).containsExactly(fl.value());
    JsonNode match = hit.path("runs").get(0).path("match");
    assertThat(match.path("in").asText()).isEqualTo("event");
    assertThat(match.path("type").asText()).isEqualTo("step.failed");
    assertThat(match.path("snippet").asText()).containsIgnoringCase("answered 503");
    assertThat(ids(f.getJson("/runs?q=no-such-text-anywhere"))).isEmpty();

    // paged: one match a page, the cursor goes on after the last run looked at
    JsonNode p1 = f.getJson("/runs?workflow=research&limit=1");
    assertThat(ids(p1)).containsExactly(r2.value());
    String cursor = p1.path("next_cursor").asText();
    assertThat(cursor).isNotEmpty();
    JsonNode p2 = f.getJson("/runs?workflow=research&limit=1&cursor=" + cursor);
    assertThat(ids(p2)).containsExactly(r1.value());
    assertThat(p2.has("next_cursor")).isFalse();
  }

  /**
   * The workflow and label filters go to the store: a run older than the 2,000 candidates one
   * request may look at is found on the first page (the search used to stop at the bound with an
   * empty page and a cursor).
   */
  @Test
  void search_byALabelFewRunsCarry_findsThemBeyondTheScanBound() {
    RunId tagged = f.store.create(bulkRun().label("customer", "c-42").build()).record().id();
    for (int i = 0; i < RunSearch.MAX_SCANNED_RUNS + 100; i++) {
      f.store.create(bulkRun().build());
    }
    JsonNode page = f.getJson("/runs?label=customer%3Dc-42&limit=5");
    assertThat(ids(page)).containsExactly(tagged.value());
    assertThat(page.has("next_cursor")).isFalse();
    assertThat(ids(f.getJson("/runs?workflow=bulk@1&label=customer%3Dc-42"))).hasSize(1);
    assertThat(ids(f.getJson("/runs?workflow=other&label=customer%3Dc-42"))).isEmpty();
    assertValidation(f.http.get("/runs?label=Customer%3Dc-42"), "labels");
  }

  private static RunRecord.Builder bulkRun() {
    return RunRecord.builder(
        WorkflowRef.of("bulk", "1"),
        ConfigSnapshot.empty(),
        Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()));
  }

  @Test
  void search_badParameters_400NamingThem() {
    assertValidation(f.http.get("/runs?workflow=@1"), "workflow");
    assertValidation(f.http.get("/runs?workflow=research@"), "workflow");
    assertValidation(f.http.get("/runs?label=team"), "label");
    assertValidation(f.http.get("/runs?trigger_source=pigeon"), "trigger_source");
    assertValidation(f.http.get("/runs?q="), "q");
    assertValidation(f.http.get("/runs?q=" + "x".repeat(201)), "q");
    assertValidation(f.http.get("/runs?q=a&q=b"), "q");
    assertThat(f.orchestrator.list(RunQuery.all()).runs()).isEmpty();
  }

  @Test
  void stats_countsByStatusAndWorkflow_fromSummaries() {
    RunId r1 = f.startRun("research");
    f.awaitTerminal(r1);
    RunId fl = f.startRun("flaky");
    f.awaitTerminal(fl);
    JsonNode s = f.getJson("/stats?group_by=hour");
    assertThat(s.path("runs").asInt()).isEqualTo(2);
    assertThat(s.path("truncated").asBoolean()).isFalse();
    assertThat(s.path("group_by").asText()).isEqualTo("hour");
    assertThat(s.path("buckets").size()).isBetween(168, 170);
    long inBuckets = 0;
    for (JsonNode b : s.path("buckets")) {
      inBuckets += b.path("runs").asLong();
    }
    assertThat(inBuckets).isEqualTo(2);
    JsonNode totals = s.path("totals");
    assertThat(totals.path("total_tokens").asLong()).isEqualTo(812 + 164 + 1530 + 602);
    assertThat(totals.path("cost").decimalValue()).isEqualByComparingTo("0.0163");
    assertThat(totals.path("duration_ms").path("count").asInt()).isEqualTo(2);
    assertThat(totals.path("duration_ms").has("p95")).isTrue();
    assertThat(s.path("by_workflow").size()).isEqualTo(2);
    assertThat(s.path("by_workflow").get(1).path("workflow").asText()).isEqualTo("research@1");
    assertThat(s.path("by_workflow").get(1).path("total_tokens").asLong()).isEqualTo(3108);
    // flaky's call step failed once, then passed on its second attempt
    JsonNode top = s.path("top_failing_steps").get(0);
    assertThat(top.path("workflow").asText()).isEqualTo("flaky@1");
    assertThat(top.path("step_id").asText()).isEqualTo("call");
    assertThat(top.path("failed_attempts").asLong()).isEqualTo(1);

    JsonNode none = f.getJson("/stats?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z");
    assertThat(none.path("runs").asInt()).isZero();
    assertThat(none.path("buckets").size()).isEqualTo(1);
  }

  @Test
  void stats_tokensAndCostByModel_fromSummaries() {
    RunId r1 = f.startRun("research");
    f.awaitTerminal(r1);
    RunId r2 = f.startRun("research");
    f.awaitTerminal(r2);
    RunId fl = f.startRun("flaky");
    f.awaitTerminal(fl);

    JsonNode s = f.getJson("/stats");

    // each research run calls acme/m-1 (812 in, 164 out, 0.0042) and acme/m-2 (1530 in, 602 out,
    // 0.0121); flaky calls no model. Most cost first.
    JsonNode byModel = s.path("by_model");
    assertThat(byModel.size()).isEqualTo(2);
    JsonNode m2 = byModel.get(0);
    assertThat(m2.path("provider").asText()).isEqualTo("acme");
    assertThat(m2.path("model").asText()).isEqualTo("m-2");
    assertThat(m2.path("runs").asLong()).isEqualTo(2);
    assertThat(m2.path("calls").asLong()).isEqualTo(2);
    assertThat(m2.path("failed_calls").asLong()).isZero();
    assertThat(m2.path("input_tokens").asLong()).isEqualTo(2 * 1530);
    assertThat(m2.path("output_tokens").asLong()).isEqualTo(2 * 602);
    assertThat(m2.path("total_tokens").asLong()).isEqualTo(2 * (1530 + 602));
    assertThat(m2.path("cost").decimalValue()).isEqualByComparingTo("0.0242");
    JsonNode m1 = byModel.get(1);
    assertThat(m1.path("model").asText()).isEqualTo("m-1");
    assertThat(m1.path("calls").asLong()).isEqualTo(2);
    assertThat(m1.path("input_tokens").asLong()).isEqualTo(2 * 812);
    assertThat(m1.path("output_tokens").asLong()).isEqualTo(2 * 164);
    assertThat(m1.path("cost").decimalValue()).isEqualByComparingTo("0.0084");
    // the split adds up to the totals, and every summary had it
    JsonNode totals = s.path("totals");
    assertThat(m1.path("total_tokens").asLong() + m2.path("total_tokens").asLong())
        .isEqualTo(totals.path("total_tokens").asLong());
    assertThat(m1.path("cost").decimalValue().add(m2.path("cost").decimalValue()))
        .isEqualByComparingTo(totals.path("cost").decimalValue());
    assertThat(s.path("runs_without_model_split").asLong()).isZero();
    // by workflow too
    JsonNode research = s.path("by_workflow").get(1);
    assertThat(research.path("workflow").asText()).isEqualTo("research@1");
    assertThat(research.path("total_tokens").asLong()).isEqualTo(2 * 3108);
    assertThat(research.path("cost").decimalValue()).isEqualByComparingTo("0.0326");

    // a window without runs has no models
    JsonNode none = f.getJson("/stats?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z");
    assertThat(none.path("by_model").isArray()).isTrue();
    assertThat(none.path("by_model").size()).isZero();
  }

  @Test
  void stats_summaryStoredBeforeByModel_countsInTotalsAndSaysItHasNoSplit() {
    RunRecord record =
        f.store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("old", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                    .build())
            .record();
    RunId id = record.id();
    f.store.append(id, EventDraft.of("run.started", Map.of()));
    f.store.append(
        id,
        EventDraft.of(
            "model.generation.completed",
            Map.of(
                "provider",
                "acme",
                "model",
                "m-0",
                "usage",
                Map.of("input_tokens", 70, "output_tokens", 30),
                "cost",
                new BigDecimal("0.5"))));
    List<RunEvent> events = f.store.read(id, 0, 100);
    ObjectNode old = RunSummary.from(record, events).toPayload().toJsonNode();
    old.remove("by_model"); // as a version before the split wrote it
    f.store.append(id, EventDraft.of("run.completed", Map.of("summary", old)));

    JsonNode s = f.getJson("/stats");

    assertThat(s.path("runs").asInt()).isEqualTo(1);
    assertThat(s.path("totals").path("total_tokens").asLong()).isEqualTo(100);
    assertThat(s.path("totals").path("cost").decimalValue()).isEqualByComparingTo("0.5");
    assertThat(s.path("by_model").size()).isZero();
    assertThat(s.path("runs_without_model_split").asLong()).isEqualTo(1);
  }

  @Test
  void stats_badParameters_400NamingThem() {
    assertValidation(f.http.get("/stats?group_by=week"), "group_by");
    assertValidation(f.http.get("/stats?since=yesterday"), "since");
    assertValidation(f.http.get("/stats?until=soon"), "until");
    assertValidation(
        f.http.get("/stats?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"), "since");
    assertValidation(
        f.http.get("/stats?since=2000-01-01T00:00:00Z&until=2026-01-01T00:00:00Z&group_by=hour"),
        "since");
    assertValidation(f.http.get("/stats?limit=3"), "limit");
    assertValidation(f.http.get("/stats?group_by=hour&group_by=day"), "group_by");
    assertValidation(f.http.get("/stats?group_by="), "group_by");
    assertValidation(f.http.get("/stats?namespace="), "namespace");
    assertValidation(f.http.get("/stats?since=2026-13-01T00:00:00Z"), "since");
    assertThat(f.http.post("/stats", "{}").status()).isEqualTo(405);
  }
}
