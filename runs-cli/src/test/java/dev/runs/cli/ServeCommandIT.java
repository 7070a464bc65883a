package dev.runs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runs serve} in process: the HTTP API over the store with the class path's workflows. A run
 * started over HTTP records the same event types in the same order as one started from Java (and,
 * by {@code RunsCliTest}, as one started by {@code runs start}).
 */
final class ServeCommandIT {
  @TempDir Path dir;

  @Test
  void serve_startsTheHttpApi_andARunStartedOverHttpMatchesTheJavaRun() throws Exception {
    String uri = "sqlite:" + dir.resolve("runs.db");
    RunId fromJava;
    try (RunStore store = RunStores.open(uri)) {
      RunOrchestrator.Builder b = RunOrchestrator.builder(store);
      new TestWorkflows().workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
      try (RunOrchestrator o = b.build()) {
        RunHandle h =
            o.start(
                RunRequest.builder()
                    .workflow("greet", "1")
                    .config(ConfigSnapshot.builder().input("name", "ada").build())
                    .trigger(Trigger.of(TriggerSource.TEST, "java-1"))
                    .build());
        assertThat(h.completion().get(30, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
        fromJava = h.runId();
      }
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicInteger code = new AtomicInteger(-1);
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    Thread server =
        new Thread(
            () ->
                code.set(
                    RunsCli.builder()
                        .out(print)
                        .err(print)
                        .env(Map.of("RUNS_STORE", uri))
                        .build()
                        .run("serve", "--port", "0")));
    server.start();
    try {
      await(() -> out.toString(StandardCharsets.UTF_8).contains("(Ctrl-C stops)"), "serving");
      Matcher m =
          Pattern.compile("at (http://\\S+) ").matcher(out.toString(StandardCharsets.UTF_8));
      assertThat(m.find()).isTrue();
      URI base = URI.create(m.group(1));
      HttpResponse<String> created =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(base.resolve("/runs"))
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"workflow\": \"greet@1\", \"config\": {\"inputs\": {\"name\":"
                                  + " \"ada\"}}, \"trigger_id\": \"http-1\", \"trigger_source\":"
                                  + " \"api\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      Matcher id = Pattern.compile("\"run_id\":\"([^\"]+)\"").matcher(created.body());
      assertThat(id.find()).isTrue();
      RunId fromHttp = RunId.of(id.group(1));

      try (RunStore store = RunStores.open(uri)) {
        await(
            () -> store.entry(fromHttp).orElseThrow().status() == RunStatus.COMPLETED,
            "the HTTP run to complete");
        assertThat(types(store, fromHttp)).isEqualTo(types(store, fromJava));
      }
    } finally {
      server.interrupt();
      server.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(server.isAlive()).isFalse();
    assertThat(code.get()).isZero();
  }

  private static List<String> types(RunStore store, RunId id) {
    return store.read(id, 0, 1000).stream().map(RunEvent::type).map(EventType::name).toList();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Instant end = Instant.now().plus(Duration.ofSeconds(30));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(end)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
