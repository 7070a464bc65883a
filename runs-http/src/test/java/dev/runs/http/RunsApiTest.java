package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertProblem;
import static dev.runs.http.ProblemAssert.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every endpoint and its error paths, over HTTP against a server on a free port. */
@Timeout(60)
final class RunsApiTest {
  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private RunId completedResearchRun() {
    RunId id = f.startRun("research");
    assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
    return id;
  }

  @Nested
  @DisplayName("GET /workflows")
  final class Workflows {
    @Test
    void workflows_listsRegisteredSorted() {
      JsonNode w = f.getJson("/workflows").path("workflows");
      List<String> refs = new ArrayList<>();
      w.forEach(n -> refs.add(n.path("name").asText() + "@" + n.path("version").asText()));
      assertThat(refs).containsExactly("flaky@1", "gated@1", "research@1", "slow@1");
    }

    @Test
    void workflows_unknownQueryParameter_isRefusedByName() {
      assertValidation(f.http.get("/workflows?verbose=true"), "verbose");
    }
  }

  @Nested
  @DisplayName("POST /runs")
  final class Start {
    @Test
    void start_newTrigger_answers201WithLocationRecordAndStatus() {
      Http.Response r = f.http.post("/runs", Fixture.startBody("research"));
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      JsonNode b = r.json();
      String id = b.path("run_id").asText();
      assertThat(id).startsWith("acme/lab/");
      assertThat(b.path("created").asBoolean()).isTrue();
      assertThat(b.path("status").asText()).isIn("queued", "running", "completed");
      assertThat(b.path("record").path("trigger").path("source").asText()).isEqualTo("ui");
      assertThat(b.path("record").path("config").path("inputs").path("topic").asText())
          .isEqualTo("tides");
      assertThat(r.header("Location")).contains(Links.runPath(RunId.of(id)));
      assertThat(r.header("Location").orElseThrow()).contains("%2F").doesNotContain("acme/lab");
      assertThat(b.path("links").path("events").asText()).endsWith("/events");
    }

    @Test
    void start_sameTriggerIdTwice_answers200WithTheSameRun() {
      String body = Fixture.startBody("research");
      Http.Response first = f.http.post("/runs", body);
      Http.Response second = f.http.post("/runs", body);
      assertThat(first.status()).isEqualTo(201);
      assertThat(second.status()).as(second.text()).isEqualTo(200);
      assertThat(second.json().path("created").asBoolean()).isFalse();
      assertThat(second.json().path("run_id").asText())
          .isEqualTo(first.json().path("run_id").asText());
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).hasSize(1);
    }

    @Test
    void start_workflowAsStringWithoutVersion_usesTheOnlyRegisteredVersion() {
      Http.Response r =
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"t-str\", \"trigger_source\": \"api\","
                  + " \"actor\": \"ada\", \"labels\": {\"team\": \"lab\"}, \"thread_key\":"
                  + " \"chat-7\", \"budget\": {\"max_tokens\": 100000}}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      JsonNode rec = r.json().path("record");
      assertThat(rec.path("workflow").path("version").asText()).isEqualTo("1");
      assertThat(rec.path("trigger").path("actor").asText()).isEqualTo("ada");
      assertThat(rec.path("labels").path("team").asText()).isEqualTo("lab");
      assertThat(rec.path("thread_key").asText()).isEqualTo("chat-7");
      assertThat(rec.path("config").path("budget").path("max_tokens").asLong()).isEqualTo(100000);
    }

    @Test
    void start_traceparentHeader_isRecordedOnTheRunRecord() {
      String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      Http.Response r =
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"t-tp\", \"trigger_source\":"
                  + " \"api\"}",
              "traceparent",
              parent);
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.json().path("record").path("labels").path("traceparent").asText())
          .isEqualTo(parent);
    }

    @Test
    void start_malformedTraceparentHeader_isRefusedNamingIt_andWritesNothing() {
      JsonNode p =
          assertProblem(
              f.http.post(
                  "/runs",
                  "{\"workflow\": \"research\", \"trigger_id\": \"t-bad\","
                      + " \"trigger_source\": \"api\"}",
                  "traceparent",
                  "00-zz-01"),
              422,
              "preflight-refused");
      assertThat(p.path("detail").asText()).contains("labels.traceparent");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_withoutTriggerId_isRefusedNamingIt_andWritesNothing() {
      assertValidation(
          f.http.post("/runs", "{\"workflow\": \"research\", \"trigger_source\": \"ui\"}"),
          "trigger_id");
      assertValidation(f.http.post("/runs", "{\"workflow\": \"research\"}"), "trigger_id");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_withoutOrWithUnknownTriggerSource_isRefusedNamingIt() {
      assertValidation(
          f.http.post("/runs", "{\"workflow\": \"research\", \"trigger_id\": \"x\"}"),
          "trigger_source");
      JsonNode p =
          assertValidation(
              f.http.post(
                  "/runs",
                  "{\"workflow\": \"research\", \"trigger_id\": \"x\", \"trigger_source\":"
                      + " \"robot\"}"),
              "trigger_source");
      assertThat(p.path("detail").asText()).contains("ui, api, cli, schedule, test");
    }

    @Test
    void start_withoutWorkflow_isRefusedNamingIt() {
      assertValidation(
          f.http.post("/runs", "{\"trigger_id\": \"x\", \"trigger_source\": \"ui\"}"), "workflow");
    }

    @Test
    void start_unknownField_isRefusedNamingIt() {
      JsonNode p =
          assertValidation(
              f.http.post(
                  "/runs",
                  "{\"workflow\": \"research\", \"trigger_id\": \"x\","
                      + " \"trigger_source\": \"ui\", \"priority\": 5}"),
              "priority");
      assertThat(p.path("detail").asText()).contains("unknown field").contains("trigger_id");
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": {\"name\": \"research\", \"version\": \"1\","
                  + " \"tag\": \"x\"}, \"trigger_id\": \"x\", \"trigger_source\": \"ui\"}"),
          "workflow.tag");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_wrongFieldTypes_areRefusedNamingThem() {
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": 7," + " \"trigger_source\": \"ui\"}"),
          "trigger_id");
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"x\","
                  + " \"trigger_source\": \"ui\", \"config\": [1]}"),
          "config");
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"x\","
                  + " \"trigger_source\": \"ui\", \"labels\": {\"a\": 1}}"),
          "labels.a");
      assertValidation(
          f.http.post(
              "/runs", "{\"workflow\": 3, \"trigger_id\": \"x\"," + " \"trigger_source\": \"ui\"}"),
          "workflow");
    }

    @Test
    void start_invalidValues_areNamedClientErrors_neverServerErrors() {
      String base = "\"workflow\": \"research\", \"trigger_source\": \"ui\"";
      assertValidation(
          f.http.post("/runs", "{" + base + ", \"trigger_id\": \"" + "x".repeat(300) + "\"}"),
          "trigger_id");
      assertValidation(
          f.http.post("/runs", "{" + base + ", \"trigger_id\": \"a\", \"actor\": \" \"}"), "actor");
      JsonNode labels =
          assertProblem(
              f.http.post(
                  "/runs",
                  "{" + base + ", \"trigger_id\": \"b\"," + " \"labels\": {\"Team\": \"x\"}}"),
              422,
              "preflight-refused");
      assertThat(labels.path("report").path("blockers").get(0).path("code").asText())
          .isEqualTo("request_invalid");
      assertThat(labels.path("detail").asText()).contains("labels");
      JsonNode budget =
          assertProblem(
              f.http.post(
                  "/runs",
                  "{" + base + ", \"trigger_id\": \"c\"," + " \"budget\": {\"max_tokens\": -5}}"),
              400,
              "validation");
      assertThat(budget.path("field").asText()).contains("max_tokens");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_unknownWorkflowName_isRefusedNamingTheRegisteredOnes() {
      JsonNode p =
          assertValidation(
              f.http.post(
                  "/runs",
                  "{\"workflow\": \"nope\", \"trigger_id\": \"x\","
                      + " \"trigger_source\": \"ui\"}"),
              "workflow.name");
      assertThat(p.path("detail").asText()).contains("research@1");
    }

    @Test
    void start_unregisteredVersion_isRefusedByPreflightWithTheReport() {
      JsonNode p =
          assertProblem(
              f.http.post(
                  "/runs",
                  "{\"workflow\": \"research@9\", \"trigger_id\": \"x\","
                      + " \"trigger_source\": \"ui\"}"),
              422,
              "preflight-refused");
      assertThat(p.path("report").path("ready").asBoolean()).isFalse();
      assertThat(p.path("report").path("blockers").get(0).path("code").asText())
          .isEqualTo("workflow_not_registered");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_badNamespaceOrRunId_isRefusedNamingIt() {
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"x\","
                  + " \"trigger_source\": \"ui\", \"namespace\": \"Acme/Lab\"}"),
          "namespace");
      assertValidation(
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"x\","
                  + " \"trigger_source\": \"ui\", \"run_id\": \"../etc\"}"),
          "run_id");
    }

    @Test
    void start_bodyThatIsNotJson_isRefused415() {
      JsonNode p =
          assertProblem(
              f.http.post(
                  "/runs",
                  "workflow=research",
                  "Content-Type",
                  "application/x-www-form-urlencoded"),
              415,
              "unsupported-media-type");
      assertThat(p.path("supported").get(0).asText()).isEqualTo("application/json");
    }

    @Test
    void start_malformedJsonOrNotAnObject_isRefusedAsBody() {
      JsonNode p = assertValidation(f.http.post("/runs", "{\"workflow\": "), "body");
      assertThat(p.path("detail").asText()).contains("not valid JSON");
      assertValidation(f.http.post("/runs", "[1, 2]"), "body");
      assertValidation(f.http.post("/runs", "{\"a\": 1} {\"b\": 2}"), "body");
      assertValidation(
          f.http.post("/runs", "{\"trigger_id\": \"a\", \"trigger_id\": \"b\"}"), "body");
      assertValidation(f.http.post("/runs", ""), "body");
    }

    /**
     * A number Runs could not write back and read again is a 400 naming where it was, never a 500:
     * an exponent beyond Java's int range used to escape the body parser, and {@code 1e9999} in a
     * config used to fail the canonical config's own parse.
     */
    @Test
    void start_numberTooLongToReadBack_isRefusedAs400_andStartsNothing() {
      assertValidation(
          f.http.post("/runs", "{\"workflow\": \"research\", \"x\": 1e400901234167890}"), "body");
      for (String number : new String[] {"1e400901234167890", "1e9999", "1e1000"}) {
        String config = "\"config\": {\"inputs\": {\"topic\": " + number + "}}";
        String start =
            "{\"workflow\": \"research\", \"trigger_id\": \"n-"
                + number.length()
                + "\", \"trigger_source\": \"api\", "
                + config
                + "}";
        for (Http.Response r :
            List.of(
                f.http.post("/runs", start),
                f.http.post("/runs/preflight", "{\"workflow\": \"research\", " + config + "}"),
                f.http.post(
                    "/recommendations", "{\"workflow\": \"research@1\", " + config + "}"))) {
          assertThat(r.status()).as(number + ": " + r.text()).isEqualTo(400);
          assertThat(r.json().path("detail").asText()).contains("out of range");
        }
      }
      assertThat(f.orchestrator.list(RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_bodyInUtf16OrUtf32_isRefusedAsBody_andStartsNothing() {
      for (Charset cs :
          List.of(
              StandardCharsets.UTF_16LE,
              StandardCharsets.UTF_16BE,
              StandardCharsets.UTF_16,
              Charset.forName("UTF-32"))) {
        byte[] body = Fixture.startBody("research").getBytes(cs);
        assertValidation(
            f.http.send(
                "POST",
                "/runs",
                HttpRequest.BodyPublishers.ofByteArray(body),
                "Content-Type",
                "application/json"),
            "body");
      }
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void start_utf8BodyWithAByteOrderMark_isAccepted() {
      byte[] json = Fixture.startBody("research").getBytes(StandardCharsets.UTF_8);
      byte[] body = new byte[json.length + 3];
      body[0] = (byte) 0xEF;
      body[1] = (byte) 0xBB;
      body[2] = (byte) 0xBF;
      System.arraycopy(json, 0, body, 3, json.length);
      Http.Response r =
          f.http.send(
              "POST",
              "/runs",
              HttpRequest.BodyPublishers.ofByteArray(body),
              "Content-Type",
              "application/json");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }

    @Test
    void start_bodyLargerThanTheLimit_isRefused413_withAndWithoutContentLength() {
      try (Fixture small = Fixture.start(b -> b.maxBodyBytes(64))) {
        String big = Fixture.startBody("research");
        JsonNode p = assertProblem(small.http.post("/runs", big), 413, "payload-too-large");
        assertThat(p.path("limit_bytes").asLong()).isEqualTo(64);
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        Http.Response chunked =
            small.http.send(
                small
                    .http
                    .request("/runs", "Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () -> new ByteArrayInputStream(bytes)))
                    .build());
        assertProblem(chunked, 413, "payload-too-large");
        assertThat(small.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
      }
    }

    @Test
    void start_unknownQueryParameter_isRefusedNamingIt() {
      assertValidation(f.http.post("/runs?wait=true", Fixture.startBody("research")), "wait");
      assertValidation(f.http.post("/runs?stream=yes", Fixture.startBody("research")), "stream");
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }
  }

  @Nested
  @DisplayName("POST /runs/preflight")
  final class Preflight {
    @Test
    void preflight_readyRequest_reportsReadyWithNormalizedConfig_andStartsNothing() {
      Http.Response r =
          f.http.post(
              "/runs/preflight",
              "{\"workflow\": \"research\", \"config\": {\"b\": 1, \"a\": 2}, \"budget\":"
                  + " {\"max_tokens\": 5000}, \"trigger_id\": \"p-1\", \"trigger_source\":"
                  + " \"ui\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      JsonNode p = r.json();
      assertThat(p.path("ready").asBoolean()).isTrue();
      assertThat(p.path("blockers")).isEmpty();
      assertThat(p.path("normalized_config").path("budget").path("max_tokens").asLong())
          .isEqualTo(5000);
      assertThat(p.path("normalized_config_sha256").asText()).hasSize(64);
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();
    }

    @Test
    void preflight_withoutTriggerOrWorkflow_reportsTheBlockers() {
      Http.Response r = f.http.post("/runs/preflight", "{}");
      assertThat(r.status()).isEqualTo(200);
      List<String> codes = new ArrayList<>();
      r.json().path("blockers").forEach(b -> codes.add(b.path("code").asText()));
      assertThat(r.json().path("ready").asBoolean()).isFalse();
      assertThat(codes).contains("trigger_missing", "workflow_missing");
    }

    @Test
    void preflight_missingBudget_isAWarning() {
      Http.Response r =
          f.http.post(
              "/runs/preflight",
              "{\"workflow\": \"research\", \"trigger_id\": \"p\","
                  + " \"trigger_source\": \"ui\"}");
      assertThat(r.json().path("warnings").get(0).path("code").asText())
          .isEqualTo("budget_missing");
    }

    @Test
    void preflight_unknownField_isRefused() {
      assertValidation(f.http.post("/runs/preflight", "{\"dry_run\": true}"), "dry_run");
    }
  }

  @Nested
  @DisplayName("GET /runs")
  final class Listing {
    @Test
    void list_newestFirst_withStatusFilters_asListOrRepeated() {
      RunId done = completedResearchRun();
      RunId failed = f.startRun("flaky");
      assertThat(f.awaitTerminal(failed)).isEqualTo(RunStatus.FAILED);
      RunId waiting = f.startRun("gated");
      f.awaitStatus(waiting, RunStatus.RUNNING);

      assertThat(ids(f.getJson("/runs")))
          .containsExactly(waiting.value(), failed.value(), done.value());
      assertThat(ids(f.getJson("/runs?status=completed"))).containsExactly(done.value());
      assertThat(ids(f.getJson("/runs?status=completed,failed")))
          .containsExactly(failed.value(), done.value());
      assertThat(ids(f.getJson("/runs?status=running&status=failed")))
          .containsExactly(waiting.value(), failed.value());
      JsonNode first = f.getJson("/runs?status=completed").path("runs").get(0);
      assertThat(first.path("status").asText()).isEqualTo("completed");
      assertThat(first.path("last_sequence").asLong()).isGreaterThan(5);
      assertThat(first.path("record").path("workflow").path("name").asText()).isEqualTo("research");
    }

    @Test
    void list_byNamespaceThreadAndTime() {
      RunId inLab = f.startRun("research");
      Http.Response other =
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"namespace\": \"acme/ops\","
                  + " \"thread_key\": \"t-9\", \"trigger_id\": \""
                  + UUID.randomUUID()
                  + "\", \"trigger_source\": \"api\"}");
      String otherId = other.json().path("run_id").asText();
      assertThat(ids(f.getJson("/runs?namespace=acme/lab"))).containsExactly(inLab.value());
      assertThat(ids(f.getJson("/runs?namespace=acme%2Fops"))).containsExactly(otherId);
      assertThat(ids(f.getJson("/runs?thread=t-9"))).containsExactly(otherId);
      assertThat(ids(f.getJson("/runs?namespace="))).isEmpty();
      assertThat(ids(f.getJson("/runs?created_before=2000-01-01T00:00:00Z"))).isEmpty();
      assertThat(ids(f.getJson("/runs?created_from=2000-01-01T00:00:00%2B02:00"))).hasSize(2);
      assertThat(ids(f.getJson("/runs?created_from=" + Instant.now().plusSeconds(3600)))).isEmpty();
    }

    @Test
    void list_pagesWithTheCursor() {
      List<String> started = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        started.add(f.startRun("research").value());
      }
      List<String> seen = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        JsonNode page = f.getJson("/runs?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
        seen.addAll(ids(page));
        cursor = page.has("next_cursor") ? page.path("next_cursor").asText() : null;
        pages++;
      } while (cursor != null);
      assertThat(pages).isEqualTo(3);
      assertThat(seen).containsExactlyInAnyOrderElementsOf(started).doesNotHaveDuplicates();
    }

    @Test
    void list_badParameters_areRefusedNamingThem() {
      assertValidation(f.http.get("/runs?status=sleeping"), "status");
      assertValidation(f.http.get("/runs?limit=0"), "limit");
      assertValidation(f.http.get("/runs?limit=ten"), "limit");
      assertValidation(f.http.get("/runs?cursor=garbage"), "cursor");
      assertValidation(f.http.get("/runs?created_from=yesterday"), "created_from");
      assertValidation(f.http.get("/runs?namespace=a&namespace=b"), "namespace");
      assertValidation(f.http.get("/runs?sort=asc"), "sort");
    }

    private List<String> ids(JsonNode page) {
      List<String> out = new ArrayList<>();
      page.path("runs").forEach(r -> out.add(r.path("run_id").asText()));
      return out;
    }
  }

  @Nested
  @DisplayName("GET /runs/{id}")
  final class Get {
    @Test
    void get_finishedRun_hasRecordStatusUsageAndSummary() {
      RunId id = completedResearchRun();
      JsonNode r = f.getJson(Fixture.path(id));
      assertThat(r.path("run_id").asText()).isEqualTo(id.value());
      assertThat(r.path("status").asText()).isEqualTo("completed");
      assertThat(r.path("record").path("id").asText()).isEqualTo(id.value());
      assertThat(r.path("usage").path("total_tokens").asLong()).isEqualTo(812 + 164 + 1530 + 602);
      assertThat(r.path("cost").decimalValue()).isEqualByComparingTo("0.0163");
      assertThat(r.path("summary").path("status").asText()).isEqualTo("completed");
      assertThat(r.path("summary").path("output").path("answer").asText()).contains("moon");
      assertThat(r.path("last_sequence").asLong()).isEqualTo(r.path("event_count").asLong());
    }

    @Test
    void get_afterTheStoreClosed_answers503ServiceUnavailable() {
      RunId id = completedResearchRun();
      f.store.close();
      Http.Response r = f.http.get(Fixture.path(id));
      assertThat(r.status()).as(r.text()).isEqualTo(503);
      assertThat(r.json().path("title").asText()).isEqualTo("Service unavailable");
    }

    @Test
    void get_runningRun_hasNoSummaryYet_andItsCurrentStep() {
      RunId id = f.startRun("gated");
      f.awaitStatus(id, RunStatus.RUNNING);
      Waits.until(
          () -> f.getJson(Fixture.path(id)).has("current_step") ? true : null,
          java.time.Duration.ofSeconds(10),
          "the gated run to enter its step");
      JsonNode r = f.getJson(Fixture.path(id));
      assertThat(r.has("summary")).isFalse();
      assertThat(r.path("current_step").asText()).isEqualTo("wait");
    }

    @Test
    void get_unknownRun_is404NamingIt() {
      JsonNode p = assertProblem(f.http.get("/runs/acme%2Flab%2Fmissing"), 404, "not-found");
      assertThat(p.path("run_id").asText()).isEqualTo("acme/lab/missing");
    }

    @Test
    void get_malformedRunId_is400() {
      assertValidation(f.http.get("/runs/ACME"), "run_id");
      assertValidation(f.http.get("/runs/a%2F..%2Fb"), "run_id");
    }

    @Test
    void get_runIdWithPlainSlashes_is404WithTheEncodingHint() {
      RunId id = completedResearchRun();
      JsonNode p = assertProblem(f.http.get("/runs/" + id.value()), 404, "not-found");
      assertThat(p.path("detail").asText()).contains("%2F");
    }

    @Test
    void get_withTrailingSlash_isTheSameResource() {
      RunId id = completedResearchRun();
      assertThat(f.getJson(Fixture.path(id) + "/").path("run_id").asText()).isEqualTo(id.value());
    }
  }

  @Nested
  @DisplayName("GET /runs/{id}/events")
  final class Events {
    @Test
    void events_jsonArray_isTheWholeLogInEnvelopeForm() {
      RunId id = completedResearchRun();
      Http.Response r = f.http.get(Fixture.path(id) + "/events");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.contentType()).startsWith("application/json");
      JsonNode events = r.json();
      assertThat(events.isArray()).isTrue();
      long last = f.orchestrator.state(id).lastSequence();
      assertThat(events.size()).isEqualTo((int) last);
      for (int i = 0; i < events.size(); i++) {
        JsonNode e = events.get(i);
        assertThat(e.path("schema").asText()).isEqualTo("runs.event/1");
        assertThat(e.path("sequence").asLong()).isEqualTo(i + 1);
        assertThat(e.path("run_id").asText()).isEqualTo(id.value());
        assertThat(e.has("event_id") && e.has("time") && e.has("source") && e.has("payload"))
            .isTrue();
      }
      assertThat(events.get(0).path("type").asText()).isEqualTo("run.created");
      assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run.completed");
      assertThat(events.toString())
          .isEqualTo(
              Http.MAPPER
                  .valueToTree(
                      f.orchestrator.events(id, 0, 1000).stream()
                          .map(e -> readTree(dev.runs.EventCodec.encode(e)))
                          .toList())
                  .toString());
    }

    @Test
    void events_afterAndLimit_pageTheLog() {
      RunId id = completedResearchRun();
      JsonNode page = f.http.get(Fixture.path(id) + "/events?after=3&limit=4").json();
      assertThat(page.size()).isEqualTo(4);
      assertThat(page.get(0).path("sequence").asLong()).isEqualTo(4);
      assertThat(page.get(3).path("sequence").asLong()).isEqualTo(7);
      assertThat(f.http.get(Fixture.path(id) + "/events?after=10000").json()).isEmpty();
    }

    @Test
    void events_ndjson_byAccept_oneEnvelopePerLine() {
      RunId id = completedResearchRun();
      Http.Response r =
          f.http.get(Fixture.path(id) + "/events?limit=5", "Accept", "application/x-ndjson");
      assertThat(r.contentType()).startsWith("application/x-ndjson");
      String[] lines = r.text().split("\n");
      assertThat(lines).hasSize(5);
      for (int i = 0; i < lines.length; i++) {
        assertThat(readTree(lines[i]).path("sequence").asLong()).isEqualTo(i + 1);
      }
      assertThat(
              f.http
                  .get(
                      Fixture.path(id) + "/events",
                      "Accept",
                      "text/html;q=0.9, application/x-ndjson")
                  .contentType())
          .startsWith("application/x-ndjson");
      assertThat(f.http.get(Fixture.path(id) + "/events", "Accept", "*/*").contentType())
          .startsWith("application/json");
    }

    @Test
    void events_unsupportedAccept_is406ListingTheSupportedTypes() {
      RunId id = completedResearchRun();
      JsonNode p =
          assertProblem(
              f.http.get(Fixture.path(id) + "/events", "Accept", "text/html"),
              406,
              "not-acceptable");
      assertThat(p.path("supported").toString()).contains("text/event-stream");
    }

    @Test
    void events_badParametersOrUnknownRun_areRefused() {
      RunId id = completedResearchRun();
      assertValidation(f.http.get(Fixture.path(id) + "/events?after=-1"), "after");
      assertValidation(f.http.get(Fixture.path(id) + "/events?limit=0"), "limit");
      assertValidation(f.http.get(Fixture.path(id) + "/events?from=2"), "from");
      assertProblem(f.http.get("/runs/nope/events"), 404, "not-found");
    }
  }

  @Nested
  @DisplayName("POST /runs/{id}/cancel, /resume, /replay, /rerun")
  final class Actions {
    @Test
    void cancel_runningRun_endsItCancelled_recordingTheTrigger() {
      RunId id = f.startRun("gated");
      f.awaitStatus(id, RunStatus.RUNNING);
      Http.Response r =
          f.http.post(
              Fixture.path(id) + "/cancel",
              "{\"reason\": \"wrong topic\", \"trigger_id\": \"c-1\","
                  + " \"trigger_source\": \"ui\", \"actor\": \"ada\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().path("status").asText()).isIn("cancel_requested", "cancelled");
      assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.CANCELLED);
      String reason =
          f.orchestrator.events(id, 0, 100).stream()
              .filter(e -> e.type().name().equals("run.cancel_requested"))
              .findFirst()
              .orElseThrow()
              .payload()
              .text("reason")
              .orElseThrow();
      assertThat(reason).contains("wrong topic").contains("c-1").contains("ada");
    }

    @Test
    void cancel_withoutBody_works_andAFinishedRunKeepsItsStatus() {
      RunId id = completedResearchRun();
      Http.Response r =
          f.http.send("POST", Fixture.path(id) + "/cancel", HttpRequest.BodyPublishers.noBody());
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().path("status").asText()).isEqualTo("completed");
    }

    @Test
    void cancel_unknownRunOrField_isRefused() {
      assertProblem(f.http.post("/runs/nope/cancel", "{}"), 404, "not-found");
      RunId id = completedResearchRun();
      assertValidation(f.http.post(Fixture.path(id) + "/cancel", "{\"force\": true}"), "force");
    }

    @Test
    void cancel_reasonWithMalformedUtf8_isRefused400NamingTheByte_andAppendsNothing() {
      RunId id = f.startRun("gated");
      f.awaitStatus(id, RunStatus.RUNNING);
      byte[] head = "{\"reason\": \"wrong ".getBytes(StandardCharsets.US_ASCII);
      byte[] tail = " topic\"}".getBytes(StandardCharsets.US_ASCII);
      byte[] body = new byte[head.length + 2 + tail.length];
      System.arraycopy(head, 0, body, 0, head.length);
      body[head.length] = (byte) 0xC3;
      body[head.length + 1] = (byte) 0x28;
      System.arraycopy(tail, 0, body, head.length + 2, tail.length);
      JsonNode p =
          assertValidation(
              f.http.send(
                  "POST",
                  Fixture.path(id) + "/cancel",
                  HttpRequest.BodyPublishers.ofByteArray(body),
                  "Content-Type",
                  "application/json"),
              "body");
      assertThat(p.path("detail").asText())
          .contains("not valid UTF-8")
          .contains("byte offset " + head.length)
          .contains("0xC3");
      assertThat(p.path("detail").asText()).doesNotContain("\uFFFD");
      f.gate.release();
      assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
      assertThat(f.orchestrator.events(id, 0, 1000))
          .noneMatch(e -> e.type().name().startsWith("run.cancel"));
    }

    @Test
    void resume_failedRun_runsAgain_andTheSameTriggerResumesOnce() {
      RunId id = f.startRun("flaky");
      assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.FAILED);
      String body = Fixture.triggerBody();
      Http.Response r = f.http.post(Fixture.path(id) + "/resume", body);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().path("created").asBoolean()).isTrue();
      assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
      Http.Response again = f.http.post(Fixture.path(id) + "/resume", body);
      assertThat(again.status()).as(again.text()).isEqualTo(200);
      assertThat(again.json().path("created").asBoolean()).isFalse();
      assertThat(f.orchestrator.state(id).count(dev.runs.EventTypes.RUN_RESUMED)).isEqualTo(1);
    }

    @Test
    void resume_completedRun_is409IllegalTransition() {
      RunId id = completedResearchRun();
      JsonNode p =
          assertProblem(
              f.http.post(Fixture.path(id) + "/resume", Fixture.triggerBody()),
              409,
              "illegal-transition");
      assertThat(p.path("current_status").asText()).isEqualTo("completed");
      assertThat(p.path("refused_type").asText()).isEqualTo("run.resumed");
      assertThat(p.path("run_id").asText()).isEqualTo(id.value());
    }

    @Test
    void resume_withoutTrigger_isRefused() {
      RunId id = f.startRun("flaky");
      f.awaitTerminal(id);
      assertValidation(f.http.post(Fixture.path(id) + "/resume", ""), "body");
      assertValidation(f.http.post(Fixture.path(id) + "/resume", "{}"), "trigger_id");
      assertValidation(
          f.http.post(Fixture.path(id) + "/resume", "{\"actor\": \"ada\"}"), "trigger_id");
    }

    @Test
    void replay_fromCheckpoint_startsALinkedRunWithTheSameConfig() {
      RunId source = completedResearchRun();
      Http.Response r =
          f.http.post(
              Fixture.path(source) + "/replay",
              "{\"from\": \"checkpoint:drafted\","
                  + " \"trigger_id\": \"rp-1\", \"trigger_source\": \"ui\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      RunId replay = RunId.of(r.json().path("run_id").asText());
      assertThat(r.header("Location")).contains(Links.runPath(replay));
      JsonNode lineage = r.json().path("record").path("lineage");
      assertThat(lineage.path("parent_run_id").asText()).isEqualTo(source.value());
      assertThat(lineage.path("relation").asText()).isEqualTo("replay");
      assertThat(lineage.path("source_checkpoint").asText()).isEqualTo("checkpoint:drafted");
      assertThat(f.awaitTerminal(replay)).isEqualTo(RunStatus.COMPLETED);
      RunRecord rec = f.orchestrator.get(replay).orElseThrow();
      assertThat(rec.config().sha256())
          .isEqualTo(f.orchestrator.get(source).orElseThrow().config().sha256());
      Http.Response again =
          f.http.post(
              Fixture.path(source) + "/replay",
              "{\"from\": \"checkpoint:drafted\","
                  + " \"trigger_id\": \"rp-1\", \"trigger_source\": \"ui\"}");
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().path("run_id").asText()).isEqualTo(replay.value());
    }

    @Test
    void replay_fromStartByDefault_andBadPointsAreRefused() {
      RunId source = completedResearchRun();
      Http.Response r = f.http.post(Fixture.path(source) + "/replay", Fixture.triggerBody());
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.json().path("record").path("lineage").path("source_checkpoint").asText())
          .isEqualTo("start");
      assertValidation(
          f.http.post(
              Fixture.path(source) + "/replay",
              "{\"from\": \"middle\", \"trigger_id\": \"x\"," + " \"trigger_source\": \"ui\"}"),
          "from");
      JsonNode p =
          assertValidation(
              f.http.post(
                  Fixture.path(source) + "/replay",
                  "{\"from\": \"checkpoint:nope\","
                      + " \"trigger_id\": \"y\", \"trigger_source\": \"ui\"}"),
              "replay_point");
      assertThat(p.path("detail").asText()).contains("drafted");
    }

    @Test
    void rerun_withOverrides_startsANewRunRecordingTheDiff() {
      RunId source = completedResearchRun();
      Http.Response r =
          f.http.post(
              Fixture.path(source) + "/rerun",
              "{\"overrides\": {\"/inputs/topic\": \"waves\"},"
                  + " \"add\": {\"/model/params/temperature\": 0.9},"
                  + " \"trigger_id\": \"rr-1\", \"trigger_source\": \"api\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      JsonNode rec = r.json().path("record");
      assertThat(rec.path("config").path("inputs").path("topic").asText()).isEqualTo("waves");
      assertThat(rec.path("config").path("model").path("params").path("temperature").asDouble())
          .isEqualTo(0.9);
      assertThat(rec.path("lineage").path("relation").asText()).isEqualTo("rerun");
      assertThat(rec.path("lineage").path("config_diff").toString())
          .contains("/inputs/topic")
          .contains("waves");
    }

    @Test
    void rerun_overrideOfAPathTheConfigLacks_isRefusedWithTheNearestKeys_andStartsNothing() {
      RunId source = completedResearchRun();
      int before = f.store.list(RunQuery.all()).runs().size();

      JsonNode p =
          assertValidation(
              f.http.post(
                  Fixture.path(source) + "/rerun",
                  "{\"overrides\": {\"/inputs/topik\": \"waves\"},"
                      + " \"trigger_id\": \"rr-2\", \"trigger_source\": \"api\"}"),
              "overrides./inputs/topik");

      assertThat(p.path("detail").asText()).contains("/inputs has no key 'topik'", "use add");
      assertThat(p.path("nearest_keys").get(0).asText()).isEqualTo("topic");
      assertThat(f.store.list(RunQuery.all()).runs()).hasSize(before);
      assertValidation(
          f.http.post(
              Fixture.path(source) + "/rerun",
              "{\"overrides\": {\"/inputs/topic\": \"a\"}, \"add\": {\"/inputs/topic\": \"b\"},"
                  + " \"trigger_id\": \"rr-3\", \"trigger_source\": \"api\"}"),
          "add./inputs/topic");
      assertValidation(
          f.http.post(
              Fixture.path(source) + "/rerun",
              "{\"add\": {\"/inputs/x\": null},"
                  + " \"trigger_id\": \"rr-4\", \"trigger_source\": \"api\"}"),
          "add./inputs/x");
      assertThat(f.store.list(RunQuery.all()).runs()).hasSize(before);
    }

    @Test
    void rerun_badPointerOrOverridesType_isRefused() {
      RunId source = completedResearchRun();
      assertValidation(
          f.http.post(
              Fixture.path(source) + "/rerun",
              "{\"overrides\": {\"inputs/topic\": 1},"
                  + " \"trigger_id\": \"x\", \"trigger_source\": \"api\"}"),
          "overrides.inputs/topic");
      assertValidation(
          f.http.post(
              Fixture.path(source) + "/rerun",
              "{\"overrides\": [1]," + " \"trigger_id\": \"x\", \"trigger_source\": \"api\"}"),
          "overrides");
    }

    @Test
    void actions_wrongMethod_is405WithAllow() {
      RunId id = completedResearchRun();
      Http.Response r = f.http.get(Fixture.path(id) + "/cancel");
      JsonNode p = assertProblem(r, 405, "method-not-allowed");
      assertThat(r.header("Allow")).contains("POST");
      assertThat(p.path("allow").get(0).asText()).isEqualTo("POST");
      assertThat(
              f.http
                  .send("DELETE", Fixture.path(id), HttpRequest.BodyPublishers.noBody())
                  .header("Allow"))
          .contains("GET");
      assertThat(f.http.send("PUT", "/runs", HttpRequest.BodyPublishers.noBody()).header("Allow"))
          .contains("GET, POST");
    }
  }

  @Nested
  @DisplayName("GET /runs/{id}/stages and artifacts")
  final class Stages {
    @Test
    void stages_listManifestsWithHashesAndArtifactLinks() {
      RunId id = completedResearchRun();
      JsonNode s = f.getJson(Fixture.path(id) + "/stages");
      assertThat(s.path("stages")).hasSize(1);
      JsonNode st = s.path("stages").get(0);
      assertThat(st.path("stage_key").asText()).isEqualTo("report");
      assertThat(st.path("attempt").asInt()).isEqualTo(1);
      assertThat(st.path("manifest_sha256").asText())
          .isEqualTo(f.orchestrator.stages(id).get(0).sha256());
      List<String> hrefs = new ArrayList<>();
      st.path("files")
          .forEach(
              file -> {
                assertThat(file.path("sha256").asText()).hasSize(64);
                if (file.has("href")) {
                  hrefs.add(file.path("href").asText());
                }
              });
      assertThat(hrefs)
          .containsExactly(
              Fixture.path(id) + "/stages/report/artifacts/report.md?attempt=1",
              Fixture.path(id) + "/stages/report/artifacts/sources.json?attempt=1");
    }

    @Test
    void stages_ofARunWithoutStages_isEmpty_andOfAnUnknownRun404() {
      RunId id = f.startRun("flaky");
      f.awaitTerminal(id);
      assertThat(f.getJson(Fixture.path(id) + "/stages").path("stages")).isEmpty();
      assertProblem(f.http.get("/runs/nope/stages"), 404, "not-found");
    }

    @Test
    void artifact_servesTheBytes_withTheirSha256() throws Exception {
      RunId id = completedResearchRun();
      Http.Response r = f.http.get(Fixture.path(id) + "/stages/report/artifacts/report.md");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).startsWith("# Tides");
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(r.body());
      assertThat(r.header("X-Content-SHA256")).contains(HexFormat.of().formatHex(digest));
      assertThat(r.header("Repr-Digest"))
          .contains("sha-256=:" + Base64.getEncoder().encodeToString(digest) + ":");
      assertThat(r.header("ETag")).contains("\"" + HexFormat.of().formatHex(digest) + "\"");
      assertThat(r.header("X-Stage-Attempt")).contains("1");
      assertThat(r.contentType()).startsWith("text/markdown");
      assertThat(r.header("Content-Disposition")).contains("attachment; filename=\"report.md\"");
      assertThat(r.header("Content-Security-Policy")).contains("sandbox");
      Http.Response json =
          f.http.get(Fixture.path(id) + "/stages/report/artifacts/sources.json?attempt=1");
      assertThat(json.contentType()).isEqualTo("application/json");
      assertThat(json.text()).contains("Moon");
    }

    @Test
    void artifact_unknownStageAttemptOrName_is404_andBadNames400() {
      RunId id = completedResearchRun();
      String base = Fixture.path(id) + "/stages/";
      assertThat(
              assertProblem(f.http.get(base + "fetch/artifacts/report.md"), 404, "not-found")
                  .path("detail")
                  .asText())
          .contains("[report]");
      assertThat(
              assertProblem(
                      f.http.get(base + "report/artifacts/report.md?attempt=2"), 404, "not-found")
                  .path("detail")
                  .asText())
          .contains("[1]");
      assertThat(
              assertProblem(f.http.get(base + "report/artifacts/missing.txt"), 404, "not-found")
                  .path("detail")
                  .asText())
          .contains("report.md");
      assertValidation(f.http.get(base + "report/artifacts/report.md?attempt=zero"), "attempt");
      assertValidation(f.http.get(base + "report/artifacts/..%2Frun.json"), "artifact.name");
      assertProblem(f.http.get(base + "report/files/report.md"), 404, "not-found");
    }
  }

  @Nested
  @DisplayName("POST /recommendations, GET /recommendations/{id}")
  final class Recommendations {
    @Test
    void recommend_storesIt_andRunsStartedFromItAreListed() {
      Http.Response r =
          f.http.post(
              "/recommendations",
              "{\"id\": \"rec/1\", \"workflow\": {\"name\": \"research\", \"version\": \"1\"},"
                  + " \"config\": {\"inputs\": {\"topic\": \"tides\"}}, \"budget\": {\"max_cost\":"
                  + " 2.5}, \"rationale\": \"cheaper model is enough\", \"source_ref\":"
                  + " \"advisor-msg-3\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.header("Location")).contains("/recommendations/rec%2F1");
      JsonNode rec = r.json();
      assertThat(rec.path("status").asText()).isEqualTo("ready");
      assertThat(rec.path("config").path("budget").path("max_cost").decimalValue())
          .isEqualByComparingTo("2.5");
      assertThat(rec.path("config_sha256").asText()).hasSize(64);
      assertThat(f.orchestrator.list(dev.runs.RunQuery.all()).runs()).isEmpty();

      Http.Response run =
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"recommendation_id\": \"rec/1\","
                  + " \"trigger_id\": \"from-rec\", \"trigger_source\": \"ui\"}");
      assertThat(run.status()).as(run.text()).isEqualTo(201);
      JsonNode got = f.getJson("/recommendations/rec%2F1");
      assertThat(got.path("rationale").asText()).isEqualTo("cheaper model is enough");
      assertThat(got.path("source_ref").asText()).isEqualTo("advisor-msg-3");
      assertThat(got.path("runs").get(0).asText()).isEqualTo(run.json().path("run_id").asText());
      assertThat(
              run.json().path("record").path("recommendation").path("recommendation_id").asText())
          .isEqualTo("rec/1");
    }

    @Test
    void recommend_withBlockers_isStoredBlocked_andAGeneratedIdWhenNoneGiven() {
      Http.Response r =
          f.http.post(
              "/recommendations",
              "{\"workflow\": \"research@1\", \"blockers\": [\"needs_approval\"]}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.json().path("status").asText()).isEqualTo("blocked");
      assertThat(r.json().path("id").asText()).isNotBlank();
    }

    @Test
    void recommend_takenId_is409_andBadInput400() {
      String body = "{\"id\": \"r-2\", \"workflow\": \"research@1\"}";
      assertThat(f.http.post("/recommendations", body).status()).isEqualTo(201);
      JsonNode p = assertProblem(f.http.post("/recommendations", body), 409, "conflict");
      assertThat(p.path("recommendation_id").asText()).isEqualTo("r-2");
      assertValidation(f.http.post("/recommendations", "{\"config\": {}}"), "workflow");
      assertValidation(
          f.http.post(
              "/recommendations", "{\"workflow\": \"research@1\", \"blockers\": [\"Bad Code\"]}"),
          "blockers[0]");
      assertValidation(
          f.http.post("/recommendations", "{\"workflow\": \"research@1\", \"blockers\": \"x\"}"),
          "blockers");
      assertValidation(
          f.http.post("/recommendations", "{\"workflow\": \"research@1\", \"why\": \"x\"}"), "why");
    }

    @Test
    void recommendation_unknown_is404() {
      JsonNode p = assertProblem(f.http.get("/recommendations/nope"), 404, "not-found");
      assertThat(p.path("recommendation_id").asText()).isEqualTo("nope");
      assertProblem(f.http.get("/recommendations"), 405, "method-not-allowed");
    }
  }

  @Nested
  @DisplayName("the viewer and unknown paths")
  final class Viewer {
    @Test
    void viewer_pageAndAssets_areServedWithAStrictPolicy() {
      Http.Response page = f.http.get("/");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.contentType()).startsWith("text/html");
      assertThat(page.text()).contains("<title>Runs</title>").contains("/viewer/app.js");
      assertThat(page.header("Content-Security-Policy").orElseThrow())
          .contains("script-src 'self'")
          .contains("frame-ancestors 'none'");
      assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
      assertThat(f.http.get("/viewer/app.js").contentType()).startsWith("text/javascript");
      assertThat(f.http.get("/viewer/app.css").contentType()).startsWith("text/css");
      assertThat(f.http.get("/viewer/favicon.svg").contentType()).startsWith("image/svg+xml");
      assertProblem(f.http.get("/viewer/secret.txt"), 404, "not-found");
      assertProblem(f.http.post("/", "{}"), 405, "method-not-allowed");
    }

    @Test
    void viewer_script_startsRunsOnlyFromClicks_withAFreshUiTrigger() {
      String js = f.http.get("/viewer/app.js").text();
      assertThat(js).contains("crypto.randomUUID").contains("trigger_source: 'ui'");
      assertThat(js.split("call\\('POST', '/runs'", -1)).hasSize(2);
    }

    @Test
    void unknownPath_is404Problem() {
      assertProblem(f.http.get("/admin"), 404, "not-found");
      assertProblem(f.http.get("/workflows/x"), 404, "not-found");
      assertProblem(f.http.get("/runs/a/b/c/d"), 404, "not-found");
    }
  }

  @Test
  void encodeSegment_percentEncodesEverythingButUnreserved() {
    assertThat(Links.encodeSegment("acme/etl/0190-x_y.z~")).isEqualTo("acme%2Fetl%2F0190-x_y.z~");
    assertThat(Links.encodeSegment("a b/é")).isEqualTo("a%20b%2F%C3%A9");
  }

  @Test
  void contentType_byExtension() {
    assertThat(StagesResource.contentType("plots/loss.PNG")).isEqualTo("image/png");
    assertThat(StagesResource.contentType("data")).isEqualTo("application/octet-stream");
  }

  private static JsonNode readTree(String json) {
    try {
      return Http.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
