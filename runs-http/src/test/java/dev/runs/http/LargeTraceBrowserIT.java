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
    // three cold opens: before each, the server reads 16 other runs' trees, which pushes this
    // run's fold out of its cache, so each open folds the 100,000 events again. The bound holds
    // the best of them (the others are printed): one open slowed by another process on a shared
    // machine says nothing about the viewer
    List<Long> opens = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      evictTraceFolds();
      opens.add(openTrace(b, id, n, k == 0));
    }
    long best = opens.stream().mapToLong(Long::longValue).min().orElseThrow();
    System.out.printf("large trace: cold opens %s ms, best %d ms%n", opens, best);
    assertThat(best)
        .as("opening the trace tree of a 100,000-event run (best of 3 cold opens)")
        .isLessThan(2000);
    long start = System.nanoTime();
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

    b.driver.executeCdpCommand("Performance.enable", Map.of());
    Map<String, Object> before = metrics(b);
    System.out.println(
        "large trace: DOM "
            + b.js(
                "return document.getElementsByTagName('*').length + ' elements, side ' +"
                    + " document.querySelectorAll('#side *').length + ', timeline ' +"
                    + " document.querySelectorAll('#timeline *').length + ', summary ' +"
                    + " document.querySelectorAll('#summary *').length + ', trace ' +"
                    + " document.querySelectorAll('#trace *').length"));
    // scroll through it as a fast wheel does (400 px, some 15 rows, a frame): frames stay short.
    // Frames of 50 ms or more are broken down (long animation frames): scripts, the frame
    // callbacks (the tree's draw), style and layout
    @SuppressWarnings("unchecked")
    Map<String, Object> scroll =
        (Map<String, Object>)
            b.driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];const box ="
                    + " document.getElementById('trace');const loaf = []; let obs = null; try {"
                    + " obs = new PerformanceObserver((l) => loaf.push(...l.getEntries()));"
                    + " obs.observe({type: 'long-animation-frame'}); } catch (e) {}const frames ="
                    + " []; let last = performance.now(); let i = 0;function step(now) { "
                    + " frames.push(now - last); last = now;  box.scrollTop += 400; i++;  if (i <"
                    + " 60) requestAnimationFrame(step);  else setTimeout(() => {    if (obs)"
                    + " obs.disconnect();    const sum = (f) => Math.round(loaf.reduce((a, e) => a"
                    + " + f(e), 0));    done({max: Math.max(...frames.slice(1)),    mean:"
                    + " frames.slice(1).reduce((a, b) => a + b, 0) / (frames.length - 1),    loaf:"
                    + " loaf.length + ' long frames, ' + sum((e) => e.duration) + ' ms: before"
                    + " frame callbacks ' + sum((e) => e.renderStart ? e.renderStart - e.startTime"
                    + " : 0) + ', frame callbacks ' + sum((e) => e.renderStart ?"
                    + " e.styleAndLayoutStart - e.renderStart : 0) + ', style and layout ' +"
                    + " sum((e) => e.styleAndLayoutStart ? e.startTime + e.duration -"
                    + " e.styleAndLayoutStart : 0) + ', forced layout in scripts ' + sum((e) =>"
                    + " e.scripts.reduce((a, x) => a + x.forcedStyleAndLayoutDuration, 0))});  },"
                    + " 100);}requestAnimationFrame(step);");
    System.out.printf(
        "large trace: 60 scroll frames, mean %.1f ms, max %.1f ms (%s)%n",
        ((Number) scroll.get("mean")).doubleValue(),
        ((Number) scroll.get("max")).doubleValue(),
        scroll.get("loaf"));
    Map<String, Object> after = metrics(b);
    System.out.println("large trace: scroll metrics " + delta(before, after));
    // on a shared two-CPU machine at load 4 to 6.5 the mean was 25 to 46 ms (max 50 to 100 ms).
    // The tree used to rebuild its rows every frame and made the page lay out the side panel too
    // (a large run's summary, 5,000 elements): 86 to 265 ms. The bound catches either coming back
    assertThat(((Number) scroll.get("mean")).doubleValue()).isLessThan(100);
    b.js("document.getElementById('trace').scrollTop = 1e9");
    b.waitFor(
        () -> b.el(row("[data-step='p9/s499']")).isDisplayed(), "the last step at the bottom");
    assertThat(b.all("#trace .trace-row")).hasSizeLessThan(150);

    // the summary lists its first 200 steps (of the 1,000 it holds), and the rest on demand
    int listed = summary.steps().size();
    assertThat(listed).isEqualTo(RunSummary.MAX_STEPS);
    assertThat(b.all("#summary ul.steps li")).hasSize(200);
    assertThat(b.js("return document.querySelector('#summary .show-all').textContent"))
        .isEqualTo(String.format("Show all %,d steps", listed));
    b.js("document.querySelector('#summary .show-all').click()");
    b.waitFor(
        () -> b.all("#summary ul.steps li").size() == listed ? true : null,
        "every step of the summary listed");
    assertThat(b.all("#summary .show-all")).isEmpty();
  }

  private static final List<RunId> others = new ArrayList<>();

  /** Makes the server's next fold of any run cold: it keeps the folds of the 16 runs read last. */
  private static void evictTraceFolds() {
    while (others.size() < 16) {
      RunId other = newRun("small");
      f().store.append(other, EventDraft.of("run.started", Map.of()));
      others.add(other);
    }
    for (RunId other : others) {
      assertThat(f().http.get(Links.runPath(other) + "/trace").status()).isEqualTo(200);
    }
  }

  /**
   * Opens the run's trace tab from the dashboard (a page already loaded: the measure is opening the
   * run, not the page) and returns the time from the hash change to the first frame that shows the
   * run's row and its first step, measured in the page (WebDriver round trips on a loaded machine
   * would add to the figure). Prints the requests made meanwhile and, when asked, the page's long
   * tasks: where the time went.
   */
  private static long openTrace(Browser b, RunId id, long n, boolean details) {
    open("/#/dashboard");
    b.waitFor(() -> b.el("#dash-runs").isDisplayed(), "the page");
    long start = System.nanoTime();
    Number shown =
        (Number)
            b.driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];window.__long = [];try {"
                    + " window.__obs && window.__obs.disconnect(); window.__obs = new"
                    + " PerformanceObserver((l) => window.__long.push(...l.getEntries()));"
                    + " window.__obs.observe({type: 'longtask'}); } catch (e) {}window.__mark ="
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
    if (details) {
      System.out.println(
          b.js(
              "return performance.getEntriesByType('resource').filter(e => e.startTime >="
                  + " window.__mark).map(e => e.name.replace(/^.*\\/runs/, '') + ' at ' +"
                  + " Math.round(e.startTime - window.__mark) + ' took ' +"
                  + " Math.round(e.duration)).join('\\n') + '\\nlong tasks: ' +"
                  + " window.__long.filter(e => e.startTime >= window.__mark).map(e => 'at ' +"
                  + " Math.round(e.startTime - window.__mark) + ' for ' +"
                  + " Math.round(e.duration)).join(', ')"));
    }
    return openMs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metrics(Browser b) {
    Map<String, Object> m = new java.util.HashMap<>();
    for (Map<String, Object> x :
        (List<Map<String, Object>>)
            b.driver.executeCdpCommand("Performance.getMetrics", Map.of()).get("metrics")) {
      m.put((String) x.get("name"), x.get("value"));
    }
    return m;
  }

  private static String delta(Map<String, Object> a, Map<String, Object> z) {
    StringBuilder sb = new StringBuilder();
    for (String k :
        List.of(
            "TaskDuration",
            "ScriptDuration",
            "RecalcStyleDuration",
            "LayoutDuration",
            "RecalcStyleCount",
            "LayoutCount",
            "Nodes")) {
      sb.append(k)
          .append(' ')
          .append(
              String.format(
                  "%.3f", ((Number) z.get(k)).doubleValue() - ((Number) a.get(k)).doubleValue()))
          .append(", ");
    }
    return sb.toString();
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
