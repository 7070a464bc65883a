package dev.runs.testkit;

import dev.runs.ConfigSnapshot;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.Workflow;
import dev.runs.testkit.OrchestratorContract.Fetched;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What every group of the {@link OrchestratorContract} shares: the contract's store, clock and
 * helpers, seen from a group, and the fixtures several groups use (latches, an executor that holds
 * its tasks, a three-step workflow). Each group is an abstract subclass in its own file ({@code
 * OrchestratorStartingKit} and so on) that a {@code @Nested} inner class of the contract binds to
 * the contract instance, so that JUnit runs it with the store the contract opened for the test.
 */
abstract class OrchestratorKit {
  private final OrchestratorContract contract;

  /**
   * @param contract the contract whose store the group's tests run on
   */
  OrchestratorKit(OrchestratorContract contract) {
    this.contract = contract;
  }

  /**
   * @return the store under test
   */
  RunStore store() {
    return contract.store;
  }

  /**
   * @return the clock of the store and the orchestrators
   */
  TestClock clock() {
    return contract.clock;
  }

  /**
   * @return the orchestrators the contract closes after the test; add one built by hand
   */
  List<RunOrchestrator> orchestrators() {
    return contract.orchestrators;
  }

  /**
   * @see OrchestratorContract#orchestrator(Consumer)
   */
  RunOrchestrator orchestrator(Consumer<RunOrchestrator.Builder> setup) {
    return contract.orchestrator(setup);
  }

  /**
   * @see OrchestratorContract#orchestrator(String, Workflow)
   */
  RunOrchestrator orchestrator(String name, Workflow workflow) {
    return contract.orchestrator(name, workflow);
  }

  /**
   * @see OrchestratorContract#trigger
   */
  static Trigger trigger() {
    return OrchestratorContract.trigger();
  }

  /**
   * @see OrchestratorContract#config
   */
  static ConfigSnapshot config() {
    return OrchestratorContract.config();
  }

  /**
   * @see OrchestratorContract#request
   */
  static RunRequest.Builder request(String workflow) {
    return OrchestratorContract.request(workflow);
  }

  /**
   * @see OrchestratorContract#ran
   */
  int ran(String name) {
    return contract.ran(name);
  }

  /**
   * @see OrchestratorContract#count
   */
  int count(String name) {
    return contract.count(name);
  }

  /**
   * @see OrchestratorContract#await(RunHandle)
   */
  static RunStatus await(RunHandle handle) throws Exception {
    return OrchestratorContract.await(handle);
  }

  /**
   * @see OrchestratorContract#events
   */
  List<RunEvent> events(RunId id) {
    return contract.events(id);
  }

  /**
   * @see OrchestratorContract#types
   */
  List<String> types(RunId id) {
    return contract.types(id);
  }

  /**
   * @see OrchestratorContract#ofType
   */
  List<RunEvent> ofType(RunId id, EventType type) {
    return contract.ofType(id, type);
  }

  /**
   * @see OrchestratorContract#assertNoDuplicates
   */
  void assertNoDuplicates(RunId id) {
    contract.assertNoDuplicates(id);
  }

  /**
   * @see OrchestratorContract#waitUntil
   */
  static void waitUntil(String what, BooleanSupplier condition) {
    OrchestratorContract.waitUntil(what, condition);
  }

  /**
   * @see OrchestratorContract#tamperedConfigs
   */
  static RunStore tamperedConfigs(RunStore store, ConfigSnapshot replacement) {
    return OrchestratorContract.tamperedConfigs(store, replacement);
  }

  // ---- fixtures several groups use --------------------------------------------------------------

  static CountDownLatch latch() {
    return new CountDownLatch(1);
  }

  static void await(CountDownLatch l) throws InterruptedException {
    if (!l.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("latch not released within 30 s");
    }
  }

  /** An executor that holds tasks until the test runs them. */
  static final class HeldExecutor implements Executor {
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

  /** A page of a listing; the store's default redactor masks {@code next_token}. */
  record Page(String nextToken, int n) {}

  /**
   * Two steps, {@code list} (its output's {@code next_token} is masked in the log) and {@code
   * count} (a clean output), then checkpoint {@code paged}; adds the token the execution goes on
   * with to {@code seen}, then fails on a run's first execution unless the run is derived (a
   * replay).
   */
  Workflow paging(List<String> seen) {
    return ctx -> {
      Page page =
          ctx.step(
              "list",
              Page.class,
              () -> {
                ran("list");
                return new Page("abc", 1);
              });
      int n =
          ctx.step(
              "count",
              Integer.class,
              () -> {
                ran("count");
                return page.n();
              });
      ctx.checkpoint("paged");
      seen.add(page.nextToken());
      if (ctx.attempt() == 1 && ctx.record().lineage().isEmpty()) {
        throw new IllegalStateException("first execution fails after paging");
      }
      return n;
    };
  }

  /** Three steps and a top-level console line; step c fails on its first execution. */
  Workflow threeSteps() {
    return ctx -> {
      ctx.console("stdout", "starting");
      Fetched a =
          ctx.step(
              "a",
              Fetched.class,
              () -> {
                ran("a");
                return new Fetched("https://example.org", 512);
              });
      int b =
          ctx.step(
              "b",
              Integer.class,
              () -> {
                ran("b");
                return a.bytes() * 2;
              });
      return ctx.step(
          "c",
          String.class,
          () -> {
            if (ran("c") == 1) {
              throw new IllegalStateException("flaky upstream");
            }
            return a.url() + " " + b;
          });
    };
  }
}
