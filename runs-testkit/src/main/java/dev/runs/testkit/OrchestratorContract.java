package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.Workflow;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator's behaviour on a store: lifecycle and events, steps and retries, cancel, resume,
 * replay, rerun, recommendations, budgets, summaries, leases and recovery. Every store module runs
 * it with a one-method subclass:
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
 *
 * <p>The tests are grouped by area, one file per group: {@code OrchestratorStartingKit}, {@code
 * OrchestratorCancellingKit} and so on hold the tests, {@code OrchestratorKit} what the groups
 * share. Each {@code @Nested} class below binds one group to this contract, so a store's subclass
 * runs them all on the store it opens, under the same display names.
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

  /** The orchestrators built for the test, closed after it. */
  final List<RunOrchestrator> orchestrators = new CopyOnWriteArrayList<>();

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

  // ---- helpers
  // -------------------------------------------------------------------------------------

  /**
   * Builds an orchestrator on the store with the kit's clock, a unique instance id and a short
   * close timeout; it is closed after the test.
   *
   * @param setup registers workflows and other settings
   * @return the orchestrator
   */
  protected RunOrchestrator orchestrator(Consumer<RunOrchestrator.Builder> setup) {
    RunOrchestrator.Builder b =
        RunOrchestrator.builder(store)
            .clock(clock)
            .instanceId("kit-" + instances.incrementAndGet())
            .closeTimeout(Duration.ofSeconds(5));
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

  /**
   * @return a trigger with a fresh id
   */
  protected static Trigger trigger() {
    return Trigger.of(TriggerSource.TEST, "kit-" + UUID.randomUUID(), "kit");
  }

  /**
   * @return a small config
   */
  protected static ConfigSnapshot config() {
    return ConfigSnapshot.builder()
        .model("acme", "m-1")
        .param("temperature", 0.2)
        .policy("max_steps", 10)
        .input("topic", "tides")
        .build();
  }

  /**
   * @param workflow a workflow name registered with version 1
   * @return a request with a fresh trigger, the small config and a generous budget
   */
  protected static RunRequest.Builder request(String workflow) {
    return RunRequest.builder()
        .workflow(workflow, "1")
        .config(config())
        .trigger(trigger())
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
   * Checks that no event was written twice: idempotency keys are unique, and so are step events by
   * (type, step, attempt).
   *
   * @param id a run
   */
  protected void assertNoDuplicates(RunId id) {
    Set<String> keys = new HashSet<>();
    Set<String> stepEvents = new HashSet<>();
    for (RunEvent e : events(id)) {
      e.idempotencyKey()
          .ifPresent(k -> assertThat(keys.add(k)).as("idempotency key %s used twice", k).isTrue());
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

  /** A host payload type for {@code emit(EventPayload)}. */
  public record Scored(String candidate, int score) implements dev.runs.EventPayload {
    @Override
    public EventType type() {
      return EventType.of("x.kit.scored");
    }
  }

  /**
   * Wraps a store so that every record it returns carries another config, as if the stored snapshot
   * had been edited after creation.
   *
   * @param store the real store
   * @param replacement the config records appear to have
   * @return the tampering view
   */
  protected static RunStore tamperedConfigs(RunStore store, ConfigSnapshot replacement) {
    return (RunStore)
        Proxy.newProxyInstance(
            RunStore.class.getClassLoader(),
            new Class<?>[] {RunStore.class},
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
              if (method.getName().equals("get")
                  && result instanceof Optional<?> opt
                  && opt.isPresent()
                  && opt.get() instanceof RunRecord r) {
                return Optional.of(r.withConfig(replacement));
              }
              return result;
            });
  }

  // ---- the groups, each bound to this contract --------------------------------------------------

  @Nested
  @DisplayName("Starting runs")
  class Starting extends OrchestratorStartingKit {
    Starting() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Agent workflows")
  class AgentWorkflows extends OrchestratorAgentWorkflowsKit {
    AgentWorkflows() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Other emitters")
  class OtherEmitters extends OrchestratorOtherEmittersKit {
    OtherEmitters() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Steps")
  class Steps extends OrchestratorStepsKit {
    Steps() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Cancelling runs")
  class Cancelling extends OrchestratorCancellingKit {
    Cancelling() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Resuming runs")
  class Resuming extends OrchestratorResumingKit {
    Resuming() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Replaying and rerunning")
  class Replaying extends OrchestratorReplayingKit {
    Replaying() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Recommendations")
  class Recommendations extends OrchestratorRecommendationsKit {
    Recommendations() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Budgets")
  class Budgets extends OrchestratorBudgetsKit {
    Budgets() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Summaries and observation")
  class Observation extends OrchestratorObservationKit {
    Observation() {
      super(OrchestratorContract.this);
    }
  }

  @Nested
  @DisplayName("Leases and recovery")
  class Recovery extends OrchestratorRecoveryKit {
    Recovery() {
      super(OrchestratorContract.this);
    }
  }
}
