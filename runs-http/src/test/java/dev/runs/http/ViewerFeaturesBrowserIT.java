package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
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
    b.el(row("handoff")).click();
    b.waitFor(
        () -> b.all("#toasts .toast").isEmpty() && b.el("#trace-detail").isDisplayed(), "toasts");
    b.screenshot(image("viewer-trace.png"));
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
}
