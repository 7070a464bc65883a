package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.RunBundles;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DemoTest {
  private static final List<String> HEADINGS =
      List.of(
          "1. A support agent run, live",
          "2. A step fails, the run resumes",
          "3. Replay from a middle checkpoint",
          "4. Rerun with an overridden parameter",
          "5. Cancel a run",
          "Run summary",
          "Where the data lives");

  @TempDir Path dir;

  private static final Pattern VIEWER_URL =
      Pattern.compile("run viewer: (http://127\\.0\\.0\\.1:\\d+/)");

  private static final Pattern BUNDLE_LINE =
      Pattern.compile(
          "(?m)^bundle +(\\S+\\.runs\\.ndjson) +\\(([\\d,]+) events, RunBundles\\.export\\)$");
  private static final Pattern FILE_STORE_LINE =
      Pattern.compile(
          "(?m)^file store +file:(\\S+) +\\(run (\\S+) imported, ([\\d,]+) events, hash chain"
              + " verified; RunBundles\\.importInto\\)$");

  /** The temporary directory of the demo's bundle and file store, in plain or coloured output. */
  private static final Pattern MOVE_DIR =
      Pattern.compile("(?:\\u001b\\[[0-9;]*m)?([^\\s\\u001b]*runs-demo-move-\\d+)");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int demo(boolean console, Map<String, String> env, String... args) {
    return Demo.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        console,
        env);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void run_onSqlite_showsEverySectionAndEndsCompleted() {
    Path db = dir.resolve("demo.db");
    int code = demo(false, Map.of(), "--store", "sqlite:" + db, "--no-color");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    String out = out();
    assertThat(out).containsSubsequence(HEADINGS);
    assertThat(out).doesNotContain("\u001b[");
    assertThat(out)
        .contains(
            "guardrail  pii-filter on input: passed",
            "guardrail  no-promises on output: tripped",
            "handoff    triage -> billing",
            "tool       lookup_order v2",
            "checkpoint order-found",
            "artifact   artifacts/reply.md (reply, ",
            "stage      reply attempt 1, manifest sha256 ",
            "completed steps re-run by the resume: 0 of 3",
            "same snapshot",
            "= triage/lookup  reused from run",
            "~ /model/params/temperature: 0.2 -> 0.7",
            "cancel() answered cancel_requested",
            "sqlite3 -readonly " + db,
            "runs --store sqlite:",
            " --ndjson | jq -c '{sequence, type, step_id}'");
    assertThat(out).containsPattern("(?m)^main +\\S+ +completed ");
    assertThat(out.strip()).endsWith("the main run is completed.");
    assertMainRunMoved(out);

    try (RunStore store = RunStores.open("sqlite:" + db)) {
      List<RunEntry> runs = store.list(RunQuery.all()).runs();
      assertThat(runs)
          .extracting(RunEntry::status)
          .containsExactlyInAnyOrder(
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.CANCELLED);
      for (RunEntry r : runs) {
        RunId id = r.record().id();
        assertThat(store.verify(id).ok()).as(id.value()).isTrue();
        assertThat(store.stages(id))
            .as("stages of %s", id)
            .singleElement()
            .satisfies(
                m -> {
                  assertThat(m.stageKey()).isEqualTo(SupportAgent.REPLY_STAGE);
                  assertThat(store.verifyStage(id, m.stageKey(), m.attempt()).ok()).isTrue();
                });
        assertThat(
                new String(
                    store.readArtifact(
                        id, SupportAgent.REPLY_STAGE, 1, SupportAgent.REPLY_ARTIFACT),
                    StandardCharsets.UTF_8))
            .startsWith("# Reply to ada")
            .contains("resolution: refund");
      }
    }
  }

  /**
   * The demo's last lines name the bundle it wrote and the file store it imported the main run
   * into: both exist and hold the main run.
   */
  private static void assertMainRunMoved(String out) {
    Matcher bundle = BUNDLE_LINE.matcher(out);
    Matcher fileStore = FILE_STORE_LINE.matcher(out);
    assertThat(bundle.find()).as("a bundle line in:%n%s", out).isTrue();
    assertThat(fileStore.find()).as("a file store line in:%n%s", out).isTrue();
    Path file = Path.of(bundle.group(1));
    Path root = Path.of(fileStore.group(1));
    assertThat(file).isRegularFile().hasParent(root.getParent());
    assertThat(bundle.group(2)).isEqualTo(fileStore.group(3));
    try (RunStore copy = RunStores.open("file:" + root)) {
      List<RunEntry> runs = copy.list(RunQuery.all()).runs();
      assertThat(runs).singleElement().extracting(RunEntry::status).isEqualTo(RunStatus.COMPLETED);
      RunId id = runs.get(0).record().id();
      assertThat(Demo.shortId(id)).isEqualTo(fileStore.group(2));
      assertThat(file.getFileName().toString()).isEqualTo(RunBundles.fileName(id));
      assertThat(copy.verify(id).ok()).isTrue();
      assertThat(copy.stages(id)).hasSize(1);
    }
  }

  /** Deletes the temporary directories the demo moved its main run into. */
  @AfterEach
  void deleteMovedRuns() throws IOException {
    Matcher m = MOVE_DIR.matcher(out());
    while (m.find()) {
      Path dir = Path.of(m.group(1));
      if (Files.isDirectory(dir)) {
        try (var files = Files.walk(dir)) {
          for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  @Test
  void run_serveFor_cancelsARunWaitingForApproval_andEndsPromptly() throws Exception {
    Path db = dir.resolve("serve.db");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> demo =
          pool.submit(
              () ->
                  demo(
                      false,
                      Map.of(),
                      "--store",
                      "sqlite:" + db,
                      "--serve",
                      "--serve-for",
                      "2",
                      "--no-color"));
      Matcher viewer = awaitOutput(VIEWER_URL, demo);
      HttpResponse<String> started =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(viewer.group(1) + "runs"))
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"workflow\":\"support-agent@1\","
                                  + "\"config\":{\"policy\":{\"human_approval\":true}},"
                                  + "\"trigger_id\":\"wait-1\",\"trigger_source\":\"test\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
      RunId waiting = RunId.of(new ObjectMapper().readTree(started.body()).path("run_id").asText());

      awaitOutput(Pattern.compile("serving for 2 s more"), demo);
      long servingEnds = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      int code = demo.get(90, TimeUnit.SECONDS);
      Duration stopping = Duration.ofNanos(System.nanoTime() - servingEnds);

      assertThat(code).as("exit code; stderr: %s", err()).isZero();
      // without the cancel, closing the orchestrator waits 30 s for the run before cancelling it
      assertThat(stopping).isLessThan(Duration.ofSeconds(15));
      assertThat(out())
          .contains("stopping: cancelled 1 run(s) that had not ended: " + waiting.value());
      try (RunStore store = RunStores.open("sqlite:" + db)) {
        assertThat(store.state(waiting).status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(store.read(waiting, 0, 1000))
            .anyMatch(
                e ->
                    e.type().name().equals("step.started")
                        && e.stepId().orElse("").equals("billing/await-approval"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits, with a deadline, until the demo's output matches; fails when the demo ends first. */
  private Matcher awaitOutput(Pattern pattern, Future<Integer> demo) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(out());
      if (m.find()) {
        return m;
      }
      if (demo.isDone()) {
        throw new AssertionError(
            "the demo ended ("
                + demo.get()
                + ") before printing "
                + pattern
                + ":\n"
                + out()
                + err());
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + pattern + " within 90 s:\n" + out());
  }

  @Test
  void run_onColourTerminalWithMemoryStore_usesAnsiAndSaysNothingIsKept() {
    int code = demo(true, Map.of("TERM", "xterm-256color"), "--store", "memory:");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    assertThat(out()).contains("\u001b[32m", "the memory: store keeps nothing");
  }

  @Test
  void run_withFileStore_runsOnceTheFileStoreIsBuiltAndOtherwiseNamesTheMissingModule() {
    Path root = dir.resolve("runs-demo");
    int code = demo(false, Map.of(), "--store", "file:" + root);

    if (RunStores.availableSchemes().contains("file")) {
      assertThat(code).as("exit code; stderr: %s", err()).isZero();
      assertThat(out()).contains("events.ndjson", "the main run is completed.");
    } else {
      assertThat(code).isEqualTo(2);
      assertThat(err()).contains("no run store provider for scheme 'file:'", "runs-store-file");
    }
  }

  @Test
  void run_serve_startsTheViewer_andRunsTheDemo() {
    int code = demo(false, Map.of(), "--store", "memory:", "--serve", "--serve-for", "0");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    assertThat(out())
        .containsPattern("run viewer: http://127\\.0\\.0\\.1:\\d+/")
        .contains("serving for 0 s more")
        .contains("Demo finished");
  }

  @Test
  void run_otlp_exportsTheRunsAsSpansOverOtlpHttp() throws Exception {
    java.util.List<byte[]> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<String> types = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/v1/traces",
        ex -> {
          try (ex) {
            types.add(ex.getRequestHeaders().getFirst("Content-Type"));
            bodies.add(ex.getRequestBody().readAllBytes());
            ex.sendResponseHeaders(200, -1);
          }
        });
    receiver.start();
    try {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
      int code = demo(false, Map.of(), "--store", "memory:", "--otlp", url);
      assertThat(code).as("exit code; stderr: %s", err()).isZero();
      assertThat(out()).contains("traces: OTLP/HTTP to " + url).contains("Demo finished");
      assertThat(types)
          .isNotEmpty()
          .allSatisfy(t -> assertThat(t).isEqualTo("application/x-protobuf"));
      String all =
          bodies.stream()
              .map(b -> new String(b, StandardCharsets.ISO_8859_1))
              .collect(java.util.stream.Collectors.joining());
      assertThat(all)
          .as("span names in the protobuf")
          .contains("invoke_workflow " + SupportAgent.NAME)
          .contains("chat ")
          .contains("execute_tool ");
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void options_otlp_needsAnHttpUrl() {
    assertThat(Demo.Options.parse("--otlp", "http://localhost:4318/v1/traces").otlp())
        .contains("http://localhost:4318/v1/traces");
    assertThatThrownBy(() -> Demo.Options.parse("--otlp", "localhost:4318"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--otlp needs an OTLP/HTTP traces URL");
    assertThatThrownBy(() -> Demo.Options.parse("--otlp"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void run_serveForWithoutServe_exitsTwo() {
    assertThat(demo(false, Map.of(), "--serve-for", "5")).isEqualTo(2);
    assertThat(err()).contains("--serve-for only makes sense with --serve");
  }

  @Test
  void run_unknownOption_exitsTwoWithUsage() {
    assertThat(demo(false, Map.of(), "--colour")).isEqualTo(2);
    assertThat(err()).contains("unknown option '--colour'", "usage: Demo");
    assertThat(out()).isEmpty();
  }

  @Test
  void run_storeWithoutUri_exitsTwo() {
    assertThat(demo(false, Map.of(), "--store")).isEqualTo(2);
    assertThat(err()).contains("--store needs a store URI");
  }

  @Test
  void run_unknownScheme_exitsTwoNamingIt() {
    assertThat(demo(false, Map.of(), "--store", "nosuch:x")).isEqualTo(2);
    assertThat(err()).contains("nosuch");
  }

  @Test
  void run_sqliteInMissingDirectory_exitsTwoAndCreatesNothing() {
    Path missing = dir.resolve("no-such-dir").resolve("demo.db");
    assertThat(demo(false, Map.of(), "--store", "sqlite:" + missing)).isEqualTo(2);
    assertThat(err()).contains("the store cannot be opened");
    assertThat(Files.exists(missing.getParent())).isFalse();
  }

  @Test
  void run_help_printsUsageAndExitsZero() {
    assertThat(demo(false, Map.of(), "--help")).isZero();
    assertThat(out()).contains("usage: Demo", "--store <uri>", "--no-color");
  }

  @Test
  void deleteDatabase_removesTheFileAndItsWalFilesOnly() throws Exception {
    Path db = dir.resolve("runs-demo.db");
    for (String name :
        List.of("runs-demo.db", "runs-demo.db-wal", "runs-demo.db-shm", "other.db")) {
      Files.writeString(dir.resolve(name), "x");
    }
    Demo.deleteDatabase(db);
    Demo.deleteDatabase(db); // nothing left: no error

    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("other.db");
    }
  }

  @Test
  void options_storeEquals_isAccepted() {
    Demo.Options o = Demo.Options.parse("--store=file:./x", "--no-color");
    assertThat(o.storeUri()).isEqualTo("file:./x");
    assertThat(o.storeGiven()).isTrue();
    assertThat(o.noColor()).isTrue();
    assertThatThrownBy(() -> Demo.Options.parse("--store="))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void options_none_usesTheDefaultSqliteFile() {
    Demo.Options o = Demo.Options.parse();
    assertThat(o.storeUri()).isEqualTo(Demo.DEFAULT_STORE).isEqualTo("sqlite:runs-demo.db");
    assertThat(o.storeGiven()).isFalse();
  }
}
