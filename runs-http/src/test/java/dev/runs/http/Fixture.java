package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A memory store, an orchestrator with the demo workflows and a server on 127.0.0.1 and a free
 * port, plus an HTTP client aimed at it. Closed after each test.
 */
final class Fixture implements AutoCloseable {
  final RunStore store;
  final RunOrchestrator orchestrator;
  final RunsHttpServer server;
  final DemoWorkflows.Gate gate = new DemoWorkflows.Gate();
  final Http http;

  private Fixture(Duration tick, Consumer<RunsHttpServer.Builder> setup) {
    this("memory:", tick, setup);
  }

  private Fixture(String storeUri, Duration tick, Consumer<RunsHttpServer.Builder> setup) {
    store = RunStores.open(storeUri);
    RunOrchestrator.Builder ob =
        DemoWorkflows.register(RunOrchestrator.builder(store), gate, tick)
            .closeTimeout(Duration.ofSeconds(2));
    if (storeUri.startsWith("sqlite:")) {
      ob.preflightCheck(Fixture::topicCheck); // the viewer's rerun form shows its findings
    }
    orchestrator = ob.build();
    RunsHttpServer.Builder b = RunsHttpServer.builder(orchestrator);
    setup.accept(b);
    server = b.start();
    http = new Http(server.uri());
  }

  /** Blocks the topic {@code forbidden} and warns about a long one, for the preflight paths. */
  private static void topicCheck(dev.runs.RunRequest request, dev.runs.PreflightCheck.Findings f) {
    String topic =
        request.config().flatMap(c -> c.at("/inputs/topic")).map(JsonNode::asText).orElse("");
    if (topic.equals("forbidden")) {
      f.blocker("topic_forbidden", "the topic 'forbidden' is not researched");
    } else if (topic.length() > 20) {
      f.warning("topic_long", "topics over 20 characters make long reports");
    }
  }

  static Fixture start() {
    return new Fixture(Duration.ZERO, b -> {});
  }

  static Fixture start(Consumer<RunsHttpServer.Builder> setup) {
    return new Fixture(Duration.ZERO, setup);
  }

  static Fixture startWithTick(Duration tick) {
    return new Fixture(tick, b -> {});
  }

  /** Like {@link #startWithTick(Duration)} on a SQLite database file instead of memory. */
  static Fixture startOnSqlite(java.nio.file.Path file, Duration tick) {
    return new Fixture("sqlite:" + file.toAbsolutePath(), tick, b -> {});
  }

  /**
   * @return a body starting {@code workflow} with a fresh trigger id from the UI
   */
  static String startBody(String workflow) {
    return "{\"workflow\": {\"name\": \""
        + workflow
        + "\", \"version\": \"1\"}, \"namespace\": \"acme/lab\","
        + " \"config\": {\"inputs\": {\"topic\": \"tides\"}}, \"trigger_id\": \""
        + UUID.randomUUID()
        + "\", \"trigger_source\": \"ui\"}";
  }

  static String triggerBody() {
    return "{\"trigger_id\": \"" + UUID.randomUUID() + "\", \"trigger_source\": \"api\"}";
  }

  /** Starts a run over HTTP and returns its id. */
  RunId startRun(String workflow) {
    Http.Response r = http.post("/runs", startBody(workflow));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return RunId.of(r.json().path("run_id").asText());
  }

  /** Waits until the run reaches a terminal status and returns it. */
  RunStatus awaitTerminal(RunId id) {
    return Waits.until(
        () -> {
          RunStatus s = orchestrator.state(id).status();
          return s.isTerminal() ? s : null;
        },
        Duration.ofSeconds(20),
        "run " + id + " to end");
  }

  /** Waits until the run's status is {@code status}. */
  void awaitStatus(RunId id, RunStatus status) {
    Waits.until(
        () -> orchestrator.state(id).status() == status ? status : null,
        Duration.ofSeconds(20),
        "run " + id + " to be " + status.wireName());
  }

  static String path(RunId id) {
    return Links.runPath(id);
  }

  JsonNode getJson(String path) {
    Http.Response r = http.get(path);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  @Override
  public void close() {
    gate.release();
    server.close();
    orchestrator.close();
    store.close();
  }
}
