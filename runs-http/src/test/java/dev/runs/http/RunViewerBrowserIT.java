package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.TriggerSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The run viewer in a real browser: Debian's headless Chromium driven through {@code
 * /usr/bin/chromedriver} (never a downloaded browser or driver). It starts a run by clicking,
 * watches its events arrive live, cancels a slow run, opens a finished run's artifacts, and saves a
 * screenshot to {@code target/viewer.png}.
 *
 * <p>Under {@code CI=true} a browser that cannot start fails the test; elsewhere it is skipped with
 * a message saying what to install.
 */
@Timeout(180)
final class RunViewerBrowserIT {

  private static Fixture f;
  private static Browser browser;
  private static ChromeDriver driver;
  private static String unavailable;

  @BeforeAll
  static void startBrowser() throws IOException {
    Browser.Started started = Browser.start();
    if (started.browser() == null) {
      unavailable = started.unavailable();
      return;
    }
    browser = started.browser();
    driver = browser.driver;
    f = Fixture.startWithTick(Duration.ofMillis(350));
  }

  @BeforeEach
  void requireBrowser() {
    Assumptions.assumeTrue(unavailable == null, () -> unavailable);
  }

  @AfterAll
  static void stopBrowser() throws IOException {
    if (browser != null) {
      browser.close();
    }
    if (f != null) {
      f.close();
    }
  }

  // ---- helpers
  // ---------------------------------------------------------------------------------------

  private static <T> T waitFor(Supplier<T> probe, String what) {
    return browser.waitFor(probe, what);
  }

  private static WebElement el(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  /**
   * Finds and clicks an element, again if the page re-rendered it in between (the run list does).
   */
  private static void click(String css, String what) {
    waitFor(
        () -> {
          el(css).click();
          return true;
        },
        what);
  }

  private static String text(String css) {
    return el(css).getText();
  }

  private static int eventCount() {
    return Integer.parseInt(text("#event-count").replace(",", ""));
  }

  private static RunId openRunId() {
    String hash =
        (String)
            ((JavascriptExecutor) driver).executeScript("return decodeURIComponent(location.hash)");
    assertThat(hash).startsWith("#/runs/");
    return RunId.of(hash.substring("#/runs/".length()));
  }

  /** Opens the Start dialog, picks a workflow and clicks Start; returns the new run. */
  private static RunId startByClicking(String workflowRef) {
    String before = (String) ((JavascriptExecutor) driver).executeScript("return location.hash");
    el("#start-open").click();
    waitFor(() -> el("#start-dialog").isDisplayed(), "the start dialog");
    waitFor(
        () -> {
          WebElement option = el("#start-workflow option[value='" + workflowRef + "']");
          option.click();
          return option.isSelected();
        },
        "workflow " + workflowRef + " chosen in the list");
    WebElement ns = el("#start-namespace");
    ns.clear();
    ns.sendKeys("acme/lab");
    el("#start-submit").click();
    waitFor(() -> !el("#start-dialog").isDisplayed(), "the dialog to close after Start");
    waitFor(
        () -> {
          Object hash = ((JavascriptExecutor) driver).executeScript("return location.hash");
          return !hash.equals(before) && hash.toString().startsWith("#/runs/");
        },
        "the new run to open");
    return openRunId();
  }

  // ---- the story
  // -------------------------------------------------------------------------------------

  @Test
  void viewer_startWatchLiveCancelAndOpenArtifacts() throws Exception {
    driver.get(f.server.uri().toString());
    waitFor(() -> text("#placeholder").contains("Select a run"), "the empty viewer");
    assertThat(f.orchestrator.list(RunQuery.all()).runs())
        .as("opening the page starts nothing")
        .isEmpty();

    // 1. start a run by clicking, and watch its events arrive while it runs: the gated run waits
    //    until the test opens its gate, so the later events can only arrive over the live stream
    RunId gated = startByClicking("gated@1");
    RunRecord gatedRecord = f.orchestrator.get(gated).orElseThrow();
    assertThat(gatedRecord.trigger().source()).isEqualTo(TriggerSource.UI);
    assertThat(UUID.fromString(gatedRecord.trigger().triggerId())).isNotNull();
    int beforeGate =
        waitFor(
            () -> {
              int n = eventCount();
              return n >= 5 && el("#live").getAttribute("data-state").equals("live") ? n : null;
            },
            "the events before the gate over the live stream");
    assertThat(text("#run-status")).isEqualTo("running");
    f.gate.release();
    waitFor(() -> eventCount() > beforeGate, "more events to arrive live");
    waitFor(() -> text("#run-status").equals("completed"), "the gated run to complete in the page");
    waitFor(
        () -> text("#live-text").contains("stream ended"),
        "the stream to end after the terminal event");
    assertThat(eventCount()).isEqualTo((int) f.orchestrator.state(gated).lastSequence());
    assertThat(text("#timeline")).contains("after the gate 3");

    // 2. an agent-like run: every family of events reads in the timeline, steps nested
    RunId research = startByClicking("research@1");
    // the page still shows the previous run's status until the new one loads: wait on the run
    // itself first, then for the page to show all of it
    waitFor(
        () -> f.orchestrator.state(research).status() == RunStatus.COMPLETED,
        "the research run to complete");
    long last = f.orchestrator.state(research).lastSequence();
    waitFor(
        () -> eventCount() == last && text("#run-status").equals("completed"),
        "the page to show the research run's " + last + " events and its status");
    waitFor(() -> text("#live-text").contains("stream ended"), "the research stream to end");
    assertThat(eventCount()).isEqualTo((int) last);
    List<WebElement> rows = driver.findElements(By.cssSelector("#timeline .ev"));
    assertThat(rows.stream().map(r -> r.getAttribute("data-type")).toList())
        .contains(
            "model.generation.completed",
            "tool.call.completed",
            "agent.handoff",
            "guardrail.checked",
            "artifact.created",
            "run.completed");
    assertThat(
            driver.findElements(By.cssSelector("#timeline details.grp[data-step='plan/outline']")))
        .hasSize(1);
    assertThat(
            text(
                "#timeline details.grp[data-step='plan'] details.grp[data-step='plan/outline']"
                    + " .grp-name"))
        .contains("outline");
    waitFor(
        () -> text("#summary").contains("Tides are caused by the moon"),
        "the summary with the output");

    // 3. start a slow run and cancel it by clicking
    RunId slow = startByClicking("slow@1");
    waitFor(
        () -> text("#run-status").equals("running") && eventCount() >= 5,
        "the slow run to be running");
    waitFor(() -> el("#cancel-btn").isEnabled(), "Cancel to be enabled");
    el("#cancel-btn").click();
    waitFor(
        () -> text("#run-status").equals("cancelled"), "the slow run to be cancelled in the page");
    assertThat(f.orchestrator.state(slow).status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(
            driver.findElements(By.cssSelector("#timeline .ev[data-type='run.cancel_requested']")))
        .hasSize(1);
    waitFor(() -> el("#resume-btn").isEnabled(), "Resume to be offered for the cancelled run");

    // 4. a run that fails shows its error
    RunId flaky = startByClicking("flaky@1");
    waitFor(() -> text("#run-status").equals("failed"), "the flaky run to fail");
    waitFor(
        () -> !driver.findElements(By.cssSelector("#timeline .ev.err")).isEmpty(),
        "the failure to be highlighted");
    assertThat(f.orchestrator.state(flaky).status()).isEqualTo(RunStatus.FAILED);

    // 5. open the finished run from the list and read its artifacts and their hashes
    click(".run-item[data-run-id='" + research.value() + "']", "the research run in the list");
    waitFor(() -> openRunId().equals(research), "the research run to open");
    record Link(String href, String sha256) {}
    Link link =
        waitFor(
            () ->
                driver.findElements(By.cssSelector("#artifacts a.artifact-link")).stream()
                    .filter(a -> a.getText().equals("report.md"))
                    .findFirst()
                    .map(a -> new Link(a.getAttribute("href"), a.getAttribute("data-sha256")))
                    .orElse(null),
            "the report.md artifact link");
    String expected =
        f.orchestrator.stages(research).get(0).file("artifacts/report.md").orElseThrow().sha256();
    assertThat(link.sha256()).isEqualTo(expected);
    waitFor(
        () -> text("#artifacts").contains("sha256 " + expected), "the artifact's hash on the page");
    Http.Response download =
        f.http.get(f.server.uri().relativize(new java.net.URI(link.href())).toString());
    assertThat(download.status()).isEqualTo(200);
    assertThat(
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(download.body())))
        .isEqualTo(expected);
    waitFor(
        () ->
            text("#run-status").equals("completed") && text("#live-text").contains("stream ended"),
        "the finished run's stream to replay and end");

    // 6. the status filters
    click("#status-filters .chip[data-status='cancelled']", "the Cancelled filter");
    waitFor(
        () ->
            driver.findElements(By.cssSelector("#run-list .run-item")).size() == 1
                && el("#run-list .run-item").getAttribute("data-run-id").equals(slow.value()),
        "only the cancelled run listed");
    click("#status-filters .chip[data-status='']", "the All filter");
    waitFor(
        () -> driver.findElements(By.cssSelector("#run-list .run-item")).size() == 4,
        "all four runs listed");

    assertThat(f.orchestrator.list(RunQuery.all()).runs())
        .as("only the four clicks started runs")
        .hasSize(4);

    // 7. the screenshot, with the completed run open and the notices gone
    waitFor(
        () -> driver.findElements(By.cssSelector("#toasts .toast")).isEmpty(),
        "the notices to fade");
    Path shot = Paths.get("target", "viewer.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(shot)).isGreaterThan(10_000);
  }
}
