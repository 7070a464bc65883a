package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.BudgetExceededException;
import dev.runs.ConfigDiff;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.GuardrailStage;
import dev.runs.IllegalTransitionException;
import dev.runs.Lineage;
import dev.runs.ModelGeneration;
import dev.runs.OrchestratorListener;
import dev.runs.Payload;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.Provenance;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.ReplayPoint;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunSummary;
import dev.runs.SnapshotMismatchException;
import dev.runs.StageManifest;
import dev.runs.StepOptions;
import dev.runs.StoreClosedException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.WorkflowException;
import dev.runs.WorkflowRef;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator's behaviour on a store: lifecycle and events, steps and retries, cancel,
 * resume, replay, rerun, recommendations, budgets, summaries, leases and recovery. Every store
 * module runs it with a one-method subclass:
 *
 * <pre>{@code
 * final class SqliteOrchestratorContractTest extends OrchestratorContract {
 *   @Override
 *   protected RunStore newStore(Path dir, RunStoreOptions options) {
 *     return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
 *   }
 * }
 * }</pre>
 *
 * <p>The store and every orchestrator in a test share one {@link TestClock}, which advances 1 ms
 * per read, so lease expiry and wall time budgets are driven by the test.
 */
@Timeout(120)
public abstract class OrchestratorContract {

  /** The start of the kit's clock. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Temporary directory for the store under test. */
  @TempDir protected Path dir;

  /** The clock of the store and the orchestrators. */
  protected TestClock clock;

  /** The store under test. */
  protected RunStore store;

  private final List<RunOrchestrator> orchestrators = new CopyOnWriteArrayList<>();
  private final AtomicInteger instances = new AtomicInteger();

  /** Counts executions of step bodies by name. */
  protected final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();

  /**
   * Opens the store under test.
   *
   * @param dir a directory the store may use
   * @param options the options to open with (the kit sets a test clock)
   * @return the open store
   */
  protected abstract RunStore newStore(Path dir, RunStoreOptions options);

  /** A record a step returns, to check that recorded outputs read back typed. */
  public record Fetched(String url, int bytes) {}

  @BeforeEach
  void openStore() {
    clock = TestClock.ticking(T0, Duration.ofMillis(1));
    store = newStore(dir, RunStoreOptions.builder().clock(clock).build());
  }

  @AfterEach
  void closeAll() {
    for (RunOrchestrator o : orchestrators) {
      o.close();
    }
    store.close();
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /**
   * Builds an orchestrator on the store with the kit's clock, a unique instance id and a short
   * close timeout; it is closed after the test.
   *
   * @param setup registers workflows and other settings
   * @return the orchestrator
   */
  protected RunOrchestrator orchestrator(Consumer<RunOrchestrator.Builder> setup) {
    RunOrchestrator.Builder b = RunOrchestrator.builder(store).clock(clock)
        .instanceId("kit-" + instances.incrementAndGet()).closeTimeout(Duration.ofSeconds(5));
    setup.accept(b);
    RunOrchestrator o = b.build();
    orchestrators.add(o);
    return o;
  }

  /**
   * @param name workflow name (version {@code 1})
   * @param workflow the workflow
   * @return an orchestrator with only that workflow
   */
  protected RunOrchestrator orchestrator(String name, Workflow workflow) {
    return orchestrator(b -> b.workflow(name, "1", workflow));
  }

  /** @return a trigger with a fresh id */
  protected static Trigger trigger() {
    return Trigger.of(TriggerSource.TEST, "kit-" + UUID.randomUUID(), "kit");
  }

  /** @return a small config */
  protected static ConfigSnapshot config() {
    return ConfigSnapshot.builder().model("acme", "m-1").param("temperature", 0.2)
        .policy("max_steps", 10).input("topic", "tides").build();
  }

  /**
   * @param workflow a workflow name registered with version 1
   * @return a request with a fresh trigger, the small config and a generous budget
   */
  protected static RunRequest.Builder request(String workflow) {
    return RunRequest.builder().workflow(workflow, "1").config(config()).trigger(trigger())
        .budget(Budget.none().withMaxTokens(1_000_000));
  }

  /**
   * Counts one execution of a step body.
   *
   * @param name the step's name
   * @return the execution number
   */
  protected int ran(String name) {
    return executions.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
  }

  /**
   * @param name a step's name
   * @return how many times its body ran
   */
  protected int count(String name) {
    AtomicInteger n = executions.get(name);
    return n == null ? 0 : n.get();
  }

  /**
   * @param handle a run handle
   * @return the final status of its execution
   * @throws Exception when it does not end within 30 seconds
   */
  protected static RunStatus await(RunHandle handle) throws Exception {
    return handle.completion().get(30, TimeUnit.SECONDS);
  }

  /**
   * @param id a run
   * @return all its events
   */
  protected List<RunEvent> events(RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * @param id a run
   * @return its event type names in order
   */
  protected List<String> types(RunId id) {
    return events(id).stream().map(e -> e.type().name()).toList();
  }

  /**
   * @param id a run
   * @param type a type
   * @return its events of that type
   */
  protected List<RunEvent> ofType(RunId id, EventType type) {
    return events(id).stream().filter(e -> e.type().equals(type)).toList();
  }

  /**
   * Checks that no event was written twice: idempotency keys are unique, and so are step events
   * by (type, step, attempt).
   *
   * @param id a run
   */
  protected void assertNoDuplicates(RunId id) {
    Set<String> keys = new HashSet<>();
    Set<String> stepEvents = new HashSet<>();
    for (RunEvent e : events(id)) {
      e.idempotencyKey().ifPresent(k -> assertThat(keys.add(k)).as("idempotency key %s used twice", k).isTrue());
      if (e.type().name().startsWith("step.")) {
        String k = e.type() + " " + e.stepId().orElse("") + " #" + e.attempt().orElse(0);
        assertThat(stepEvents.add(k)).as("%s written twice", k).isTrue();
      }
    }
  }

  /**
   * Waits for a condition with a deadline.
   *
   * @param what the condition, for the failure message
   * @param condition the condition
   */
  protected static void waitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 30 s waiting until " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  private static CountDownLatch latch() {
    return new CountDownLatch(1);
  }

  private static void await(CountDownLatch l) throws InterruptedException {
    if (!l.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("latch not released within 30 s");
    }
  }

  /** An executor that holds tasks until the test runs them. */
  private static final class HeldExecutor implements Executor {
    final List<Runnable> tasks = new CopyOnWriteArrayList<>();

    @Override
    public void execute(Runnable command) {
      tasks.add(command);
    }

    void runAll() {
      for (Runnable r : tasks) {
        r.run();
      }
      tasks.clear();
    }
  }

  /** Three steps and a top-level console line; step c fails on its first execution. */
  private Workflow threeSteps() {
    return ctx -> {
      ctx.console("stdout", "starting");
      Fetched a = ctx.step("a", Fetched.class, () -> {
        ran("a");
        return new Fetched("https://example.org", 512);
      });
      int b = ctx.step("b", Integer.class, () -> {
        ran("b");
        return a.bytes() * 2;
      });
      return ctx.step("c", String.class, () -> {
        if (ran("c") == 1) {
          throw new IllegalStateException("flaky upstream");
        }
        return a.url() + " " + b;
      });
    };
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  @Nested
  @DisplayName("Starting runs")
  class Starting {
    @Test
    @DisplayName("a run goes created, queued, started, its steps, completed, all written by the orchestrator")
    void start_runsWorkflow_writesLifecycleInOrder() throws Exception {
      RunOrchestrator o = orchestrator("greeter", ctx -> ctx.step("greet", String.class, () -> "hello"));
      RunHandle h = o.start(request("greeter").namespace("acme/kit").threadKey("t-1").label("team", "kit").build());

      assertThat(h.created()).isTrue();
      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started",
          "step.started", "step.completed", "run.completed");
      List<RunEvent> events = events(h.runId());
      assertThat(events.subList(1, events.size())).allSatisfy(e -> {
        assertThat(e.source()).isEqualTo("orchestrator");
        assertThat(e.idempotencyKey()).isPresent();
      });
      assertThat(events.get(3).stepId()).contains("greet");
      assertThat(events.get(3).attempt()).hasValue(1);
      assertThat(events.get(4).payload().text("output")).contains("hello");
      RunRecord r = o.get(h.runId()).orElseThrow();
      assertThat(r.namespace()).isEqualTo("acme/kit");
      assertThat(r.threadKey()).contains("t-1");
      assertThat(r.labels()).containsEntry("team", "kit");
      assertThat(h.record().id()).isEqualTo(h.runId());
      assertThat(o.state(h.runId()).status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(o.summary(h.runId()).orElseThrow().output().orElseThrow().asText()).isEqualTo("hello");
      assertThat(store.lease(h.runId())).isEmpty();
      assertNoDuplicates(h.runId());
    }

    @Test
    @DisplayName("a request without a trigger is refused with a report naming trigger_missing, and nothing is written")
    void start_withoutTrigger_refusedWithReport() {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
      RunRequest noTrigger = RunRequest.builder().workflow("greeter", "1").config(config()).build();

      PreflightReport report = o.preflight(noTrigger);
      assertThat(report.ready()).isFalse();
      assertThat(report.hasBlocker("trigger_missing")).isTrue();
      assertThatThrownBy(() -> o.start(noTrigger))
          .isInstanceOf(PreflightRefusedException.class)
          .hasMessageContaining("trigger_missing")
          .satisfies(e -> assertThat(((PreflightRefusedException) e).report().hasBlocker("trigger_missing")).isTrue());
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();
    }

    @Test
    @DisplayName("a repeated trigger id returns the existing run with created() false and starts nothing")
    void start_repeatedTrigger_returnsExistingRun() throws Exception {
      RunOrchestrator o = orchestrator("greeter", ctx -> ctx.step("greet", String.class, () -> {
        ran("greet");
        return "hello";
      }));
      RunRequest req = request("greeter").build();
      RunHandle first = o.start(req);
      RunHandle second = o.start(req);

      assertThat(second.created()).isFalse();
      assertThat(second.runId()).isEqualTo(first.runId());
      assertThat(await(second)).isEqualTo(RunStatus.COMPLETED);
      assertThat(await(first)).isEqualTo(RunStatus.COMPLETED);
      assertThat(o.start(req).runId()).isEqualTo(first.runId());
      assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
      assertThat(count("greet")).isEqualTo(1);
    }

    @Test
    @DisplayName("blockers from host checks refuse the start with the report; warnings do not")
    void start_hostBlocker_refusedWithReport() throws Exception {
      RunOrchestrator o = orchestrator(b -> b.workflow("greeter", "1", ctx -> "hi")
          .preflightCheck((req, f) -> {
            if (req.labels().containsKey("over-quota")) {
              f.blocker("quota_exhausted", "the namespace used its quota");
            }
            f.warning("kit_warning", "just so you know");
          }));

      assertThatThrownBy(() -> o.start(request("greeter").label("over-quota", "yes").build()))
          .isInstanceOf(PreflightRefusedException.class)
          .hasMessageContaining("quota_exhausted");
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();

      PreflightReport ok = o.preflight(request("greeter").build());
      assertThat(ok.ready()).isTrue();
      assertThat(ok.hasWarning("kit_warning")).isTrue();
      assertThat(await(o.start(request("greeter").build()))).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    @DisplayName("preflight reports unknown workflows, invalid labels, missing budgets, and normalizes the budget into the config")
    void preflight_reportsBuiltInChecks() {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");

      PreflightReport unknown = o.preflight(RunRequest.builder().workflow("nope", "9").trigger(trigger()).build());
      assertThat(unknown.hasBlocker("workflow_not_registered")).isTrue();
      assertThat(o.preflight(RunRequest.builder().trigger(trigger()).build()).hasBlocker("workflow_missing")).isTrue();
      PreflightReport badLabel = o.preflight(request("greeter").label("Bad Key", "x").build());
      assertThat(badLabel.hasBlocker("request_invalid")).isTrue();
      PreflightReport noBudget = o.preflight(RunRequest.builder().workflow("greeter", "1").trigger(trigger()).build());
      assertThat(noBudget.ready()).isTrue();
      assertThat(noBudget.hasWarning("budget_missing")).isTrue();
      PreflightReport badBudget = o.preflight(RunRequest.builder().workflow("greeter", "1").trigger(trigger())
          .config(ConfigSnapshot.parse("{\"budget\":{\"max_tokens\":-5}}")).build());
      assertThat(badBudget.hasBlocker("budget_invalid")).isTrue();
      PreflightReport withBudget = o.preflight(request("greeter").budget(Budget.none().withMaxTokens(500)).build());
      assertThat(withBudget.normalizedConfig().orElseThrow().at("/budget/max_tokens").orElseThrow().asLong())
          .isEqualTo(500);
      assertThat(withBudget.normalizedConfig().orElseThrow().at("/model/name").orElseThrow().asText()).isEqualTo("m-1");
    }

    @Test
    @DisplayName("a failing workflow ends the run failed with the error and reason")
    void start_workflowThrows_runFails() throws Exception {
      RunOrchestrator o = orchestrator("boom", ctx -> {
        throw new WorkflowException("bad_input", "the topic is empty", false);
      });
      RunHandle h = o.start(request("boom").build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      RunEvent failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0);
      JsonNode p = failed.payload().toJsonNode();
      assertThat(p.get("reason").asText()).isEqualTo("workflow_error");
      assertThat(p.at("/error/message").asText()).isEqualTo("the topic is empty");
      assertThat(p.at("/error/code").asText()).isEqualTo("bad_input");
      assertThat(o.summary(h.runId()).orElseThrow().errors()).extracting(RunSummary.ErrorSummary::eventType)
          .containsExactly("run.failed");
    }

    @Test
    @DisplayName("bad input from a workflow (run.* drafts, non-x custom types) is refused with a typed error and nothing is written")
    void emitters_badInput_refusedAndNothingWritten() throws Exception {
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      RunOrchestrator o = orchestrator("bad", ctx -> {
        long before = store.state(ctx.runId()).lastSequence();
        try {
          ctx.emit(EventDraft.of(EventTypes.RUN_COMPLETED));
        } catch (ValidationException e) {
          errors.add(e);
        }
        try {
          ctx.custom("acme.score", Map.of("v", 1));
        } catch (ValidationException e) {
          errors.add(e);
        }
        try {
          ctx.emit(EventDraft.of(EventTypes.TOOL_CALL_STARTED, Payload.of(Map.of("arguments", 1))));
        } catch (ValidationException e) {
          errors.add(e);
        }
        try {
          ctx.step("bad id!", String.class, () -> "x");
        } catch (ValidationException e) {
          errors.add(e);
        }
        assertThat(store.state(ctx.runId()).lastSequence()).isEqualTo(before);
        return null;
      });
      RunHandle h = o.start(request("bad").build());

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      assertThat(errors).hasSize(4);
      assertThat(errors.get(0)).hasMessageContaining("lifecycle");
      assertThat(errors.get(1)).hasMessageContaining("x.<namespace>.<name>");
      assertThat(errors.get(2)).hasMessageContaining("payload.tool_name");
      assertThat(errors.get(3)).hasMessageContaining("step_id");
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started", "run.completed");
    }

    @Test
    @DisplayName("after close, starting is refused")
    void start_afterClose_isRefused() {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
      o.close();
      assertThatThrownBy(() -> o.start(request("greeter").build()))
          .isInstanceOf(StoreClosedException.class).hasMessageContaining("closed");
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();
    }
  }

  // ---- agent-like workflow -----------------------------------------------------------------------

  @Nested
  @DisplayName("Agent workflows")
  class AgentWorkflows {
    @Test
    @DisplayName("model, tool, handoff, guardrails, console and a stage produce the exact event sequence with parent links")
    void agentWorkflow_exactEventSequenceAndParents() throws Exception {
      byte[] report = "# Tides\nThe moon pulls.".getBytes(StandardCharsets.UTF_8);
      byte[] table = "k,v\nmoon,1\n".getBytes(StandardCharsets.UTF_8);
      RunOrchestrator o = orchestrator("agent", ctx -> {
        String plan = ctx.step("plan", String.class, () -> {
          ModelGeneration g = ctx.model("acme", "m-1").param("temperature", 0.2).route("region", "eu").started();
          g.completed(g.completion().usage(100, 20).cost(new BigDecimal("0.01")).finishReason("stop")
              .output("search tides").build());
          return "search tides";
        });
        String found = ctx.step("search", String.class,
            () -> ctx.tool("web_search", "2", Map.of("q", plan), () -> "the moon"));
        ctx.handoff("planner", "writer", "plan ready");
        ctx.guardrail("pii", GuardrailStage.INPUT, true, Map.of("checked", 3));
        ctx.guardrail("toxicity", GuardrailStage.OUTPUT, false, "flagged word");
        ctx.console("stdout", "writing report");
        ctx.console("stderr", "short answer");
        ctx.step("report", String.class, () -> ctx.stage("report").input(Map.of("topic", "tides"))
            .output(Map.of("answer", found)).artifact("report.md", "report", report)
            .artifact("data.csv", "table", table).write().sha256());
        ctx.highlight("answer", found);
        return Map.of("answer", found);
      });
      RunHandle h = o.start(request("agent").build());

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      RunId id = h.runId();
      assertThat(types(id)).containsExactly(
          "run.created", "run.queued", "run.started",
          "step.started", "model.generation.started", "model.generation.completed", "step.completed",
          "step.started", "tool.call.started", "tool.call.completed", "step.completed",
          "agent.handoff", "guardrail.checked", "guardrail.checked", "console.line", "console.line",
          "step.started", "artifact.created", "artifact.created", "stage.completed", "step.completed",
          "x.runs.highlight", "run.completed");
      List<RunEvent> ev = events(id);
      assertThat(ev.get(5).parentEventId()).contains(ev.get(4).eventId());
      assertThat(ev.get(4).stepId()).contains("plan");
      assertThat(ev.get(4).attempt()).hasValue(1);
      JsonNode model = ev.get(5).payload().toJsonNode();
      assertThat(model.get("provider").asText()).isEqualTo("acme");
      assertThat(model.at("/usage/input_tokens").asLong()).isEqualTo(100);
      assertThat(model.at("/route/region").asText()).isEqualTo("eu");
      assertThat(model.get("finish_reason").asText()).isEqualTo("stop");
      assertThat(ev.get(4).payload().toJsonNode().at("/params/temperature").asDouble()).isEqualTo(0.2);
      assertThat(ev.get(9).parentEventId()).contains(ev.get(8).eventId());
      assertThat(ev.get(8).payload().toJsonNode().at("/arguments/q").asText()).isEqualTo("search tides");
      assertThat(ev.get(9).payload().text("result")).contains("the moon");
      assertThat(ev.get(11).payload().text("to_agent")).contains("writer");
      assertThat(ev.get(12).payload().text("verdict")).contains("passed");
      assertThat(ev.get(12).payload().text("stage")).contains("input");
      assertThat(ev.get(13).payload().text("verdict")).contains("tripped");
      assertThat(ev.get(15).payload().text("stream")).contains("stderr");
      StageManifest manifest = store.stages(id).get(0);
      assertThat(ev.get(17).payload().text("sha256")).contains(sha256(report));
      assertThat(ev.get(17).payload().text("path")).contains("artifacts/report.md");
      assertThat(ev.get(18).payload().text("sha256")).contains(sha256(table));
      assertThat(ev.get(19).payload().text("manifest_sha256")).contains(manifest.sha256());
      assertThat(ev.get(20).payload().text("output")).contains(manifest.sha256());
      assertThat(store.readArtifact(id, "report", manifest.attempt(), "report.md")).isEqualTo(report);

      RunSummary s = o.summary(id).orElseThrow();
      assertThat(s.usage().inputTokens()).isEqualTo(100);
      assertThat(s.usage().outputTokens()).isEqualTo(20);
      assertThat(s.cost()).isEqualByComparingTo("0.01");
      assertThat(s.artifacts()).extracting(RunSummary.ArtifactSummary::path)
          .containsExactly("artifacts/report.md", "artifacts/data.csv");
      assertThat(s.highlights().get("answer").asText()).isEqualTo("the moon");
      assertThat(s.output().orElseThrow().get("answer").asText()).isEqualTo("the moon");
      assertThat(s.steps()).extracting(RunSummary.StepSummary::stepId).containsExactly("plan", "search", "report");
      assertThat(s.count(EventTypes.GUARDRAIL_CHECKED)).isEqualTo(2);
      assertThat(s.count(EventTypes.RUN_COMPLETED)).isEqualTo(1);
      assertNoDuplicates(id);
    }

    @Test
    @DisplayName("phases prefix the ids of their steps; a failing tool call is recorded and rethrown")
    void phasesAndToolFailures() throws Exception {
      RunOrchestrator o = orchestrator("phased", ctx -> {
        ctx.phase("build", () -> {
          ctx.step("compile", String.class, () -> "ok");
          try {
            ctx.tool("linter", "1", null, () -> {
              throw new IllegalStateException("linter crashed");
            });
          } catch (IllegalStateException expected) {
            ctx.console("stderr", "lint skipped");
          }
        });
        return null;
      });
      RunHandle h = o.start(request("phased").build());

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      List<RunEvent> ev = events(h.runId());
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started",
          "phase.started", "step.started", "step.completed", "tool.call.started", "tool.call.failed",
          "console.line", "phase.completed", "run.completed");
      assertThat(ev.get(3).stepId()).contains("build");
      assertThat(ev.get(4).stepId()).contains("build/compile");
      assertThat(ev.get(7).parentEventId()).contains(ev.get(6).eventId());
      assertThat(ev.get(7).payload().toJsonNode().at("/error/message").asText()).isEqualTo("linter crashed");
      assertThat(ev.get(8).stepId()).contains("build");
    }
  }

  /** A host payload type for {@code emit(EventPayload)}. */
  public record Scored(String candidate, int score) implements dev.runs.EventPayload {
    @Override
    public EventType type() {
      return EventType.of("x.kit.scored");
    }
  }

  @Nested
  @DisplayName("Other emitters")
  class OtherEmitters {
    @Test
    @DisplayName("decisions, custom and typed payloads, and a tool call handle that ends once")
    void decisionsCustomTypedAndToolHandles() throws Exception {
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      RunOrchestrator o = orchestrator("misc", ctx -> {
        ctx.decision("route", "fast", "the question is short");
        ctx.custom("x.kit.note", Map.of("text", "hello"));
        ctx.emit(new Scored("b", 7));
        dev.runs.ToolCall call = ctx.toolCall("calc", "1", List.of(1, 2));
        call.completed(3);
        try {
          call.failed(new IllegalStateException("late"));
        } catch (IllegalStateException e) {
          errors.add(e);
        }
        return null;
      });
      RunHandle h = o.start(request("misc").build());

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started",
          "decision.recorded", "x.kit.note", "x.kit.scored", "tool.call.started", "tool.call.completed",
          "run.completed");
      List<RunEvent> ev = events(h.runId());
      assertThat(ev.get(3).payload().text("rationale")).contains("the question is short");
      assertThat(ev.get(5).payload().toJsonNode().get("score").asInt()).isEqualTo(7);
      assertThat(ev.get(7).parentEventId()).contains(ev.get(6).eventId());
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0)).hasMessageContaining("already ended");
    }
  }

  // ---- steps ---------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Steps")
  class Steps {
    @Test
    @DisplayName("a retried step writes failed and retrying between attempts and completes on the third")
    void step_retries_writeFailedRetryingThenCompleted() throws Exception {
      List<String> finished = new CopyOnWriteArrayList<>();
      OrchestratorListener listener = new OrchestratorListener() {
        @Override
        public void stepFinished(RunId runId, String stepId, int attempt, Duration latency, boolean ok) {
          finished.add(stepId + "#" + attempt + (ok ? " ok" : " failed"));
        }
      };
      RunOrchestrator o = orchestrator(b -> b.listener(listener).workflow("retry", "1",
          ctx -> ctx.step("fetch", String.class, StepOptions.retry(3, Duration.ofMillis(1)), () -> {
            if (ran("fetch") < 3) {
              throw new WorkflowException("rate_limited", "try later", true);
            }
            return "page";
          })));
      RunHandle h = o.start(request("retry").build());

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      List<RunEvent> steps = events(h.runId()).stream().filter(e -> e.type().name().startsWith("step.")).toList();
      assertThat(steps).extracting(e -> e.type().name() + "#" + e.attempt().orElse(0)).containsExactly(
          "step.started#1", "step.failed#1", "step.retrying#1", "step.started#2", "step.failed#2",
          "step.retrying#2", "step.started#3", "step.completed#3");
      assertThat(steps.get(1).payload().toJsonNode().at("/error/code").asText()).isEqualTo("rate_limited");
      assertThat(steps.get(2).payload().toJsonNode().get("next_attempt").asInt()).isEqualTo(2);
      assertThat(finished).containsExactly("fetch#1 failed", "fetch#2 failed", "fetch#3 ok");
      assertNoDuplicates(h.runId());
    }

    @Test
    @DisplayName("a failure marked not retryable is not retried; the run fails with reason step_failed")
    void step_notRetryable_failsRun() throws Exception {
      RunOrchestrator o = orchestrator("fatal", ctx -> ctx.step("fetch", String.class,
          StepOptions.retry(5, Duration.ZERO), () -> {
            ran("fetch");
            throw new WorkflowException("not_found", "no such page", false);
          }));
      RunHandle h = o.start(request("fatal").build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      assertThat(count("fetch")).isEqualTo(1);
      RunEvent failed = ofType(h.runId(), EventTypes.STEP_FAILED).get(0);
      assertThat(failed.payload().toJsonNode().at("/error/retryable").asBoolean()).isFalse();
      assertThat(ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().text("reason")).contains("step_failed");
    }

    @Test
    @DisplayName("a step id used twice in one execution is a clear error")
    void step_duplicateId_isRefused() throws Exception {
      RunOrchestrator o = orchestrator("dup", ctx -> {
        ctx.step("same", String.class, () -> "1");
        return ctx.step("same", String.class, () -> "2");
      });
      RunHandle h = o.start(request("dup").build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      assertThat(ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().toJsonNode().at("/error/message").asText())
          .contains("'same' ran twice");
    }
  }

  // ---- cancel --------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Cancelling runs")
  class Cancelling {
    @Test
    @DisplayName("a queued run ends cancelled at once and never starts")
    void cancel_queued_endsCancelledAtOnce() throws Exception {
      HeldExecutor held = new HeldExecutor();
      RunOrchestrator o = orchestrator(b -> b.executor(held).workflow("w", "1", ctx -> {
        ran("body");
        return null;
      }));
      RunHandle h = o.start(request("w").build());
      assertThat(o.state(h.runId()).status()).isEqualTo(RunStatus.QUEUED);

      assertThat(o.cancel(h.runId(), "changed my mind")).isEqualTo(RunStatus.CANCELLED);
      assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
      held.runAll();

      assertThat(count("body")).isZero();
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.cancelled");
      assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason")).contains("changed my mind");
      assertThat(store.lease(h.runId())).isEmpty();
    }

    /** Step one signals {@code inStep} and waits for {@code release}; step two must never run. */
    private Workflow stopsAfterStepOne(CountDownLatch inStep, CountDownLatch release) {
      return ctx -> {
        ctx.step("one", String.class, () -> {
          inStep.countDown();
          await(release);
          return "done";
        });
        return ctx.step("two", String.class, () -> {
          ran("two");
          return "never";
        });
      };
    }

    @Test
    @DisplayName("a running run gets cancel_requested and ends cancelled at the next step boundary")
    void cancel_running_endsAtNextStepBoundary() throws Exception {
      CountDownLatch inStep = latch();
      CountDownLatch release = latch();
      RunOrchestrator o = orchestrator("w", stopsAfterStepOne(inStep, release));
      RunHandle h = o.start(request("w").build());
      await(inStep);

      assertThat(o.cancel(h.runId(), "user clicked stop")).isEqualTo(RunStatus.CANCEL_REQUESTED);
      release.countDown();

      assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
      assertThat(count("two")).isZero();
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started",
          "step.started", "run.cancel_requested", "step.completed", "run.cancelled");
      assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
          .contains("user clicked stop");
      assertThat(o.cancel(h.runId(), "again")).isEqualTo(RunStatus.CANCELLED);
    }

    @Test
    @DisplayName("a cancel made by another instance is seen through the store at the next step boundary")
    void cancel_fromOtherInstance_seenThroughStore() throws Exception {
      CountDownLatch inStep = latch();
      CountDownLatch release = latch();
      RunOrchestrator a = orchestrator("w", stopsAfterStepOne(inStep, release));
      RunOrchestrator b = orchestrator("w", ctx -> null);
      RunHandle h = a.start(request("w").build());
      await(inStep);

      assertThat(b.cancel(h.runId(), "from b")).isEqualTo(RunStatus.CANCEL_REQUESTED);
      release.countDown();

      assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
      assertThat(count("two")).isZero();
      assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason")).contains("from b");
    }

    @Test
    @DisplayName("a workflow checking its token stops inside a long step; interrupt-on-cancel wakes a blocked step")
    void cancel_tokenAndInterrupt_stopInsideSteps() throws Exception {
      CountDownLatch polling = latch();
      CountDownLatch blocked = latch();
      RunOrchestrator o = orchestrator(b -> b
          .workflow("poll", "1", ctx -> ctx.step("loop", String.class, () -> {
            polling.countDown();
            while (true) {
              ctx.cancellation().throwIfCancelled();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
          }))
          .workflow("block", "1", ctx -> ctx.step("sleep", String.class,
              StepOptions.defaults().withInterruptOnCancel(true), () -> {
                blocked.countDown();
                new CountDownLatch(1).await();
                return "never";
              })));
      RunHandle poll = o.start(request("poll").build());
      RunHandle block = o.start(request("block").build());
      await(polling);
      await(blocked);

      o.cancel(poll.runId(), "stop polling");
      o.cancel(block.runId(), "stop sleeping");

      assertThat(await(poll)).isEqualTo(RunStatus.CANCELLED);
      assertThat(await(block)).isEqualTo(RunStatus.CANCELLED);
      assertThat(ofType(block.runId(), EventTypes.STEP_FAILED).get(0).payload().toJsonNode().at("/error/code").asText())
          .isEqualTo("cancelled");
    }

    @Test
    @DisplayName("cancel racing completion, 200 times: one terminal event, and a recorded request always wins")
    void cancel_racingCompletion_isConsistent() throws Exception {
      RunOrchestrator o = orchestrator(b -> b.maxConcurrentRuns(4).workflow("quick", "1", ctx -> {
        for (int i = 0; i < 3; i++) {
          ctx.step("s" + i, Integer.class, () -> 1);
        }
        return "done";
      }));
      for (int rep = 0; rep < 200; rep++) {
        RunHandle h = o.start(request("quick").build());
        int spin = ThreadLocalRandom.current().nextInt(0, 2000);
        for (int i = 0; i < spin; i++) {
          Thread.onSpinWait();
        }
        RunStatus answered = o.cancel(h.runId(), "race " + rep);
        RunStatus end = await(h);

        List<String> types = types(h.runId());
        assertThat(types.stream().filter(t -> t.equals("run.completed") || t.equals("run.failed")
            || t.equals("run.cancelled") || t.equals("run.interrupted")))
            .as("terminal events of rep %d: %s", rep, types).hasSize(1);
        assertThat(o.state(h.runId()).status()).as("rep %d", rep).isEqualTo(end);
        boolean requested = types.contains("run.cancel_requested");
        switch (answered) {
          case CANCELLED -> assertThat(end).as("rep %d %s", rep, types).isEqualTo(RunStatus.CANCELLED);
          case CANCEL_REQUESTED -> {
            assertThat(requested).as("rep %d %s", rep, types).isTrue();
            assertThat(end).as("rep %d %s", rep, types).isEqualTo(RunStatus.CANCELLED);
          }
          case COMPLETED -> {
            assertThat(requested).as("rep %d %s", rep, types).isFalse();
            assertThat(end).isEqualTo(RunStatus.COMPLETED);
          }
          default -> throw new AssertionError("rep " + rep + ": cancel answered " + answered + " " + types);
        }
        if (requested) {
          assertThat(types.get(types.size() - 1)).as("rep %d", rep).isEqualTo("run.cancelled");
        }
      }
    }
  }

  // ---- resume --------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Resuming runs")
  class Resuming {
    @Test
    @DisplayName("after step c fails, resume runs only c (attempt 2) and completes without duplicate events")
    void resume_afterFailure_runsOnlyFailedStep() throws Exception {
      RunOrchestrator o = orchestrator("three", threeSteps());
      RunHandle h = o.start(request("three").build());
      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      assertThat(count("a")).isEqualTo(1);
      assertThat(count("c")).isEqualTo(1);

      RunHandle resumed = o.resume(h.runId(), trigger());

      assertThat(resumed.created()).isTrue();
      assertThat(resumed.runId()).isEqualTo(h.runId());
      assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
      assertThat(count("a")).isEqualTo(1);
      assertThat(count("b")).isEqualTo(1);
      assertThat(count("c")).isEqualTo(2);
      assertThat(types(h.runId())).containsExactly("run.created", "run.queued", "run.started", "console.line",
          "step.started", "step.completed", "step.started", "step.completed", "step.started", "step.failed",
          "run.failed", "run.resumed", "step.started", "step.completed", "run.completed");
      List<RunEvent> c = events(h.runId()).stream().filter(e -> e.stepId().filter("c"::equals).isPresent()).toList();
      assertThat(c).extracting(e -> e.type().name() + "#" + e.attempt().orElse(0))
          .containsExactly("step.started#1", "step.failed#1", "step.started#2", "step.completed#2");
      assertThat(o.summary(h.runId()).orElseThrow().output().orElseThrow().asText())
          .isEqualTo("https://example.org 1024");
      assertThat(o.summary(h.runId()).orElseThrow().executions()).isEqualTo(2);
      assertNoDuplicates(h.runId());
    }

    @Test
    @DisplayName("resume with a trigger already used returns the run without a second run.resumed")
    void resume_sameTriggerTwice_resumesOnce() throws Exception {
      RunOrchestrator o = orchestrator("three", threeSteps());
      RunHandle h = o.start(request("three").build());
      await(h);
      Trigger t = trigger();

      RunHandle first = o.resume(h.runId(), t);
      await(first);
      RunHandle again = o.resume(h.runId(), t);

      assertThat(again.created()).isFalse();
      assertThat(await(again)).isEqualTo(RunStatus.COMPLETED);
      assertThat(ofType(h.runId(), EventTypes.RUN_RESUMED)).hasSize(1);
    }

    @Test
    @DisplayName("a completed run cannot be resumed; a resume needs a trigger; nothing is written")
    void resume_refusals() throws Exception {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
      RunHandle h = o.start(request("greeter").build());
      await(h);
      int before = events(h.runId()).size();

      assertThatThrownBy(() -> o.resume(h.runId(), trigger()))
          .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("completed");
      assertThatThrownBy(() -> o.resume(h.runId(), null))
          .isInstanceOf(PreflightRefusedException.class).hasMessageContaining("trigger_missing");
      assertThat(events(h.runId())).hasSize(before);
      assertThat(store.lease(h.runId())).isEmpty();
    }

    @Test
    @DisplayName("the context tells the execution number")
    void resume_attemptCountsExecutions() throws Exception {
      List<Integer> attempts = new CopyOnWriteArrayList<>();
      RunOrchestrator o = orchestrator("w", ctx -> {
        attempts.add(ctx.attempt());
        if (ctx.attempt() == 1) {
          throw new IllegalStateException("first time fails");
        }
        return null;
      });
      RunHandle h = o.start(request("w").build());
      await(h);
      await(o.resume(h.runId(), trigger()));
      assertThat(attempts).containsExactly(1, 2);
    }
  }

  // ---- replay and rerun ----------------------------------------------------------------------------

  private Workflow checkpointed() {
    return ctx -> {
      int one = ctx.step("s1", Integer.class, () -> {
        ran("s1");
        return 1;
      });
      int two = ctx.step("s2", Integer.class, () -> {
        ran("s2");
        return one + 1;
      });
      ctx.checkpoint("mid");
      int three = ctx.step("s3", Integer.class, () -> {
        ran("s3");
        return two + 1;
      });
      return ctx.step("s4", Integer.class, () -> {
        ran("s4");
        return three + 1;
      });
    };
  }

  @Nested
  @DisplayName("Replaying and rerunning")
  class Replaying {
    @Test
    @DisplayName("a replay from a checkpoint reuses earlier outputs, runs later steps, with lineage and the same config hash")
    void replay_fromCheckpoint_reusesEarlierSteps() throws Exception {
      RunOrchestrator o = orchestrator("cp", checkpointed());
      RunHandle src = o.start(request("cp").build());
      assertThat(await(src)).isEqualTo(RunStatus.COMPLETED);

      RunHandle replay = o.replay(src.runId(), ReplayPoint.checkpoint("mid"), trigger());

      assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
      assertThat(replay.runId()).isNotEqualTo(src.runId());
      assertThat(count("s1")).isEqualTo(1);
      assertThat(count("s2")).isEqualTo(1);
      assertThat(count("s3")).isEqualTo(2);
      assertThat(count("s4")).isEqualTo(2);
      RunRecord r = o.get(replay.runId()).orElseThrow();
      Lineage l = r.lineage().orElseThrow();
      assertThat(l.parentRunId()).isEqualTo(src.runId());
      assertThat(l.relation()).isEqualTo(Lineage.Relation.REPLAY);
      assertThat(l.sourceCheckpoint()).contains("checkpoint:mid");
      assertThat(r.config().sha256()).isEqualTo(o.get(src.runId()).orElseThrow().config().sha256());
      assertThat(events(replay.runId()).get(0).payload().text("config_sha256")).contains(r.config().sha256());
      List<RunEvent> reused = ofType(replay.runId(), EventTypes.STEP_COMPLETED).stream()
          .filter(e -> e.payload().get("reused_from").isPresent()).toList();
      assertThat(reused).extracting(e -> e.stepId().orElseThrow()).containsExactly("s1", "s2");
      assertThat(reused.get(0).payload().toJsonNode().at("/reused_from/run_id").asText()).isEqualTo(src.runId().value());
      assertThat(ofType(replay.runId(), EventTypes.STEP_STARTED)).extracting(e -> e.stepId().orElseThrow())
          .containsExactly("s3", "s4");
      assertThat(o.summary(replay.runId()).orElseThrow().output().orElseThrow().asInt()).isEqualTo(4);
      assertThat(o.summary(replay.runId()).orElseThrow().step("s1").orElseThrow().reused()).isTrue();
    }

    @Test
    @DisplayName("a replay from a step id reuses the steps completed before it first started")
    void replay_fromStep_reusesEarlierSteps() throws Exception {
      RunOrchestrator o = orchestrator("cp", checkpointed());
      RunHandle src = o.start(request("cp").build());
      await(src);

      RunHandle replay = o.replay(src.runId(), ReplayPoint.step("s3"), trigger());

      assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
      assertThat(count("s2")).isEqualTo(1);
      assertThat(count("s3")).isEqualTo(2);
      assertThat(o.get(replay.runId()).orElseThrow().lineage().orElseThrow().sourceCheckpoint()).contains("step:s3");
    }

    @Test
    @DisplayName("a replay from the start reuses nothing; an unknown checkpoint or step is refused and creates nothing")
    void replay_fromStartAndUnknownPoints() throws Exception {
      RunOrchestrator o = orchestrator("cp", checkpointed());
      RunHandle src = o.start(request("cp").build());
      await(src);

      RunHandle replay = o.replay(src.runId(), ReplayPoint.start(), trigger());
      assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
      assertThat(count("s1")).isEqualTo(2);
      assertThat(count("s4")).isEqualTo(2);

      assertThatThrownBy(() -> o.replay(src.runId(), ReplayPoint.checkpoint("nope"), trigger()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("nope").hasMessageContaining("mid");
      assertThatThrownBy(() -> o.replay(src.runId(), ReplayPoint.step("s9"), trigger()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("s9");
      assertThat(store.list(RunQuery.all()).runs()).hasSize(2);
    }

    @Test
    @DisplayName("a replay of a run whose snapshot no longer matches its run.created hash is refused")
    void replay_tamperedSnapshot_isRefused() throws Exception {
      RunOrchestrator o = orchestrator("cp", checkpointed());
      RunHandle src = o.start(request("cp").build());
      await(src);
      RunStore tampering = tamperedConfigs(store, ConfigSnapshot.parse("{\"model\":{\"name\":\"other\"}}"));
      RunOrchestrator onTampered = RunOrchestrator.builder(tampering).clock(clock).instanceId("tampered")
          .workflow("cp", "1", checkpointed()).build();
      orchestrators.add(onTampered);

      assertThatThrownBy(() -> onTampered.replay(src.runId(), ReplayPoint.start(), trigger()))
          .isInstanceOf(SnapshotMismatchException.class)
          .hasMessageContaining(src.runId().value())
          .hasMessageContaining("changed after creation");
      assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
    }

    @Test
    @DisplayName("a rerun applies the overrides and records the diff with old and new values")
    void rerun_recordsDiff() throws Exception {
      RunOrchestrator o = orchestrator("cp", checkpointed());
      RunHandle src = o.start(request("cp").build());
      await(src);
      Map<String, Object> overrides = new LinkedHashMap<>();
      overrides.put("/model/params/temperature", 0.9);
      overrides.put("/inputs/extra", "x");
      overrides.put("/policy/max_steps", null);

      RunHandle rerun = o.rerun(src.runId(), overrides, trigger());

      assertThat(await(rerun)).isEqualTo(RunStatus.COMPLETED);
      assertThat(count("s1")).isEqualTo(2);
      RunRecord r = o.get(rerun.runId()).orElseThrow();
      Lineage l = r.lineage().orElseThrow();
      assertThat(l.relation()).isEqualTo(Lineage.Relation.RERUN);
      assertThat(l.parentRunId()).isEqualTo(src.runId());
      List<ConfigDiff.Change> changes = l.configDiff().changes();
      assertThat(changes).extracting(ConfigDiff.Change::path, ConfigDiff.Change::op).containsExactly(
          org.assertj.core.groups.Tuple.tuple("/inputs/extra", ConfigDiff.Op.ADDED),
          org.assertj.core.groups.Tuple.tuple("/model/params/temperature", ConfigDiff.Op.CHANGED),
          org.assertj.core.groups.Tuple.tuple("/policy/max_steps", ConfigDiff.Op.REMOVED));
      assertThat(changes.get(1).oldValue().orElseThrow().asDouble()).isEqualTo(0.2);
      assertThat(changes.get(1).newValue().orElseThrow().asDouble()).isEqualTo(0.9);
      assertThat(changes.get(2).oldValue().orElseThrow().asInt()).isEqualTo(10);
      assertThat(r.config().at("/model/params/temperature").orElseThrow().asDouble()).isEqualTo(0.9);
      assertThatThrownBy(() -> o.rerun(src.runId(), Map.of("no-slash", 1), trigger()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("JSON Pointer");
      assertThat(store.list(RunQuery.all()).runs()).hasSize(2);
    }
  }

  /**
   * Wraps a store so that every record it returns carries another config, as if the stored
   * snapshot had been edited after creation.
   *
   * @param store the real store
   * @param replacement the config records appear to have
   * @return the tampering view
   */
  protected static RunStore tamperedConfigs(RunStore store, ConfigSnapshot replacement) {
    return (RunStore) Proxy.newProxyInstance(RunStore.class.getClassLoader(), new Class<?>[] {RunStore.class},
        (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            return null;
          }
          Object result;
          try {
            result = method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("get") && result instanceof Optional<?> opt && opt.isPresent()
              && opt.get() instanceof RunRecord r) {
            return Optional.of(r.withConfig(replacement));
          }
          return result;
        });
  }

  // ---- recommendations -----------------------------------------------------------------------------

  @Nested
  @DisplayName("Recommendations")
  class Recommendations {
    @Test
    @DisplayName("a recommendation starts nothing; a run started from it is linked both ways with the diff")
    void recommendation_linkedBothWays() throws Exception {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
      Recommendation rec = o.recommend(RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
          .budget(Budget.none().withMaxTokens(5000)).rationale("cheaper model is enough")
          .sourceRef("msg-42").build());

      assertThat(rec.status()).isEqualTo(Recommendation.Status.READY);
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();
      assertThat(o.recommendation(rec.id())).contains(rec);
      ConfigSnapshot actual = rec.config().withOverrides(Map.of("/model/params/temperature", 0.5));
      RunHandle h = o.start(RunRequest.builder().workflow("greeter", "1").config(actual)
          .recommendationId(rec.id()).trigger(trigger()).build());
      await(h);
      RunHandle unrelated = o.start(request("greeter").build());
      await(unrelated);

      RunRecord r = o.get(h.runId()).orElseThrow();
      assertThat(r.recommendation().orElseThrow().recommendationId()).isEqualTo(rec.id());
      assertThat(r.recommendation().orElseThrow().recommendedConfigSha256()).isEqualTo(rec.configSha256());
      assertThat(r.recommendation().orElseThrow().diffFromRecommended().changes())
          .extracting(ConfigDiff.Change::path).containsExactly("/model/params/temperature");
      assertThat(o.runsFromRecommendation(rec.id())).extracting(RunRecord::id).containsExactly(h.runId());
      Provenance p = o.provenance(h.runId());
      assertThat(p.trigger()).isEqualTo(r.trigger());
      assertThat(p.recommendation()).contains(rec);
      assertThat(p.recommendation().orElseThrow().sourceRef()).contains("msg-42");
      assertThat(o.provenance(unrelated.runId()).recommendation()).isEmpty();
    }

    @Test
    @DisplayName("a start from a blocked or unknown recommendation is refused; a start without config takes the recommended one")
    void recommendation_blockedOrUnknown_refused() throws Exception {
      RunOrchestrator o = orchestrator("greeter", ctx -> "hi");
      Recommendation blocked = o.recommend(RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
          .blocker("needs_approval").build());
      Recommendation unregistered = o.recommend(RecommendationRequest.builder(WorkflowRef.of("other", "1"), config())
          .build());
      Recommendation ready = o.recommend(RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
          .build());

      assertThat(blocked.status()).isEqualTo(Recommendation.Status.BLOCKED);
      assertThat(unregistered.blockers()).contains("workflow_not_registered");
      assertThatThrownBy(() -> o.start(RunRequest.builder().workflow("greeter", "1").trigger(trigger())
              .recommendationId(blocked.id()).build()))
          .isInstanceOf(PreflightRefusedException.class).hasMessageContaining("recommendation_blocked");
      assertThatThrownBy(() -> o.start(RunRequest.builder().workflow("greeter", "1").trigger(trigger())
              .recommendationId("no-such-rec").build()))
          .isInstanceOf(PreflightRefusedException.class).hasMessageContaining("recommendation_not_found");
      assertThatThrownBy(() -> o.recommend(RecommendationRequest.builder(WorkflowRef.of("greeter", "1"), config())
              .id(ready.id()).build()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("already exists");
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();

      RunHandle h = o.start(RunRequest.builder().workflow("greeter", "1").trigger(trigger())
          .recommendationId(ready.id()).build());
      await(h);
      RunRecord r = o.get(h.runId()).orElseThrow();
      assertThat(r.config()).isEqualTo(ready.config());
      assertThat(r.recommendation().orElseThrow().diffFromRecommended().isEmpty()).isTrue();
    }
  }

  // ---- budgets -------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Budgets")
  class Budgets {
    private Workflow spender(int calls, long tokensEach, boolean swallow) {
      return ctx -> {
        for (int i = 0; i < calls; i++) {
          int n = i;
          ctx.step("call-" + i, String.class, () -> {
            ModelGeneration g = ctx.model("acme", "m-1").started();
            try {
              g.completed(g.completion().usage(tokensEach, 0).cost(new BigDecimal("0.10")).build());
            } catch (BudgetExceededException e) {
              if (!swallow) {
                throw e;
              }
            }
            return "call " + n;
          });
        }
        return "spent";
      };
    }

    @Test
    @DisplayName("crossing the token budget writes budget.exceeded and ends the run failed with reason budget_exceeded")
    void tokens_crossed_failsRun() throws Exception {
      RunOrchestrator o = orchestrator("spend", spender(5, 40, false));
      RunHandle h = o.start(request("spend").budget(Budget.none().withMaxTokens(100)).build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      List<String> types = types(h.runId());
      assertThat(types.subList(types.size() - 4, types.size()))
          .containsExactly("model.generation.completed", "budget.exceeded", "step.failed", "run.failed");
      JsonNode x = ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().toJsonNode();
      assertThat(x.get("dimension").asText()).isEqualTo("tokens");
      assertThat(x.get("limit").asLong()).isEqualTo(100);
      assertThat(x.get("actual").asLong()).isEqualTo(120);
      JsonNode failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().toJsonNode();
      assertThat(failed.get("reason").asText()).isEqualTo("budget_exceeded");
      assertThat(failed.at("/error/code").asText()).isEqualTo("budget_exceeded");
      assertThat(ofType(h.runId(), EventTypes.MODEL_GENERATION_STARTED)).hasSize(3);
    }

    @Test
    @DisplayName("a workflow that swallows the budget exception still ends failed; cost budgets work alike")
    void cost_crossedAndSwallowed_stillFails() throws Exception {
      RunOrchestrator o = orchestrator("spend", spender(5, 1, true));
      RunHandle h = o.start(request("spend").budget(Budget.none().withMaxCost(new BigDecimal("0.25"))).build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      JsonNode x = ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().toJsonNode();
      assertThat(x.get("dimension").asText()).isEqualTo("cost");
      assertThat(x.get("actual").decimalValue()).isEqualByComparingTo("0.30");
      assertThat(ofType(h.runId(), EventTypes.RUN_FAILED).get(0).payload().text("reason")).contains("budget_exceeded");
      assertThat(ofType(h.runId(), EventTypes.MODEL_GENERATION_STARTED)).hasSize(3);
    }

    @Test
    @DisplayName("an execution longer than its wall time budget fails at the next step boundary")
    void wallTime_crossed_failsAtNextStep() throws Exception {
      RunOrchestrator o = orchestrator("slow", ctx -> {
        ctx.step("long", String.class, () -> {
          clock.advance(Duration.ofMinutes(2));
          return "done";
        });
        return ctx.step("after", String.class, () -> {
          ran("after");
          return "never";
        });
      });
      RunHandle h = o.start(request("slow").budget(Budget.none().withMaxWallTime(Duration.ofMinutes(1))).build());

      assertThat(await(h)).isEqualTo(RunStatus.FAILED);
      assertThat(count("after")).isZero();
      assertThat(ofType(h.runId(), EventTypes.BUDGET_EXCEEDED).get(0).payload().text("dimension")).contains("wall_time");
      assertThat(o.get(h.runId()).orElseThrow().config().at("/budget/max_wall_time_ms").orElseThrow().asLong())
          .isEqualTo(60_000);
    }
  }

  // ---- summaries, listeners, subscriptions ---------------------------------------------------------

  @Nested
  @DisplayName("Summaries and observation")
  class Observation {
    @Test
    @DisplayName("the summary in the final event matches a summary rebuilt from the events")
    void summary_matchesRebuild() throws Exception {
      RunOrchestrator o = orchestrator("three", threeSteps());
      RunHandle h = o.start(request("three").build());
      await(h);
      await(o.resume(h.runId(), trigger()));

      RunSummary stored = o.summary(h.runId()).orElseThrow();
      RunSummary rebuilt = RunSummary.from(o.get(h.runId()).orElseThrow(), events(h.runId()));
      assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(stored.countsByType()).isEqualTo(rebuilt.countsByType());
      assertThat(stored.steps()).isEqualTo(rebuilt.steps());
      assertThat(stored.errors()).isEqualTo(rebuilt.errors());
      assertThat(stored.output()).isEqualTo(rebuilt.output());
      assertThat(stored.step("c").orElseThrow().attempts()).isEqualTo(2);
      assertThat(stored.errors()).extracting(RunSummary.ErrorSummary::eventType)
          .containsExactly("step.failed", "run.failed");
    }

    @Test
    @DisplayName("listeners see runs start and finish and every append; subscribers see the whole log")
    void listenerAndSubscription() throws Exception {
      List<String> seen = new CopyOnWriteArrayList<>();
      AtomicInteger appends = new AtomicInteger();
      OrchestratorListener l = new OrchestratorListener() {
        @Override
        public void runStarted(RunId runId, WorkflowRef workflow, int attempt) {
          seen.add("started " + workflow + " #" + attempt);
        }

        @Override
        public void runFinished(RunId runId, RunStatus status, Duration duration) {
          seen.add("finished " + status.wireName());
        }

        @Override
        public void appended(RunId runId, EventType type, Duration latency) {
          appends.incrementAndGet();
        }
      };
      RunOrchestrator o = orchestrator(b -> b.listener(l).workflow("greeter", "1",
          ctx -> ctx.step("greet", String.class, () -> "hello")));
      RunHandle h = o.start(request("greeter").build());
      await(h);
      waitUntil("the listener saw the run finish", () -> seen.size() == 2);

      assertThat(seen).containsExactly("started greeter@1 #1", "finished completed");
      assertThat(appends.get()).isEqualTo(2);
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      o.subscribe(h.runId(), 0).subscribe(sub);
      sub.awaitDone(Duration.ofSeconds(30));
      assertThat(sub.events()).extracting(e -> e.type().name()).isEqualTo(types(h.runId()));
      assertThat(o.events(h.runId(), 2, 2)).extracting(RunEvent::sequence).containsExactly(3L, 4L);
      assertThat(o.workflows()).containsExactly(WorkflowRef.of("greeter", "1"));
    }
  }

  // ---- leases and recovery -------------------------------------------------------------------------

  @Nested
  @DisplayName("Leases and recovery")
  class Recovery {
    @Test
    @DisplayName("a run whose owner stops renewing is marked interrupted by another instance, then resumed to completion")
    void recover_expiredLease_interruptedThenResumed() throws Exception {
      CountDownLatch inStep = latch();
      CountDownLatch release = latch();
      Workflow w = ctx -> {
        ctx.step("one", String.class, () -> {
          ran("one");
          return "1";
        });
        ctx.step("two", String.class, () -> {
          if (ran("two") == 1) {
            inStep.countDown();
            await(release);
          }
          return "2";
        });
        return ctx.step("three", String.class, () -> {
          ran("three");
          return "3";
        });
      };
      RunOrchestrator a = orchestrator(b -> b.instanceId("owner-a").leaseTtl(Duration.ofHours(1))
          .workflow("w", "1", w));
      RunOrchestrator b = orchestrator(x -> x.instanceId("owner-b").workflow("w", "1", w));
      RunHandle h = a.start(request("w").build());
      await(inStep);
      assertThat(store.lease(h.runId()).orElseThrow().owner()).isEqualTo("owner-a");
      assertThat(b.recoverInterrupted()).isEmpty();

      clock.advance(Duration.ofHours(2));
      List<RunId> recovered = b.recoverInterrupted();

      assertThat(recovered).containsExactly(h.runId());
      RunEvent interrupted = ofType(h.runId(), EventTypes.RUN_INTERRUPTED).get(0);
      assertThat(interrupted.payload().text("reason")).contains("lease_expired");
      assertThat(interrupted.payload().text("owner")).contains("owner-a");
      assertThat(store.lease(h.runId())).isEmpty();
      release.countDown();
      assertThat(await(h)).isEqualTo(RunStatus.INTERRUPTED);

      RunHandle resumed = b.resume(h.runId(), trigger());
      assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
      assertThat(count("one")).isEqualTo(1);
      assertThat(count("two")).isEqualTo(2);
      assertThat(count("three")).isEqualTo(1);
      assertThat(ofType(h.runId(), EventTypes.STEP_STARTED)).extracting(e -> e.stepId().orElseThrow() + "#"
          + e.attempt().orElse(0)).containsExactly("one#1", "two#1", "two#2", "three#1");
      assertThat(ofType(h.runId(), EventTypes.RUN_INTERRUPTED)).hasSize(1);
      assertNoDuplicates(h.runId());
    }

    @Test
    @DisplayName("the executing instance holds the run's lease and renews it while the run executes")
    void lease_heldAndRenewedWhileRunning() throws Exception {
      CountDownLatch inStep = latch();
      CountDownLatch release = latch();
      RunOrchestrator o = orchestrator(b -> b.instanceId("renewer").leaseTtl(Duration.ofMillis(300))
          .workflow("w", "1", ctx -> ctx.step("wait", String.class, () -> {
            inStep.countDown();
            await(release);
            return "done";
          })));
      RunHandle h = o.start(request("w").build());
      await(inStep);
      dev.runs.Lease first = store.lease(h.runId()).orElseThrow();
      assertThat(first.owner()).isEqualTo("renewer");

      waitUntil("the lease is renewed", () -> store.lease(h.runId())
          .map(l -> l.expiresAt().isAfter(first.expiresAt())).orElse(false));
      release.countDown();

      assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
      assertThat(store.lease(h.runId())).isEmpty();
    }

    @Test
    @DisplayName("a queued run whose owner died is failed with reason lease_expired, and can be resumed")
    void recover_queuedRunOfDeadOwner_failed() throws Exception {
      HeldExecutor never = new HeldExecutor();
      RunOrchestrator a = orchestrator(b -> b.executor(never).workflow("w", "1", ctx -> "ok"));
      RunOrchestrator b = orchestrator("w", ctx -> "ok");
      RunHandle h = a.start(request("w").build());
      clock.advance(Duration.ofHours(1));

      assertThat(b.recoverInterrupted()).containsExactly(h.runId());

      RunEvent failed = ofType(h.runId(), EventTypes.RUN_FAILED).get(0);
      assertThat(failed.payload().text("reason")).contains("lease_expired");
      assertThat(await(b.resume(h.runId(), trigger()))).isEqualTo(RunStatus.COMPLETED);
      never.runAll();
      assertThat(ofType(h.runId(), EventTypes.RUN_STARTED)).isEmpty();
      assertThat(b.state(h.runId()).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    @DisplayName("close cancels workflows still running after the timeout and releases their leases")
    void close_cancelsRunningWorkflows() throws Exception {
      CountDownLatch started = latch();
      RunOrchestrator o = orchestrator(b -> b.closeTimeout(Duration.ofMillis(100)).workflow("w", "1",
          ctx -> ctx.step("wait", String.class, () -> {
            started.countDown();
            while (true) {
              ctx.cancellation().throwIfCancelled();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
          })));
      RunHandle h = o.start(request("w").build());
      await(started);

      o.close();

      assertThat(await(h)).isEqualTo(RunStatus.CANCELLED);
      assertThat(ofType(h.runId(), EventTypes.RUN_CANCELLED).get(0).payload().text("reason"))
          .contains("orchestrator_closed");
      assertThat(store.lease(h.runId())).isEmpty();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
