package dev.runs.internal.orchestrator;

import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.IllegalTransitionException;
import dev.runs.Lease;
import dev.runs.Lineage;
import dev.runs.RecommendationLink;
import dev.runs.RunBusyException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import dev.runs.payload.RunQueued;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts executions: creates a run record, takes its lease, writes {@code run.queued} and hands the
 * execution to the executor; and builds handles, for new runs and for runs that exist already
 * (which complete when the run next ends). Thread-safe: its state is final, and the registry and
 * store it uses are thread-safe.
 */
final class Launcher {
  private static final Logger log = LoggerFactory.getLogger(Launcher.class);

  private final ExecutionEnvironment env;
  private final Map<WorkflowRef, Workflow> workflows;
  private final Duration leaseTtl;
  private final Executor executor;
  private final ActiveExecutions active;
  private final ContextLabelling contextLabels;

  Launcher(
      ExecutionEnvironment env,
      Map<WorkflowRef, Workflow> workflows,
      Duration leaseTtl,
      Executor executor,
      ActiveExecutions active,
      ContextLabelling contextLabels) {
    this.env = Objects.requireNonNull(env, "env");
    this.workflows = Objects.requireNonNull(workflows, "workflows");
    this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.active = Objects.requireNonNull(active, "active");
    this.contextLabels = Objects.requireNonNull(contextLabels, "contextLabels");
  }

  /** Builds the record of a new run from a request that passed preflight. */
  RunRecord newRecord(RunRequest request, Preflight.Outcome o, Optional<Lineage> lineage) {
    ConfigSnapshot config = o.report().normalizedConfig().orElseThrow();
    RunRecord.Builder b =
        RunRecord.builder(
            request.workflow().orElseThrow(), config, request.trigger().orElseThrow());
    request.runId().ifPresent(b::id);
    request.namespace().ifPresent(b::namespace);
    request.threadKey().ifPresent(b::threadKey);
    request.labels().forEach(b::label);
    contextLabels.apply(
        request.labels(), b, request.workflow().orElseThrow(), request.trigger().orElseThrow());
    o.recommendation()
        .ifPresent(
            rec ->
                b.recommendation(
                    new RecommendationLink(
                        rec.id(), rec.configSha256(), rec.config().diff(config))));
    lineage.ifPresent(b::lineage);
    b.createdAt(env.clock().instant());
    return b.build();
  }

  /**
   * Creates the run and starts its first execution; a run that exists already (same trigger) gets a
   * handle instead.
   *
   * @param reuse recorded step outputs a replay reuses, by step path (redacted ones run again)
   */
  RunHandle launch(RunRecord record, Map<String, ReusedOutput> reuse) {
    RunStore store = env.store();
    Workflow workflow = workflows.get(record.workflow());
    if (workflow == null) { // preflight refuses such requests
      throw new IllegalStateException("workflow " + record.workflow() + " is not registered");
    }
    CreateResult created = store.create(record);
    if (!created.created()) {
      return existingHandle(created.record());
    }
    RunRecord stored = created.record();
    RunId id = stored.id();
    Optional<Lease> lease = store.acquireLease(id, env.instanceId(), leaseTtl);
    if (lease.isEmpty()) {
      throw new RunBusyException(store.lease(id).orElseThrow());
    }
    Execution ex = new Execution(env, stored, workflow, Execution.Mode.FRESH, reuse);
    active.put(ex);
    try {
      store.append(
          id,
          EventDraft.of(RunQueued.of())
              .withSource(ExecutionEnvironment.SOURCE)
              .withIdempotencyKey(Keys.QUEUED));
    } catch (RuntimeException e) {
      active.remove(ex);
      throw e;
    }
    log.debug(
        "run {} - created and queued ({} by trigger {})",
        id,
        stored.workflow(),
        stored.trigger().triggerId());
    submit(ex, stored);
    return new Handle(id, true, ex.done, stored);
  }

  /** Hands an execution to the executor; a refusal fails the run. */
  void submit(Execution ex, RunRecord record) {
    try {
      executor.execute(ex::run);
    } catch (RejectedExecutionException e) {
      log.warn("run {} - the executor refused it; failing the run", record.id(), e);
      RunStore store = env.store();
      if (store.entry(record.id()).isEmpty()) {
        throw new RunNotFoundException(record.id());
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("error", ErrorJson.of(e, "executor_rejected"));
      fields.put("reason", "executor_rejected");
      try {
        store.append(
            record.id(),
            EventDraft.of(
                    EventTypes.RUN_FAILED,
                    env.terminals()
                        .of(record, EventTypes.RUN_FAILED, fields, Optional.empty(), false))
                .withSource(ExecutionEnvironment.SOURCE));
      } catch (IllegalTransitionException ignored) {
        // ended meanwhile (cancelled): nothing to do
      }
      ex.endBeforeStart(store.state(record.id()).status());
    }
  }

  /**
   * @return a handle for a new execution
   */
  RunHandle handle(Execution ex, RunRecord record, boolean created) {
    return new Handle(record.id(), created, ex.done, record);
  }

  /**
   * @return a handle on a run that exists already
   */
  RunHandle existingHandle(RunRecord record) {
    Execution ex = active.get(record.id());
    if (ex != null) {
      return new Handle(record.id(), false, ex.done, record);
    }
    return new Handle(record.id(), false, watch(record.id()), record);
  }

  /** Completes when the run next reaches a terminal status. */
  private CompletableFuture<RunStatus> watch(RunId id) {
    RunStore store = env.store();
    RunEntry e = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
    if (e.status().isTerminal()) {
      return CompletableFuture.completedFuture(e.status());
    }
    CompletableFuture<RunStatus> f = new CompletableFuture<>();
    store
        .subscribe(id, e.lastSequence())
        .subscribe(
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(RunEvent item) {
                if (item.isTerminal()) {
                  f.complete(statusOf(item.type()));
                }
              }

              @Override
              public void onError(Throwable t) {
                f.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                if (!f.isDone()) {
                  f.complete(store.entry(id).map(RunEntry::status).orElse(RunStatus.FAILED));
                }
              }
            });
    return f;
  }

  private static RunStatus statusOf(EventType terminal) {
    return switch (terminal.name()) {
      case "run.completed" -> RunStatus.COMPLETED;
      case "run.failed" -> RunStatus.FAILED;
      case "run.cancelled" -> RunStatus.CANCELLED;
      default -> RunStatus.INTERRUPTED;
    };
  }

  /** A handle; {@link #completion()} hands out copies so callers cannot complete the original. */
  private record Handle(
      RunId runId, boolean created, CompletableFuture<RunStatus> done, RunRecord record)
      implements RunHandle {
    @Override
    public CompletableFuture<RunStatus> completion() {
      return done.copy();
    }
  }
}
