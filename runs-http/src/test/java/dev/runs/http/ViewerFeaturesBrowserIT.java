package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

/**
 * The viewer's views for understanding runs, in headless Chromium against a real server on a real
 * SQLite store: the trace tree (and a live run growing in it), search and filters, the dashboard,
 * the comparison of two runs and a large run. Writes the screenshots of {@code docs/viewer.md} into
 * {@code docs/images/} when run from the repository.
 */
@Timeout(300)
final class ViewerFeaturesBrowserIT {
  @TempDir static Path dir;

  private static @Nullable Fixture fixture;
  private static @Nullable Browser browser;
  private static @Nullable String unavailable;

  @BeforeAll
  static void start() throws IOException {
    Browser.Started s = Browser.start();
    browser = s.browser();
    unavailable = s.unavailable();
    if (browser != null) {
      fixture = Fixture.startOnSqlite(dir.resolve("runs.db"), Duration.ofMillis(120));
    }
  }

  @BeforeEach
  void requireBrowser() {
    Assumptions.assumeTrue(unavailable == null, () -> String.valueOf(unavailable));
  }

  @AfterAll
  static void stop() throws IOException {
    if (browser != null) {
      browser.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static Browser b() {
    return java.util.Objects.requireNonNull(browser);
  }

  private static Fixture f() {
    return java.util.Objects.requireNonNull(fixture);
  }

  /** Where the documentation's screenshots go: docs/images when run from the repository. */
  static Path image(String name) {
    Path docs = Paths.get("..", "docs", "images");
    return Files.isDirectory(docs) ? docs.resolve(name) : Paths.get("target", name);
  }

  private static void open(String hash) {
    b().driver.get(f().server.uri().resolve(hash).toString());
  }

  private static String row(String kind) {
    return "#trace .trace-row[data-kind='" + kind + "']";
  }

  private static int depth(WebElement row) {
    return Integer.parseInt(row.getAttribute("data-depth"));
  }

  // ---- 1. the trace tree
  // -----------------------------------------------------------------------------

  @Test
  void traceTree_nestsCallsUnderSteps_collapses_showsPayload_marksCriticalPath() throws Exception {
    RunId id = f().startRun("research");
    assertThat(f().awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
    open("/#/runs/" + Links.encodeSegment(id.value()) + "/trace");
    Browser b = b();
    b.waitFor(() -> b.all(row("model")).size() == 2, "two model calls in the tree");
    b.waitFor(() -> b.text("#live-text").contains("stream ended"), "the stream to end");
    assertThat(b.all(row("tool"))).hasSize(1);
    assertThat(b.all(row("handoff"))).hasSize(1);
    assertThat(b.all(row("guardrail"))).hasSize(2);

    // nesting: run > phase plan > step outline > model call; the model bar carries its tokens
    WebElement plan = b.el("#trace .trace-row[data-step='plan']");
    WebElement outline = b.el("#trace .trace-row[data-step='plan/outline']");
    assertThat(plan.getAttribute("data-kind")).isEqualTo("phase");
    assertThat(depth(plan)).isEqualTo(1);
    assertThat(depth(outline)).isEqualTo(2);
    List<WebElement> rows = b.all("#trace .trace-row");
    int at = rows.indexOf(outline);
    WebElement firstModel = rows.get(at + 1);
    assertThat(firstModel.getAttribute("data-kind")).isEqualTo("model");
    assertThat(depth(firstModel)).isEqualTo(3);
    assertThat(firstModel.findElement(org.openqa.selenium.By.cssSelector(".tok")).getText())
        .isEqualTo("976");
    assertThat(firstModel.findElement(org.openqa.selenium.By.cssSelector(".cost")).getText())
        .isEqualTo("0.0042");
    // the run's row adds up both calls: 812 + 164 + 1530 + 602 tokens
    assertThat(b.text("#trace .trace-row[data-kind='run'] .tok")).isEqualTo("3,108");
    String bar =
        (String)
            b.js(
                "return arguments[0].querySelector('.trace-bar').style.width",
                b.el("#trace .trace-row[data-step='write']"));
    assertThat(bar).endsWith("%");
    assertThat(Double.parseDouble(bar.replace("%", ""))).isGreaterThan(5);

    // the critical path: the run, then the step that ended last (write), then its model call
    List<String> crit =
        b.all("#trace .trace-row.crit").stream()
            .map(r -> r.getAttribute("data-kind") + ":" + r.getAttribute("data-step"))
            .toList();
    assertThat(crit).containsExactly("run:null", "step:write", "model:null");

    // collapse and expand the phase
    int before = b.all("#trace .trace-row").size();
    b.click("#trace .trace-row[data-step='plan'] .trace-toggle", "collapse plan");
    b.waitFor(
        () -> b.all("#trace .trace-row[data-step='plan/outline']").isEmpty(),
        "plan's steps to hide");
    assertThat(b.all("#trace .trace-row")).hasSize(before - 3); // outline, its model, decision
    assertThat(
            b.el("#trace .trace-row[data-step='plan'] .trace-toggle").getAttribute("aria-expanded"))
        .isEqualTo("false");
    b.click("#trace .trace-row[data-step='plan'] .trace-toggle", "expand plan");
    b.waitFor(() -> b.all("#trace .trace-row").size() == before, "plan's steps back");

    // a node's full payload, pretty, and its copy button
    b.click(row("tool"), "the tool call");
    b.waitFor(() -> b.el("#trace-detail").isDisplayed(), "the payload panel");
    String json = b.text("#trace-json");
    assertThat(json).contains("\"type\": \"tool.call.started\"", "\"tool_name\": \"web_search\"");
    assertThat(json).contains("\"type\": \"tool.call.completed\"", "\"result\": \"3 sources\"");
    assertThat(b.text("#trace-detail-title")).isEqualTo("tool · web_search");
    b.el("#trace-copy").click();
    b.waitFor(() -> b.text("#trace-copy").equals("Copied"), "the copy to succeed");

    // a deep link to one event selects its node
    RunEvent handoff =
        f().orchestrator.events(id, 0, 1000).stream()
            .filter(e -> e.type().name().equals("agent.handoff"))
            .findFirst()
            .orElseThrow();
    open("/#/runs/" + Links.encodeSegment(id.value()) + "/events/" + handoff.sequence());
    b.waitFor(
        () -> b.el(row("handoff")).getAttribute("class").contains("selected"),
        "the deep-linked handoff selected");
    assertThat(b.text("#trace-json")).contains("\"to_agent\": \"writer\"");
    b.el("#trace-close").click();
    b.waitFor(
        () -> b.all("#toasts .toast").isEmpty() && !b.el("#trace-detail").isDisplayed(),
        "the payload closed and the notices gone");
    b.screenshot(image("viewer-trace.png"));
  }

  /** The {@code data-key} of the element that has the focus, or null. */
  private static @Nullable String focusedKey() {
    return (String) b().js("return document.activeElement.dataset.key || null");
  }

  private static void press(CharSequence key) {
    b().driver.switchTo().activeElement().sendKeys(key);
  }

  private static String key(String css) {
    return b().el(css).getAttribute("data-key");
  }

  @Test
  void traceTree_arrowKeys_moveFocusExpandAndCollapse_likeTheAriaTreePattern() {
    RunId id = f().startRun("research");
    assertThat(f().awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
    open("/#/runs/" + Links.encodeSegment(id.value()) + "/trace");
    Browser b = b();
    b.waitFor(() -> b.text("#live-text").contains("stream ended"), "the stream to end");
    b.waitFor(() -> b.all(row("model")).size() == 2, "two model calls in the tree");
    String run = key("#trace .trace-row[data-kind='run']");
    String plan = key("#trace .trace-row[data-step='plan']");
    String outline = key("#trace .trace-row[data-step='plan/outline']");
    // one tab stop: the first row until another is focused
    List<WebElement> stops = b.all("#trace .trace-row[tabindex='0']");
    assertThat(stops).hasSize(1);
    assertThat(stops.get(0).getAttribute("data-key")).isEqualTo(run);
    b.js("document.querySelector('#trace .trace-row[tabindex=\"0\"]').focus()");
    b.waitFor(() -> run.equals(focusedKey()) ? run : null, "the run row focused");

    // Down and Up walk the visible rows in order
    List<String> order =
        b.all("#trace .trace-row").stream().map(r -> r.getAttribute("data-key")).toList();
    press(org.openqa.selenium.Keys.ARROW_DOWN);
    b.waitFor(() -> order.get(1).equals(focusedKey()) ? 1 : null, "Down to the second row");
    assertThat(order.get(1)).isEqualTo(plan);
    press(org.openqa.selenium.Keys.ARROW_DOWN);
    b.waitFor(() -> outline.equals(focusedKey()) ? 1 : null, "Down to plan's first step");
    press(org.openqa.selenium.Keys.ARROW_UP);
    b.waitFor(() -> plan.equals(focusedKey()) ? 1 : null, "Up back to plan");
    assertThat(b.all("#trace .trace-row[tabindex='0']"))
        .extracting(r -> r.getAttribute("data-key"))
        .as("the tab stop follows the focus")
        .containsExactly(plan);

    // Left on an open row collapses it and keeps the focus; Left again goes to the parent
    int before = order.size();
    press(org.openqa.selenium.Keys.ARROW_LEFT);
    b.waitFor(
        () -> b.all("#trace .trace-row[data-step='plan/outline']").isEmpty() ? 1 : null,
        "Left to collapse plan");
    assertThat(b.all("#trace .trace-row")).hasSize(before - 3);
    assertThat(b.el("#trace .trace-row[data-step='plan']").getAttribute("aria-expanded"))
        .isEqualTo("false");
    assertThat(focusedKey()).isEqualTo(plan);
    press(org.openqa.selenium.Keys.ARROW_LEFT);
    b.waitFor(() -> run.equals(focusedKey()) ? 1 : null, "Left to the parent");
    assertThat(b.all("#trace .trace-row")).as("the run stays open").hasSize(before - 3);

    // Right on a collapsed row expands it; Right again goes to its first child
    press(org.openqa.selenium.Keys.ARROW_DOWN);
    b.waitFor(() -> plan.equals(focusedKey()) ? 1 : null, "Down to plan");
    press(org.openqa.selenium.Keys.ARROW_RIGHT);
    b.waitFor(() -> b.all("#trace .trace-row").size() == before ? 1 : null, "Right to expand");
    assertThat(b.el("#trace .trace-row[data-step='plan']").getAttribute("aria-expanded"))
        .isEqualTo("true");
    assertThat(focusedKey()).isEqualTo(plan);
    press(org.openqa.selenium.Keys.ARROW_RIGHT);
    b.waitFor(() -> outline.equals(focusedKey()) ? 1 : null, "Right to the first child");

    // End and Home jump; Enter selects the focused row and shows its payload
    press(org.openqa.selenium.Keys.END);
    b.waitFor(() -> order.get(order.size() - 1).equals(focusedKey()) ? 1 : null, "End to the last");
    press(org.openqa.selenium.Keys.HOME);
    b.waitFor(() -> run.equals(focusedKey()) ? 1 : null, "Home to the first");
    press(org.openqa.selenium.Keys.ARROW_DOWN);
    press(org.openqa.selenium.Keys.ENTER);
    b.waitFor(() -> b.el("#trace-detail").isDisplayed() ? 1 : null, "Enter to select");
    assertThat(b.el("#trace .trace-row[data-step='plan']").getAttribute("aria-selected"))
        .isEqualTo("true");
    // a leaf ignores Right, and Left from a leaf goes to its parent
    String model = key("#trace .trace-row[data-step='plan/outline'] + .trace-row");
    b.js(
        "document.querySelector('#trace .trace-row[data-key=\"' + arguments[0] + '\"]').focus()",
        model);
    b.waitFor(() -> model.equals(focusedKey()) ? 1 : null, "the model call focused");
    int rows = b.all("#trace .trace-row").size();
    press(org.openqa.selenium.Keys.ARROW_RIGHT);
    assertThat(focusedKey()).isEqualTo(model);
    assertThat(b.all("#trace .trace-row")).hasSize(rows);
    press(org.openqa.selenium.Keys.ARROW_LEFT);
    b.waitFor(() -> outline.equals(focusedKey()) ? 1 : null, "Left from a leaf to its parent");
    b.el("#trace-close").click();
  }

  @Test
  void traceTree_liveRunGrowsInPlace() {
    // a run written straight to the store, so the test appends each event while the page is open
    RunRecord record =
        f().store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("agent", "1"),
                        ConfigSnapshot.of(Map.of("inputs", Map.of("topic", "waves"))),
                        Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                    .namespace("acme/live")
                    .build())
            .record();
    RunId id = record.id();
    var store = f().store;
    store.append(id, EventDraft.of("run.started", Map.of()));
    store.append(id, EventDraft.of("phase.started", Map.of()).withStep("research"));
    store.append(
        id, EventDraft.of("step.started", Map.of()).withStep("research/search").withAttempt(1));
    open("/#/runs/" + Links.encodeSegment(id.value()) + "/trace");
    Browser b = b();
    b.waitFor(
        () -> b.all("#trace .trace-row[data-step='research/search']").size() == 1,
        "the first step in the tree");
    b.waitFor(() -> b.el("#live").getAttribute("data-state").equals("live"), "the live stream");
    assertThat(b.all(row("tool"))).isEmpty();

    RunEvent started =
        store.append(
            id,
            EventDraft.of("tool.call.started", Map.of("tool_name", "web_search"))
                .withStep("research/search")
                .withAttempt(1));
    b.waitFor(() -> b.all(row("tool")).size() == 1, "the tool call to appear live");
    b.waitFor(() -> b.text(row("tool") + " .dur").equals("running…"), "the call running");
    store.append(
        id,
        EventDraft.of(
                "tool.call.completed",
                Map.of("tool_name", "web_search", "result", "2 hits", "latency_ms", 40))
            .withStep("research/search")
            .withAttempt(1)
            .withParent(started.eventId()));
    b.waitFor(() -> b.text(row("tool") + " .dur").equals("40 ms"), "the call to end live");
    assertThat(b.all(row("tool"))).as("the completion closes its start").hasSize(1);
    store.append(
        id,
        EventDraft.of("step.completed", Map.of("duration_ms", 55))
            .withStep("research/search")
            .withAttempt(1));
    store.append(
        id, EventDraft.of("step.started", Map.of()).withStep("research/answer").withAttempt(1));
    RunEvent gen =
        store.append(
            id,
            EventDraft.of("model.generation.started", Map.of("provider", "acme", "model", "m-2"))
                .withStep("research/answer")
                .withAttempt(1));
    store.append(
        id,
        EventDraft.of(
                "model.generation.completed",
                Map.of(
                    "provider",
                    "acme",
                    "model",
                    "m-2",
                    "usage",
                    Map.of("input_tokens", 100, "output_tokens", 20),
                    "cost",
                    0.5))
            .withStep("research/answer")
            .withAttempt(1)
            .withParent(gen.eventId()));
    b.waitFor(
        () -> b.all("#trace .trace-row[data-step='research/answer']").size() == 1,
        "the second step to appear live");
    b.waitFor(() -> b.text(row("model") + " .tok").equals("120"), "the model call's tokens");
    // the page redraws a live run's tree as time passes: read it inside the wait
    b.waitFor(
        () ->
            depth(b.el(row("model"))) == 3
                && b.text("#trace .trace-row[data-step='research'] .tok").equals("120"),
        "the call nested in its step, its tokens added up to the phase");
    store.append(
        id, EventDraft.of("step.completed", Map.of()).withStep("research/answer").withAttempt(1));
    store.append(id, EventDraft.of("phase.completed", Map.of()).withStep("research"));
    store.append(id, EventDraft.of("run.completed", Map.of()));
    b.waitFor(() -> b.text("#live-text").contains("stream ended"), "the live run to end");
    b.waitFor(
        () ->
            b.el("#trace .trace-row[data-kind='run']")
                .getAttribute("data-status")
                .equals("completed"),
        "the run node completed");
    assertThat(b.all("#trace .trace-row")).hasSize(6);
  }

  /** A finished run written straight to the store: steps with the given outputs, a console line. */
  private static RunId storeRun(
      String workflow, Map<String, String> labels, String line, Map<String, Object> outputs) {
    return storeRun(workflow, labels, line, outputs, "waves");
  }

  private static RunId storeRun(
      String workflow,
      Map<String, String> labels,
      String line,
      Map<String, Object> outputs,
      String topic) {
    RunRecord.Builder rb =
        RunRecord.builder(
                WorkflowRef.of(workflow, "1"),
                ConfigSnapshot.of(Map.of("inputs", Map.of("topic", topic))),
                Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
            .namespace("acme/other");
    labels.forEach(rb::label);
    RunId id = f().store.create(rb.build()).record().id();
    var store = f().store;
    store.append(id, EventDraft.of("run.started", Map.of()));
    store.append(id, EventDraft.of("console.line", Map.of("stream", "stdout", "text", line)));
    outputs.forEach(
        (step, out) -> {
          store.append(id, EventDraft.of("step.started", Map.of()).withStep(step).withAttempt(1));
          store.append(
              id,
              EventDraft.of("step.completed", Map.of("output", out, "duration_ms", 30))
                  .withStep(step)
                  .withAttempt(1));
        });
    store.append(id, EventDraft.of("run.completed", Map.of()));
    return id;
  }

  private static String hash() {
    return String.valueOf(b().js("return decodeURIComponent(location.hash)"));
  }

  // ---- 2. search, filters and the keyboard
  // -----------------------------------------------------------

  @Test
  void search_textAndFilters_inTheUrl_keyboardNavigation() {
    RunId zebra = storeRun("agent", Map.of("team", "search"), "spotted zebra-7781 here", Map.of());
    RunId other = storeRun("agent", Map.of("team", "ops"), "nothing to see", Map.of());
    Browser b = b();
    open("/");
    b.waitFor(
        () -> !b.all("#run-list .run-item[data-run-id='" + other.value() + "']").isEmpty(),
        "the runs listed");

    // full text over the events, with the match shown and the query in the URL
    b.el("#search-q").sendKeys("zebra-7781\n");
    b.waitFor(
        () -> {
          List<WebElement> items = b.all("#run-list .run-item");
          return items.size() == 1
              && items.get(0).getAttribute("data-run-id").equals(zebra.value());
        },
        "only the run whose event says zebra-7781");
    assertThat(b.text("#run-list .run-item .match")).contains("console.line", "zebra-7781");
    assertThat(b.js("return location.search")).isEqualTo("?q=zebra-7781");

    // a shared URL with filters fills the form and lists what it says
    open("/?workflow=agent&label=team%3Dops&trigger_source=test");
    b.waitFor(
        () -> {
          List<WebElement> items = b.all("#run-list .run-item");
          return items.size() == 1
              && items.get(0).getAttribute("data-run-id").equals(other.value());
        },
        "only the ops run");
    assertThat(b.el("#search-workflow").getAttribute("value")).isEqualTo("agent");
    assertThat(b.el("#search-label").getAttribute("value")).isEqualTo("team=ops");
    assertThat(b.el("#search-more").getAttribute("open")).isNotNull();

    // a bad filter: the server's problem names the parameter on the page
    b.el("#search-label").clear();
    b.el("#search-label").sendKeys("team\n");
    b.waitFor(() -> b.text("#search-error").startsWith("label:"), "the label problem shown");

    // keyboard: / focuses the search, Escape leaves it, j and k move, Enter opens
    open("/");
    b.waitFor(() -> b.all("#run-list .run-item").size() >= 2, "the runs listed");
    b.el("body").sendKeys("/");
    b.waitFor(() -> "search-q".equals(b.js("return document.activeElement.id")), "/ to search");
    b.el("#search-q").sendKeys(org.openqa.selenium.Keys.ESCAPE);
    b.waitFor(() -> !"search-q".equals(b.js("return document.activeElement.id")), "Escape");
    b.el("body").sendKeys("j");
    b.el("body").sendKeys("j");
    b.el("body").sendKeys("k");
    List<WebElement> items = b.all("#run-list .run-item");
    String first = items.get(0).getAttribute("data-run-id");
    String focused = (String) b.js("return document.activeElement.dataset.runId");
    assertThat(focused).isEqualTo(first);
    b.driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ENTER);
    b.waitFor(() -> hash().equals("#/runs/" + first), "Enter to open the focused run");
  }

  // ---- 3. the dashboard
  // ---------------------------------------------------------------------------

  @Test
  void dashboard_fromStats() throws Exception {
    RunId research = f().startRun("research");
    RunId flaky = f().startRun("flaky");
    f().awaitTerminal(research);
    f().awaitTerminal(flaky);
    int total = f().orchestrator.list(RunQuery.builder().limit(1000).build()).runs().size();
    Browser b = b();
    open("/#/dashboard");
    b.waitFor(
        () -> b.text("#dash-runs .stat-value").equals(String.valueOf(total)), "the run count");
    long inChart =
        b.all("#dash-chart .chart-col").stream()
            .mapToLong(c -> Long.parseLong(c.getAttribute("data-runs")))
            .sum();
    assertThat(inChart).isEqualTo(total);
    assertThat(b.all("#dash-chart .chart-col")).hasSizeBetween(7, 9);
    assertThat(b.text("#dash-workflows tr[data-workflow='research@1']")).contains("research@1");
    assertThat(b.text("#dash-failing")).contains("flaky@1", "call");
    // by model: one row a model, as GET /stats adds them up, most cost first
    JsonNode stats = f().getJson("/stats");
    List<String> expected = new ArrayList<>();
    stats
        .path("by_model")
        .forEach(m -> expected.add(m.path("provider").asText() + "/" + m.path("model").asText()));
    List<WebElement> rows = b.all("#dash-models tbody tr[data-model]");
    assertThat(rows)
        .extracting(r -> r.getAttribute("data-provider") + "/" + r.getAttribute("data-model"))
        .containsExactlyElementsOf(expected)
        .contains("acme/m-1", "acme/m-2");
    for (int i = 0; i < rows.size(); i++) {
      JsonNode m = stats.path("by_model").get(i);
      List<String> cells =
          rows.get(i).findElements(org.openqa.selenium.By.tagName("td")).stream()
              .map(WebElement::getText)
              .toList();
      assertThat(cells.get(0)).isEqualTo(m.path("provider").asText());
      assertThat(cells.get(1)).isEqualTo(m.path("model").asText());
      assertThat(digits(cells.get(2))).isEqualTo(m.path("runs").asLong());
      assertThat(digits(cells.get(3))).isEqualTo(m.path("calls").asLong());
      assertThat(digits(cells.get(4))).isEqualTo(m.path("failed_calls").asLong());
      assertThat(digits(cells.get(5))).isEqualTo(m.path("input_tokens").asLong());
      assertThat(digits(cells.get(6))).isEqualTo(m.path("output_tokens").asLong());
      assertThat(new java.math.BigDecimal(cells.get(7)))
          .isEqualByComparingTo(
              m.path("cost").decimalValue().setScale(4, java.math.RoundingMode.HALF_EVEN));
    }
    assertThat(b.text("#dash-p95 .stat-value")).isNotEqualTo("–");
    b.el("#dash-group_by option[value='hour']").click();
    b.waitFor(() -> hash().equals("#/dashboard?group_by=hour"), "the choice in the URL");
    b.waitFor(() -> b.all("#dash-chart .chart-col").size() >= 168, "hourly columns");
    b.el("#dash-group_by option[value='day']").click();
    b.waitFor(() -> b.all("#dash-chart .chart-col").size() < 10, "daily columns again");
    b.screenshot(image("viewer-dashboard.png"));
  }

  private static long digits(String text) {
    return Long.parseLong(text.replaceAll("[^0-9]", ""));
  }

  // ---- 4. comparing two runs
  // ----------------------------------------------------------------------

  @Test
  void compare_rerunWithItsParent_andAnyTwoRunsByPicking() throws Exception {
    RunId source = f().startRun("research");
    f().awaitTerminal(source);
    Http.Response r =
        f().http
            .post(
                Fixture.path(source) + "/rerun",
                "{\"overrides\": {\"/inputs/topic\": \"waves\"}, \"trigger_id\": \""
                    + UUID.randomUUID()
                    + "\", \"trigger_source\": \"ui\"}");
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    RunId rerun = RunId.of(r.json().path("run_id").asText());
    f().awaitTerminal(rerun);
    Browser b = b();
    open("/#/runs/" + Links.encodeSegment(rerun.value()));
    b.waitFor(() -> b.el("#compare-parent").isDisplayed(), "Compare with parent offered");
    b.click("#compare-parent", "Compare with parent");
    b.waitFor(
        () -> hash().equals("#/compare/" + source.value() + "/" + rerun.value()),
        "the comparison's deep link");
    b.waitFor(
        () -> b.text("#compare-config li[data-path='/inputs/topic']").contains("waves"),
        "the recorded config diff");
    assertThat(b.text("#compare-config li[data-path='/inputs/topic']"))
        .contains("\"tides\"", "\"waves\"");
    assertThat(b.text("#compare-view")).containsIgnoringCase("Config diff (recorded on the rerun)");
    assertThat(
            b.all("#compare-steps tbody tr").stream()
                .map(t -> t.getAttribute("data-step"))
                .toList())
        .containsExactly("plan", "plan/outline", "search", "write");
    assertThat(b.text("#compare-steps tr[data-step='plan/outline']")).contains("976");

    // any two runs: pick one in the run's header; the first step whose output differs is marked
    Map<String, Object> xs = new LinkedHashMap<>();
    xs.put("fetch", "same");
    xs.put("rank", List.of("a", "b"));
    xs.put("answer", 1);
    Map<String, Object> ys = new LinkedHashMap<>(xs);
    ys.put("rank", List.of("b", "a"));
    ys.put("answer", 2);
    RunId x = storeRun("agent", Map.of(), "x", xs, "tides");
    RunId y = storeRun("agent", Map.of(), "y", ys, "waves");
    open("/#/runs/" + Links.encodeSegment(y.value()));
    b.waitFor(
        () -> {
          WebElement o = b.el("#compare-with option[value='" + x.value() + "']");
          o.click();
          return o.isSelected();
        },
        "the other run picked");
    b.el("#compare-btn").click();
    b.waitFor(
        () -> hash().equals("#/compare/" + x.value() + "/" + y.value()), "the comparison opens");
    b.waitFor(() -> b.el("#first-divergence").isDisplayed(), "the first divergence marked");
    WebElement diverged = b.el("#compare-steps tr.diverged");
    assertThat(diverged.getAttribute("data-step")).isEqualTo("rank");
    assertThat(b.text("#compare-config li[data-path='/inputs/topic']"))
        .contains("\"tides\"", "\"waves\"");
    assertThat(b.text("#compare-view")).containsIgnoringCase("Config diff (computed)");
    assertThat(b.all("#compare-steps tr.diverged")).hasSize(1);
    assertThat(b.text("#compare-steps tr[data-step='fetch']")).contains("same");
    assertThat(b.text("#compare-steps tr[data-step='rank']")).contains("differs");
    b.screenshot(image("viewer-compare.png"));
  }

  // ---- 6. a large run
  // -----------------------------------------------------------------------------

  @Test
  void largeRun_100kEvents_opensUnder2s_andScrollsAsAVirtualList() {
    int n = 100_000;
    RunId id =
        f().store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("bulk", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                    .build())
            .record()
            .id();
    long wrote = System.nanoTime();
    f().store.append(id, EventDraft.of("run.started", Map.of()));
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 3; i < n; i++) {
      batch.add(EventDraft.of("console.line", Map.of("stream", "stdout", "text", "line " + i)));
      if (batch.size() == 1000) {
        f().store.append(id, batch);
        batch.clear();
      }
    }
    f().store.append(id, batch);
    // the final event carries the run's summary, as the orchestrator writes it
    List<RunEvent> all = new ArrayList<>();
    try (EventStream events = f().store.read(id, 0)) {
      events.forEachRemaining(all::add);
    }
    RunRecord rec = f().store.get(id).orElseThrow();
    RunSummary summary = RunSummary.from(rec, all);
    f().store
        .append(
            id,
            EventDraft.of(
                dev.runs.EventTypes.RUN_COMPLETED,
                Payload.of("{\"summary\": " + summary.toPayload().json() + "}")));
    assertThat(f().orchestrator.state(id).lastSequence()).isEqualTo(n);
    System.out.printf(
        "large run: wrote %,d events in %d ms%n", n, (System.nanoTime() - wrote) / 1_000_000);

    for (String path :
        List.of(
            Fixture.path(id),
            Fixture.path(id) + "/events?after=0&limit=500",
            Fixture.path(id) + "/stages")) {
      long t = System.nanoTime();
      assertThat(f().http.get(path).status()).isEqualTo(200);
      System.out.printf(
          "large run: GET %s in %d ms%n",
          path.substring(path.lastIndexOf('/')), (System.nanoTime() - t) / 1_000_000);
    }
    Browser b = b();
    open("/#/dashboard"); // a page already loaded: the measure is opening the run, not the page
    b.waitFor(() -> b.el("#dash-runs").isDisplayed(), "the page");
    long start = System.nanoTime();
    b.js("location.hash = arguments[0]", "#/runs/" + Links.encodeSegment(id.value()));
    try {
      b.waitFor(
          () ->
              b.text("#event-count").equals("100,000")
                  && b.text("#timeline .ev[data-seq='2']").contains("started"),
          "the large run's first events and its count");
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage()
              + "; the page shows "
              + b.js(
                  "return document.getElementById('event-count').textContent + ' | '"
                      + " + document.getElementById('timeline').innerHTML.slice(0, 600)"),
          e);
    }
    long openMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("large run: %,d events opened in %d ms%n", n, openMs);
    assertThat(openMs).as("opening a 100,000-event run").isLessThan(2000);
    assertThat(b.all("#timeline .ev"))
        .as("only the rows in view are in the DOM")
        .hasSizeLessThan(120);

    // scroll through it: each step lands on rows fetched for it, frames stay short
    @SuppressWarnings("unchecked")
    Map<String, Object> scroll =
        (Map<String, Object>)
            b.driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "const tl = document.getElementById('timeline');"
                    + "const frames = []; let last = performance.now(); let i = 0;"
                    + "function step(now) {"
                    + "  frames.push(now - last); last = now;"
                    + "  tl.scrollTop += 4000; i++;"
                    + "  if (i < 120) requestAnimationFrame(step);"
                    + "  else done({max: Math.max(...frames.slice(1)),"
                    + "    mean: frames.slice(1).reduce((a, b) => a + b, 0) / (frames.length - 1),"
                    + "    top: tl.scrollTop});"
                    + "}"
                    + "requestAnimationFrame(step);");
    System.out.printf(
        "large run: 120 scroll frames, mean %.1f ms, max %.1f ms%n",
        ((Number) scroll.get("mean")).doubleValue(), ((Number) scroll.get("max")).doubleValue());
    assertThat(((Number) scroll.get("mean")).doubleValue()).isLessThan(50);
    long top = ((Number) scroll.get("top")).longValue();
    long seq = top / 26 + 1;
    long jumped = System.nanoTime();
    b.waitFor(
        () -> !b.all("#timeline .ev[data-seq='" + (seq + 5) + "']").isEmpty(),
        "the rows at the new position, fetched as a page");
    System.out.printf(
        "large run: rows at event %,d shown %d ms after the scroll%n",
        seq + 5, (System.nanoTime() - jumped) / 1_000_000);
    assertThat(b.text("#timeline .ev[data-seq='" + (seq + 5) + "']")).contains("line " + (seq + 5));
    b.js("document.getElementById('timeline').scrollTop = 1e9");
    b.waitFor(
        () -> b.text("#timeline .ev[data-seq='100000']").contains("completed"),
        "the last event at the bottom");
    assertThat(b.all("#timeline .ev")).hasSizeLessThan(120);
  }

  // ---- 5. the rerun form
  // --------------------------------------------------------------------------

  @Test
  void rerunForm_editsPointers_previewsTheDiff_preflightsBeforeStarting() {
    RunId source = f().startRun("research");
    f().awaitTerminal(source);
    Browser b = b();
    open("/#/runs/" + Links.encodeSegment(source.value()));
    b.waitFor(() -> b.text("#run-status").equals("completed"), "the source run");
    // the replay picker lists the run's real steps and checkpoints
    b.waitFor(
        () ->
            b.all("#replay-from option").stream()
                .map(o -> o.getAttribute("value"))
                .toList()
                .containsAll(
                    List.of(
                        "start",
                        "step:plan/outline",
                        "step:search",
                        "step:write",
                        "checkpoint:drafted")),
        "the replay points");

    b.click("#rerun-open", "Rerun…");
    b.waitFor(() -> b.el("#rerun-dialog").isDisplayed(), "the rerun form");
    WebElement path = b.el("#rerun-changes .rerun-path");
    path.sendKeys("/inputs/topic", org.openqa.selenium.Keys.TAB);
    WebElement value = b.el("#rerun-changes .rerun-value");
    b.waitFor(() -> value.getAttribute("value").equals("\"tides\""), "the current value filled in");

    // not JSON: said so, nothing can start
    value.clear();
    value.sendKeys("forbidden");
    b.waitFor(() -> b.text("#rerun-error").contains("not JSON"), "the value refused");
    assertThat(b.el("#rerun-submit").isEnabled()).isFalse();

    // a blocker from the preflight: nothing can start
    value.clear();
    value.sendKeys("\"forbidden\"");
    b.waitFor(
        () -> b.text("#rerun-diff li[data-path='/inputs/topic']").contains("\"forbidden\""),
        "the diff preview");
    b.el("#rerun-check").click();
    b.waitFor(
        () -> "false".equals(b.el("#rerun-issues").getAttribute("data-ready")),
        "the preflight's blocker");
    assertThat(b.all("#rerun-issues li.blocker").stream().map(WebElement::getText).toList())
        .anyMatch(w -> w.contains("topic_forbidden"));
    assertThat(b.el("#rerun-submit").isEnabled()).isFalse();

    // a warning, then a change to a new path: ready, and the rerun starts with both changes
    value.clear();
    value.sendKeys("\"the tides of the north sea\"");
    b.el("#rerun-add").click();
    List<WebElement> paths = b.all("#rerun-changes .rerun-path");
    List<WebElement> values = b.all("#rerun-changes .rerun-value");
    paths.get(1).sendKeys("/inputs/depth");
    values.get(1).sendKeys("3");
    b.waitFor(
        () -> b.text("#rerun-diff li[data-path='/inputs/depth']").contains("added"),
        "the added path in the diff");
    b.el("#rerun-check").click();
    b.waitFor(
        () -> "true".equals(b.el("#rerun-issues").getAttribute("data-ready")),
        "the preflight ready");
    assertThat(b.all("#rerun-issues li.warning").stream().map(WebElement::getText).toList())
        .anyMatch(w -> w.contains("topic_long"));
    int before = f().orchestrator.list(RunQuery.builder().limit(1000).build()).runs().size();
    b.el("#rerun-submit").click();
    b.waitFor(
        () -> !hash().equals("#/runs/" + source.value()) && hash().startsWith("#/runs/"),
        "the rerun to open");
    RunId rerun = RunId.of(hash().substring("#/runs/".length()));
    RunRecord rec = f().orchestrator.get(rerun).orElseThrow();
    assertThat(rec.lineage().orElseThrow().parentRunId()).isEqualTo(source);
    assertThat(rec.config().at("/inputs/topic").orElseThrow().asText())
        .isEqualTo("the tides of the north sea");
    assertThat(rec.config().at("/inputs/depth").orElseThrow().asInt()).isEqualTo(3);
    assertThat(rec.trigger().source()).isEqualTo(TriggerSource.UI);
    assertThat(f().orchestrator.list(RunQuery.builder().limit(1000).build()).runs())
        .as("one click, one run")
        .hasSize(before + 1);
  }

  // ---- 7. accessibility and dark mode
  // -------------------------------------------------------------

  /**
   * Every visible control has an accessible name, and every visible text has a contrast ratio of at
   * least 4.5:1 (3:1 when large) against the background it is drawn on. Answers what fails.
   */
  private static final String AUDIT =
      "const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number); const f = (v) => { v /= 255;"
          + " return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return [0.2126 *"
          + " f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]), m.length > 3 ? m[3] : 1]; };const bg ="
          + " (el) => { for (let e = el; e; e = e.parentElement) {  const c ="
          + " getComputedStyle(e).backgroundColor; const m = c.match(/[\\d.]+/g);  if (m &&"
          + " (m.length < 4 || Number(m[3]) > 0.5)) return c; } return 'rgb(255,255,255)'; };const"
          + " out = [];const visible = (el) => el.getClientRects().length > 0 &&"
          + " getComputedStyle(el).visibility !== 'hidden';for (const el of"
          + " document.querySelectorAll('button, input, select, textarea, a[href], [role=treeitem],"
          + " [role=tab]')) {  if (!visible(el) || el.closest('[hidden]')) continue;  const label ="
          + " el.getAttribute('aria-label') || (el.labels && el.labels.length &&"
          + " el.labels[0].textContent.trim())    || el.textContent.trim() ||"
          + " el.getAttribute('title');  if (!label) out.push('no accessible name: ' +"
          + " el.outerHTML.slice(0, 120)); }const walker = document.createTreeWalker(document.body,"
          + " NodeFilter.SHOW_TEXT);for (let n = walker.nextNode(); n; n = walker.nextNode()) { "
          + " const el = n.parentElement; if (!n.textContent.trim() || !el || !visible(el))"
          + " continue;  if (el.closest('[hidden], .sr-only, option, svg, .trace-ticks')) continue;"
          + "  const s = getComputedStyle(el); if (Number(s.opacity) < 1 ||"
          + " el.closest('button:disabled')) continue;  const [l1] = lum(s.color); const [l2] ="
          + " lum(bg(el));  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05); "
          + " const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.6 &&"
          + " Number(s.fontWeight) >= 700);  if (ratio < (large ? 3 : 4.5))"
          + " out.push(ratio.toFixed(2) + ':1 ' + s.color + ' on ' + bg(el)    + ' for \\'' +"
          + " n.textContent.trim().slice(0, 30) + '\\' in ' + el.className); }return [...new"
          + " Set(out)];";

  @SuppressWarnings("unchecked")
  private static List<String> audit() {
    return (List<String>) b().js(AUDIT);
  }

  @Test
  void accessibility_namesAndContrast_lightAndDark() {
    RunId research = f().startRun("research");
    RunId flaky = f().startRun("flaky");
    f().awaitTerminal(research);
    f().awaitTerminal(flaky);
    Browser b = b();
    for (String scheme : List.of("light", "dark")) {
      b.driver.executeCdpCommand(
          "Emulation.setEmulatedMedia",
          Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
      open("/#/runs/" + Links.encodeSegment(research.value()));
      b.waitFor(() -> b.text("#live-text").contains("stream ended"), "the run in " + scheme);
      String body = (String) b.js("return getComputedStyle(document.body).backgroundColor");
      assertThat(body)
          .as("the page follows the " + scheme + " scheme")
          .isEqualTo(scheme.equals("dark") ? "rgb(11, 17, 32)" : "rgb(246, 247, 249)");
      assertThat(audit()).as("timeline, " + scheme).isEmpty();
      b.click("#tab-trace", "the Trace tab");
      b.waitFor(() -> b.all("#trace .trace-row").size() > 5, "the tree");
      assertThat(audit()).as("trace, " + scheme).isEmpty();
      open("/#/dashboard");
      b.waitFor(() -> b.el("#dash-workflows").isDisplayed(), "the dashboard");
      assertThat(audit()).as("dashboard, " + scheme).isEmpty();
      open(
          "/#/compare/"
              + Links.encodeSegment(research.value())
              + "/"
              + Links.encodeSegment(flaky.value()));
      b.waitFor(() -> b.el("#compare-steps").isDisplayed(), "the comparison");
      assertThat(audit()).as("comparison, " + scheme).isEmpty();
    }
    b.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
  }
}
