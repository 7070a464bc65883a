package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunSummary;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * The trace tree of large runs in headless Chromium against a real server on a real SQLite store: a
 * run of 100,000 events with nested spans opens its tree (folded by {@code GET /runs/{id}/trace})
 * in under 2 s, scrolls as a virtual tree, expands, shows a model call's payload; a live large
 * run's tree grows.
 */
@Timeout(300)
final class LargeTraceBrowserIT {
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
    return Objects.requireNonNull(browser);
  }

  private static Fixture f() {
    return Objects.requireNonNull(fixture);
  }

  private static RunId newRun(String workflow) {
    return f().store
        .create(
            RunRecord.builder(
                    WorkflowRef.of(workflow, "1"),
                    ConfigSnapshot.empty(),
                    Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                .build())
        .record()
        .id();
  }

  /**
   * One step of a phase: its start, a model call (start and completion), a tool call, console
   * lines, its end: 20 events. The model call's completion points at its start.
   */
  private static void step(RunId id, String phase, int i, int consoleLines) {
    String step = phase + "/s" + i;
    List<EventDraft> a = new ArrayList<>();
    a.add(EventDraft.of("step.started", Map.of()).withStep(step).withAttempt(1));
    a.add(
        EventDraft.of("model.generation.started", Map.of("provider", "acme", "model", "m-" + i))
            .withStep(step)
            .withAttempt(1));
    RunEvent started = f().store.append(id, a).get(1);
    List<EventDraft> c = new ArrayList<>();
    for (int k = 0; k < consoleLines; k++) {
      c.add(
          EventDraft.of("console.line", Map.of("stream", "stdout", "text", step + " line " + k))
              .withStep(step)
              .withAttempt(1));
    }
    c.add(
        EventDraft.of(
                "model.generation.completed",
                Map.of(
                    "provider",
                    "acme",
                    "model",
                    "m-" + i,
                    "usage",
                    Map.of("input_tokens", 100 + i, "output_tokens", 20),
                    "cost",
                    new BigDecimal("0.001")))
            .withStep(step)
            .withAttempt(1)
            .withParent(started.eventId()));
    c.add(
        EventDraft.of("tool.call.started", Map.of("tool_name", "search"))
            .withStep(step)
            .withAttempt(1));
    RunEvent tool = f().store.append(id, c).get(c.size() - 1);
    f().store
        .append(
            id,
            List.of(
                EventDraft.of("tool.call.completed", Map.of("tool_name", "search"))
                    .withStep(step)
                    .withAttempt(1)
                    .withParent(tool.eventId()),
                EventDraft.of("step.completed", Map.of()).withStep(step).withAttempt(1)));
  }

  private static void open(String hash) {
    b().driver.get(f().server.uri().resolve(hash).toString());
  }

  private static String row(String css) {
    return "#trace .trace-row" + css;
  }

  @Test
  void largeRun_100kEventsWithNestedSpans_opensTheTreeUnder2s_expands_showsAPayload() {
    int phases = 10;
    int stepsPerPhase = 500;
    RunId id = newRun("bulk-trace");
    long wrote = System.nanoTime();
    f().store.append(id, EventDraft.of("run.started", Map.of()));
    for (int p = 0; p < phases; p++) {
      f().store.append(id, EventDraft.of("phase.started", Map.of()).withStep("p" + p));
      for (int i = 0; i < stepsPerPhase; i++) {
        step(id, "p" + p, i, 14);
      }
      f().store.append(id, EventDraft.of("phase.completed", Map.of()).withStep("p" + p));
    }
    // run.created, run.started, 10 x (2 + 500 x 20), and the end: 100,023 events. The end carries
    // the run's summary, as the orchestrator writes it
    List<RunEvent> all = new ArrayList<>();
    try (EventStream events = f().store.read(id, 0)) {
      events.forEachRemaining(all::add);
    }
    RunSummary summary = RunSummary.from(f().store.get(id).orElseThrow(), all);
    all.clear();
    f().store
        .append(
            id,
            EventDraft.of(
                EventTypes.RUN_COMPLETED,
                Payload.of("{\"summary\": " + summary.toPayload().json() + "}")));
    long n = f().orchestrator.state(id).lastSequence();
    assertThat(n).isGreaterThanOrEqualTo(100_000);
    System.out.printf(
        "large trace: wrote %,d events (%,d spans) in %d ms%n",
        n, 1 + phases + phases * stepsPerPhase * 3, (System.nanoTime() - wrote) / 1_000_000);

    Browser b = b();
    open("/#/dashboard"); // a page already loaded: the measure is opening the run, not the page
    b.waitFor(() -> b.el("#dash-runs").isDisplayed(), "the page");
    long start = System.nanoTime();
    // measured in the page: from the hash change to the first frame that shows the run's row and
    // its first step (WebDriver round trips on a loaded machine would add to the figure)
    Number shown =
        (Number)
            b.driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];window.__mark ="
                    + " performance.now();location.hash = arguments[0];(function poll() {  const"
                    + " run = document.querySelector(\"#trace .trace-row[data-kind='run']\"); "
                    + " const s0 = document.querySelector(\"#trace"
                    + " .trace-row[data-step='p0/s0']\");  if (run && s0 && s0.offsetParent)"
                    + " done(performance.now() - window.__mark);  else requestAnimationFrame(poll);"
                    + "})();",
                "#/runs/" + Links.encodeSegment(id.value()) + "/trace");
    long openMs = Math.round(shown.doubleValue());
    System.out.printf(
        "large trace: tree of a %,d-event run shown in %d ms (in the page; %d ms with WebDriver)%n",
        n, openMs, (System.nanoTime() - start) / 1_000_000);
    System.out.println(
        b.js(
            "return performance.getEntriesByType('resource').filter(e => e.startTime >="
                + " window.__mark).map(e => e.name.replace(/^.*\\/runs/, '') + ' at ' +"
                + " Math.round(e.startTime - window.__mark) + ' took ' +"
                + " Math.round(e.duration)).join('\\n"
                + "')"));
    assertThat(openMs).as("opening the trace tree of a 100,000-event run").isLessThan(2000);
    assertThat(b.all("#trace .trace-row"))
        .as("only the rows in view are in the DOM")
        .hasSizeLessThan(150);
    // every page of nodes arrives: the run adds up all 5,000 model calls
    b.waitFor(
        () -> b.el(row("[data-kind='run']")).getAttribute("data-status").equals("completed"),
        "the whole log folded");
    System.out.printf(
        "large trace: whole tree of the %,d-event run folded and shown in %d ms%n",
        n, (System.nanoTime() - start) / 1_000_000);
    // the run and its phases are open, the steps closed: phase p0 holds 500 steps
    // (read in one script: rows are redrawn while the last pages arrive)
    assertThat(
            b.js(
                "const p0 = document.querySelector(arguments[0]); const s0 ="
                    + " document.querySelector(arguments[1]); return [p0.dataset.kind,"
                    + " p0.dataset.depth, s0.getAttribute('aria-expanded'),"
                    + " s0.querySelector('.tok').textContent].join(' ')",
                row("[data-step='p0']"),
                row("[data-step='p0/s0']")))
        .isEqualTo("phase 1 false 120");
    b.waitFor(
        () -> b.text(row("[data-kind='run'] .tok")).equals(String.format("%,d", expectedTokens())),
        "the run's tokens over every page of nodes");

    // expand a step, click its model call: the payload is fetched by sequence
    b.click(row("[data-step='p0/s0'] .trace-toggle"), "the toggle of step p0/s0");
    b.waitFor(
        () -> b.el(row("[data-step='p0/s0']")).getAttribute("aria-expanded").equals("true"),
        "the step expanded");
    WebElement model =
        b.waitFor(
            () -> b.el(row("[data-kind='model'][data-parent='" + stepKey(b, "p0/s0") + "']")),
            "the step's model call");
    assertThat(model.getText()).contains("acme/m-0");
    model.click();
    b.waitFor(
        () ->
            b.text("#trace-json").contains("\"model.generation.completed\"")
                && b.text("#trace-json").contains("\"model.generation.started\""),
        "the model call's events as JSON");
    assertThat(b.text("#trace-json")).contains("\"input_tokens\": 100", "\"output_tokens\": 20");
    assertThat(b.text("#trace-detail-title")).contains("model", "acme/m-0");

    // scroll through it as a fast wheel does (400 px, some 15 rows, a frame): frames stay short
    @SuppressWarnings("unchecked")
    Map<String, Object> scroll =
        (Map<String, Object>)
            b.driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];const box ="
                    + " document.getElementById('trace');const frames = []; let last ="
                    + " performance.now(); let i = 0;function step(now) {  frames.push(now - last);"
                    + " last = now;  box.scrollTop += 400; i++;  if (i < 60)"
                    + " requestAnimationFrame(step);  else done({max: Math.max(...frames.slice(1)),"
                    + "    mean: frames.slice(1).reduce((a, b) => a + b, 0) / (frames.length -"
                    + " 1)});}requestAnimationFrame(step);");
    System.out.printf(
        "large trace: 60 scroll frames, mean %.1f ms, max %.1f ms%n",
        ((Number) scroll.get("mean")).doubleValue(), ((Number) scroll.get("max")).doubleValue());
    // the timeline's virtual list keeps 50 ms; a tree row is heavier (bar, toggle, four columns)
    // and on a shared two-CPU machine at load 3 to 8 the mean was 86 to 190 ms: this bound catches
    // a tree that stops being virtual, the figure printed above is the one to improve
    assertThat(((Number) scroll.get("mean")).doubleValue()).isLessThan(300);
    b.js("document.getElementById('trace').scrollTop = 1e9");
    b.waitFor(
        () -> b.el(row("[data-step='p9/s499']")).isDisplayed(), "the last step at the bottom");
    assertThat(b.all("#trace .trace-row")).hasSizeLessThan(150);
  }

  private static long expectedTokens() {
    long t = 0;
    for (int p = 0; p < 10; p++) {
      for (int i = 0; i < 500; i++) {
        t += 100 + i + 20;
      }
    }
    return t;
  }

  private static String stepKey(Browser b, String step) {
    return b.el(row("[data-step='" + step + "']")).getAttribute("data-key");
  }

  @Test
  void liveLargeRun_treeGrowsAsEventsArrive() {
    RunId id = newRun("bulk-live");
    f().store.append(id, EventDraft.of("run.started", Map.of()));
    List<EventDraft> lines = new ArrayList<>();
    for (int i = 0; i < 6000; i++) {
      lines.add(EventDraft.of("console.line", Map.of("stream", "stdout", "text", "warm " + i)));
    }
    f().store.append(id, lines);
    step(id, "first", 0, 2);

    Browser b = b();
    open("/#/runs/" + Links.encodeSegment(id.value()) + "/trace");
    b.waitFor(() -> b.el(row("[data-step='first/s0']")).isDisplayed(), "the live run's tree");
    b.waitFor(
        () -> b.el(row("[data-kind='run']")).getAttribute("data-status").equals("running"),
        "the run running in the tree");
    assertThat(b.all(row("[data-step='late']"))).isEmpty();

    // the run goes on: a new step with a model call nests in the tree as it arrives
    f().store.append(id, EventDraft.of("step.started", Map.of()).withStep("late").withAttempt(1));
    b.waitFor(() -> b.el(row("[data-step='late']")).isDisplayed(), "the new step in the tree");
    f().store
        .append(
            id,
            EventDraft.of(
                    "model.generation.completed",
                    Map.of(
                        "provider", "acme", "model", "late", "usage", Map.of("output_tokens", 7)))
                .withStep("late")
                .withAttempt(1));
    f().store.append(id, EventDraft.of("step.completed", Map.of()).withStep("late").withAttempt(1));
    b.waitFor(
        () -> b.el(row("[data-step='late']")).getAttribute("data-status").equals("completed"),
        "the new step completed");
    // a step under the run is open (the run and its children are), so its call is in view
    b.waitFor(() -> b.el(row("[data-kind='model']")).getText().contains("acme/late"), "its call");
    f().store.append(id, EventDraft.of("run.completed", Map.of()));
    b.waitFor(
        () -> b.el(row("[data-kind='run']")).getAttribute("data-status").equals("completed"),
        "the run completed in the tree");
    b.waitFor(() -> b.text("#live-text").contains("stream ended"), "the stream to end");
  }
}
