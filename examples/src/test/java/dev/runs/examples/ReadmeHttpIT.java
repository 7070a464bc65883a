package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the shell commands of README.md's "HTTP API and the run viewer" section against the demo
 * started as that section says ({@code -Dexec.args="--serve"}, here as a child JVM in an empty
 * directory, so on its default SQLite file), each command in its own {@code bash -c} with the
 * variables earlier commands captured, and checks the status each one's {@code # <status>} comment
 * states. The README's port is used when it is free; when the demo had to pick another, that one
 * replaces it in the commands. Then it stops the demo as Ctrl-C would, with a run waiting for
 * approval, and checks that the demo ends at once and cancels that run.
 *
 * <p>Needs bash, curl and jq: under {@code CI=true} their absence fails the test, elsewhere it is
 * skipped.
 */
final class ReadmeHttpIT {
  private static final Pattern SERVING =
      Pattern.compile("run viewer: http://127\\.0\\.0\\.1:(\\d+)/ - press Ctrl-C to stop");
  private static final Pattern STATUS_LINE = Pattern.compile("(?m)^(\\d{3})$");
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Reports the status of every curl call on stderr (curl's {@code %{stderr}} switches the rest of
   * the write-out there), so that stdout stays the README's output and {@code $(...)} captures it.
   */
  private static final String PRELUDE =
      """
      set -o pipefail
      curl() { command curl -w '%{stderr}%{http_code}\\n' "$@"; }
      """;

  @TempDir Path work;

  /** What the demo printed; written by the reader thread, read by the test (synchronized). */
  private final ByteArrayOutputStream demoBytes = new ByteArrayOutputStream();

  private Process demo;
  private Thread reader;

  @AfterEach
  void stopDemo() throws InterruptedException {
    if (demo != null && demo.isAlive()) {
      demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyReadmeCommand_answersItsStatus_againstTheDemo() throws Exception {
    requireTools("bash", "curl", "jq");
    ReadmeHttpSection section = ReadmeHttpSection.parse(ReadmeHttpSection.readme());
    int port = startDemo(section.demoArgs());
    String documented = "127.0.0.1:" + Demo.SERVE_PORT;

    Map<String, String> variables = new HashMap<>();
    List<String> failures = new ArrayList<>();
    int n = 0;
    for (ReadmeHttpSection.Command c : section.commands()) {
      n++;
      String text = c.text().replace(documented, "127.0.0.1:" + port);
      Result r = bash(text, c, variables, n);
      List<Integer> statuses = new ArrayList<>();
      Matcher m = STATUS_LINE.matcher(r.stderr());
      while (m.find()) {
        statuses.add(Integer.parseInt(m.group(1)));
      }
      if (r.exitCode() != 0 || !statuses.equals(List.of(c.status()))) {
        failures.add(
            String.format(
                "command %d answered %s (exit code %d), the README says %d:%n%s%n"
                    + "stdout: %s%nstderr: %s",
                n,
                statuses,
                r.exitCode(),
                c.status(),
                c.text(),
                clip(r.stdout()),
                clip(r.stderr())));
      }
      if (c.captures().isPresent()) {
        String name = c.captures().get();
        String value = r.captured().strip();
        if (!value.matches("[A-Za-z0-9%._~-]+") || value.equals("null")) {
          failures.add("command " + n + " set $" + name + " to '" + value + "':\n" + c.text());
        }
        variables.put(name, value);
      }
    }
    if (!failures.isEmpty()) {
      String output = demoOutput();
      fail(
          "README commands that did not answer as the README says:%n%s%n--- the demo's output, end"
              + " ---%n%s",
          String.join(System.lineSeparator(), failures),
          output.substring(Math.max(0, output.length() - 3000)));
    }

    stopWithARunWaitingForApproval(port);
  }

  /**
   * Starts a run that waits for an approval nobody gives, stops the demo with SIGTERM (what Ctrl-C
   * does through the same shutdown hook) and checks it ends well within the orchestrator's 30 s
   * close timeout, having cancelled the run, with no run of its store left unfinished.
   */
  private void stopWithARunWaitingForApproval(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + port + "/");
    HttpResponse<String> started =
        http.send(
            HttpRequest.newBuilder(base.resolve("runs"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"workflow\":\"support-agent@1\",\"namespace\":\"demo/support\","
                            + "\"config\":{\"policy\":{\"human_approval\":true}},"
                            + "\"trigger_id\":\"it-wait\",\"trigger_source\":\"test\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    ObjectMapper json = new ObjectMapper();
    RunId waiting = RunId.of(json.readTree(started.body()).path("run_id").asText());
    URI run = base.resolve("runs/" + URLEncoder.encode(waiting.value(), StandardCharsets.UTF_8));
    awaitTrue(
        "run " + waiting + " waits in billing/await-approval",
        () -> {
          JsonNode state =
              json.readTree(
                  http.send(
                          HttpRequest.newBuilder(run).build(), HttpResponse.BodyHandlers.ofString())
                      .body());
          return state.path("current_step").asText().equals("billing/await-approval");
        });

    long stopping = System.nanoTime();
    // SIGTERM, as Ctrl-C's SIGINT goes through the same shutdown hook; Process.destroy() would also
    // close the pipe and lose what the demo prints while it stops
    demo.toHandle().destroy();
    boolean ended = demo.waitFor(60, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - stopping);
    reader.join(TimeUnit.SECONDS.toMillis(10)); // the rest of its output, still in the pipe

    assertThat(ended).as("the demo ended after SIGTERM; output:%n%s", demoOutput()).isTrue();
    assertThat(took)
        .as("time to stop; output:%n%s", demoOutput())
        .isLessThan(Duration.ofSeconds(15));
    assertThat(demoOutput())
        .as("exit code %d after %s", demo.exitValue(), took)
        .contains("stopping: cancelled 1 run(s) that had not ended: " + waiting.value());
    try (RunStore store = RunStores.open("sqlite:" + work.resolve("runs-demo.db"))) {
      assertThat(store.state(waiting).status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(store.list(RunQuery.builder().limit(RunQuery.MAX_LIMIT).build()).runs())
          .extracting(RunEntry::status)
          .allMatch(RunStatus::isTerminal);
    }
  }

  /** Starts the demo with the README's arguments and waits until it serves; returns its port. */
  private int startDemo(List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Demo.class.getName());
    command.addAll(args);
    demo = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    reader =
        new Thread(
            () -> {
              try (InputStream in = demo.getInputStream()) {
                in.transferTo(demoBytes);
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "demo-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = SERVING.matcher(demoOutput());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!demo.isAlive()) {
        fail("the demo ended with %d before serving:%n%s", demo.exitValue(), demoOutput());
      }
      Thread.sleep(50);
    }
    return fail("the demo did not serve within %s:%n%s", START_TIMEOUT, demoOutput());
  }

  /** What one command did. */
  private record Result(int exitCode, String stdout, String stderr, String captured) {}

  private Result bash(
      String text, ReadmeHttpSection.Command c, Map<String, String> variables, int n)
      throws Exception {
    Path out = work.resolve("cmd" + n + ".out");
    Path err = work.resolve("cmd" + n + ".err");
    Path captured = work.resolve("cmd" + n + ".var");
    String script =
        PRELUDE
            + text
            + "\nrc=$?\n"
            + c.captures().map(v -> "printf '%s' \"${" + v + "-}\" > \"$README_VAR\"\n").orElse("")
            + "exit $rc\n";
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-c", script)
            .directory(work.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(variables);
    pb.environment().put("README_VAR", captured.toString());
    Process p = pb.start();
    if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      fail("command %d did not end within %s:%n%s", n, COMMAND_TIMEOUT, c.text());
    }
    return new Result(
        p.exitValue(),
        Files.readString(out),
        Files.readString(err),
        Files.exists(captured) ? Files.readString(captured) : "");
  }

  /** The tools are on the PATH; under CI=true a missing one fails, elsewhere it skips. */
  private static void requireTools(String... tools) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String tool : tools) {
      boolean found =
          Pattern.compile(Pattern.quote(File.pathSeparator))
              .splitAsStream(path)
              .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
      if (!found) {
        String message = tool + " is not on the PATH; the README's HTTP commands need it";
        if ("true".equals(System.getenv("CI"))) {
          fail(message);
        }
        assumeTrue(false, message);
      }
    }
  }

  /** A condition that may throw while the server answers. */
  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (check.holds()) {
        return;
      }
      Thread.sleep(50);
    }
    fail("not within 30 s: %s", what);
  }

  private String demoOutput() {
    return demoBytes.toString(StandardCharsets.UTF_8);
  }

  private static String clip(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }
}
