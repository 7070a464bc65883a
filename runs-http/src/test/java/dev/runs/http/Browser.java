package dev.runs.http;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through {@code /usr/bin/chromedriver} for the viewer's browser
 * tests, with the waits they share. {@link #start()} answers why it could not start instead of
 * throwing, so that a test can skip outside CI and fail under {@code CI=true}.
 */
final class Browser implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** The browser, or why there is none. */
  record Started(@Nullable Browser browser, @Nullable String unavailable) {}

  static Started start() throws IOException {
    String browser = System.getProperty("runs.browser.binary", "/usr/bin/chromium");
    String chromedriver = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    String install =
        "install the Debian packages with: apt-get install -y chromium chromium-driver";
    if (!new File(browser).canExecute() || !new File(chromedriver).canExecute()) {
      return unavailable(
          ci, "no browser: " + browser + " or " + chromedriver + " is missing; " + install, null);
    }
    Path profile = Files.createTempDirectory("runs-viewer-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--force-device-scale-factor=1",
        "--window-size=1440,900",
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(chromedriver))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      return unavailable(
          ci,
          "headless Chromium did not start ("
              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
              + "); "
              + install,
          e);
    }
    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", 1440, "height", 900, "deviceScaleFactor", 1, "mobile", false));
    return new Started(new Browser(driver, profile), null);
  }

  private static Started unavailable(boolean ci, String message, @Nullable Throwable cause) {
    if (ci) {
      throw new AssertionError("CI=true and the browser test cannot run: " + message, cause);
    }
    return new Started(null, "skipped outside CI: " + message);
  }

  /** Waits until the probe answers non-null and not false; exceptions count as not yet. */
  <T> T waitFor(Supplier<@Nullable T> probe, String what) {
    return Waits.until(
        () -> {
          try {
            T v = probe.get();
            return v instanceof Boolean b && !b ? null : v;
          } catch (RuntimeException e) {
            return null; // element not there yet, or replaced while read
          }
        },
        WAIT,
        what);
  }

  WebElement el(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  String text(String css) {
    return el(css).getText();
  }

  /** Finds and clicks an element, again if the page re-rendered it in between. */
  void click(String css, String what) {
    waitFor(
        () -> {
          el(css).click();
          return true;
        },
        what);
  }

  @Nullable Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Writes a screenshot of the viewport. */
  void screenshot(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() throws IOException {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    }
  }
}
