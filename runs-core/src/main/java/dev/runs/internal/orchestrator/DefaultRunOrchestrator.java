package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.ConfigDiff;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Lease;
import dev.runs.Lineage;
import dev.runs.OrchestratorListener;
import dev.runs.Payload;
import dev.runs.PreflightIssue;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.Provenance;
import dev.runs.Recommendation;
import dev.runs.RecommendationLink;
import dev.runs.RecommendationRequest;
import dev.runs.ReplayPoint;
import dev.runs.RunBusyException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunSummary;
import dev.runs.RunsException;
import dev.runs.SequenceConflictException;
import dev.runs.SnapshotMismatchException;
import dev.runs.StageManifest;
import dev.runs.StoreClosedException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default {@link RunOrchestrator}, over the public {@link RunStore} API only. */
public final class DefaultRunOrchestrator implements RunOrchestrator {
  private static final Logger log = LoggerFactory.getLogger(DefaultRunOrchestrator.class);
  private static final AtomicInteger NUMBERS = new AtomicInteger();
  private static final String SOURCE = "orchestrator";

  private final OrchestratorSettings settings;
  private final RunStore store;
  private final Clock clock;
  private final String instanceId;
  private final Duration leaseTtl;
  private final Executor executor;
  private final ExecutorService ownedPool;
  private final ScheduledExecutorService keeper;
  private final Preflight preflight;
  private final ConcurrentHashMap<RunId, Execution> active = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean listenerWarned = new AtomicBoolean();
  private final AtomicBoolean keeperWarned = new AtomicBoolean();

  /**
   * @param settings what the builder collected
   */
  public DefaultRunOrchestrator(OrchestratorSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.store = settings.store();
    this.clock = settings.clock();
    this.instanceId = settings.instanceId();
    this.leaseTtl = settings.leaseTtl();
    int number = NUMBERS.incrementAndGet();
    if (settings.executor().isPresent()) {
      this.executor = settings.executor().get();
      this.ownedPool = null;
    } else {
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(settings.maxConcurrentRuns(),
          settings.maxConcurrentRuns(), 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "runs-orchestrator-" + number + "-worker-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      pool.allowCoreThreadTimeOut(true);
      this.executor = pool;
      this.ownedPool = pool;
    }
    ScheduledThreadPoolExecutor k = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "runs-orchestrator-" + number + "-leases");
      t.setDaemon(true);
      return t;
    });
    k.setRemoveOnCancelPolicy(true);
    this.keeper = k;
    long period = Math.max(100, leaseTtl.toMillis() / 3);
    keeper.scheduleAtFixedRate(this::keepLeases, period, period, TimeUnit.MILLISECONDS);
    this.preflight = new Preflight(store, settings.workflows().keySet(), settings.checks(),
        this::recommendation);
    log.info("run orchestrator {} started on {}: workflows {}, lease ttl {}", instanceId,
        store.location(), settings.workflows().keySet(), leaseTtl);
  }

  // ---- accessors for executions -------------------------------------------------------------------

  RunStore store() {
    return store;
  }

  Clock clock() {
    return clock;
  }

  String instanceId() {
    return instanceId;
  }

  void notifyListeners(Consumer<OrchestratorListener> call) {
    for (OrchestratorListener l : settings.listeners()) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        if (listenerWarned.compareAndSet(false, true)) {
          log.warn("orchestrator listener {} failed (further failures are logged at debug)", l, e);
        } else {
          log.debug("orchestrator listener {} failed", l, e);
        }
      }
    }
  }

  /** Called once per execution when it ends, on the thread that ended it. */
  void executionEnded(Execution ex, RunStatus status, RuntimeException failure, Duration took) {
    RunId id = ex.runId();
    if (failure != null) {
      active.remove(id, ex);
      log.warn("run {} - execution stopped by a store failure; its lease is kept so that it expires and"
          + " recoverInterrupted() marks the run interrupted", id, failure);
      ex.done.completeExceptionally(failure);
      return;
    }
    if (status != RunStatus.RUNNING && status != RunStatus.CANCEL_REQUESTED) {
      try {
        store.releaseLease(id, instanceId);
      } catch (RunsException e) {
        log.debug("run {} - lease release failed; it will expire", id, e);
      }
    }
    // removed before completing, so that a resume following completion finds no execution here
    active.remove(id, ex);
    log.debug("run {} - execution ended {}", id, status == null ? "?" : status.wireName());
    notifyListeners(l -> l.runFinished(id, status, took));
    ex.done.complete(status);
  }

  /** The final event's payload: its fields plus the summary of the log ending with it. */
  Payload terminalPayload(RunRecord record, RunEntry head, EventType type, Map<String, Object> fields,
      Optional<JsonNode> output, boolean reduced) {
    Map<String, Object> p = new LinkedHashMap<>(fields);
    try {
      List<RunEvent> events = new ArrayList<>();
      try (EventStream s = store.read(record.id(), 0)) {
        s.forEachRemaining(events::add);
      }
      Instant now = clock.instant();
      Instant last = events.isEmpty() ? now : events.get(events.size() - 1).time();
      events.add(new RunEvent(RunEvent.SCHEMA, EventId.of(UUID.randomUUID().toString()), record.id(),
          events.size() + 1L, type, now.isBefore(last) ? last : now, Optional.empty(),
          java.util.OptionalInt.empty(), Optional.empty(), SOURCE, Optional.empty(),
          Payload.of(p), Map.of()));
      RunSummary summary = RunSummary.from(record, events).withOutput(output);
      if (reduced) {
        summary = new RunSummary(summary.runId(), summary.workflow(), summary.status(),
            summary.startedAt(), summary.endedAt(), summary.durationMs(), summary.executions(),
            List.of(), summary.countsByType(), summary.usage(), summary.cost(), List.of(), List.of(),
            Map.of(), Optional.empty());
        p.put("summary_truncated", true);
      }
      p.put("summary", summary.toPayload().toJsonNode());
    } catch (RunsException | IllegalArgumentException e) {
      log.debug("run {} - summary could not be built", record.id(), e);
    }
    return Payload.of(p);
  }

  // ---- preflight and start -------------------------------------------------------------------------

  @Override
  public PreflightReport preflight(RunRequest request) {
    Objects.requireNonNull(request, "request");
    return preflight.run(request).report();
  }

  @Override
  public RunHandle start(RunRequest request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    if (request.trigger().isPresent()) {
      Optional<RunRecord> existing = store.findByTrigger(request.trigger().get().triggerId());
      if (existing.isPresent()) {
        return existingHandle(existing.get());
      }
    }
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException("start of " + request.workflow().map(WorkflowRef::toString)
          .orElse("(no workflow)"), o.report());
    }
    RunRecord record = newRecord(request, o, Optional.empty());
    return launch(record, Map.of());
  }

  private RunRecord newRecord(RunRequest request, Preflight.Outcome o, Optional<Lineage> lineage) {
    dev.runs.ConfigSnapshot config = o.report().normalizedConfig().orElseThrow();
    RunRecord.Builder b = RunRecord.builder(request.workflow().orElseThrow(), config,
        request.trigger().orElseThrow());
    request.runId().ifPresent(b::id);
    request.namespace().ifPresent(b::namespace);
    request.threadKey().ifPresent(b::threadKey);
    request.labels().forEach(b::label);
    o.recommendation().ifPresent(rec -> b.recommendation(
        new RecommendationLink(rec.id(), rec.configSha256(), rec.config().diff(config))));
    lineage.ifPresent(b::lineage);
    b.createdAt(clock.instant());
    return b.build();
  }

  private RunHandle launch(RunRecord record, Map<String, Execution.Reused> reuse) {
    CreateResult created = store.create(record);
    if (!created.created()) {
      return existingHandle(created.record());
    }
    RunRecord stored = created.record();
    RunId id = stored.id();
    Workflow workflow = settings.workflows().get(stored.workflow());
    Optional<Lease> lease = store.acquireLease(id, instanceId, leaseTtl);
    if (lease.isEmpty()) {
      throw new RunBusyException(store.lease(id).orElseThrow());
    }
    Execution ex = new Execution(this, stored, workflow, Execution.Mode.FRESH, reuse);
    active.put(id, ex);
    try {
      store.append(id, EventDraft.of(EventTypes.RUN_QUEUED).withSource(SOURCE)
          .withIdempotencyKey(Keys.QUEUED));
    } catch (RuntimeException e) {
      active.remove(id, ex);
      throw e;
    }
    log.debug("run {} - created and queued ({} by trigger {})", id, stored.workflow(),
        stored.trigger().triggerId());
    submit(ex, stored);
    return new Handle(id, true, ex.done, stored);
  }

  private void submit(Execution ex, RunRecord record) {
    try {
      executor.execute(ex::run);
    } catch (RejectedExecutionException e) {
      log.warn("run {} - the executor refused it; failing the run", record.id(), e);
      RunEntry head = store.entry(record.id()).orElseThrow(() -> new RunNotFoundException(record.id()));
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("error", Execution.error(e, "executor_rejected"));
      fields.put("reason", "executor_rejected");
      try {
        store.append(record.id(), EventDraft.of(EventTypes.RUN_FAILED,
            terminalPayload(record, head, EventTypes.RUN_FAILED, fields, Optional.empty(), false))
            .withSource(SOURCE));
      } catch (IllegalTransitionException ignored) {
        // ended meanwhile (cancelled): nothing to do
      }
      ex.endBeforeStart(store.state(record.id()).status());
    }
  }

  private RunHandle existingHandle(RunRecord record) {
    Execution ex = active.get(record.id());
    if (ex != null) {
      return new Handle(record.id(), false, ex.done, record);
    }
    return new Handle(record.id(), false, watch(record.id()), record);
  }

  /** Completes when the run next reaches a terminal status. */
  private CompletableFuture<RunStatus> watch(RunId id) {
    RunEntry e = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
    if (e.status().isTerminal()) {
      return CompletableFuture.completedFuture(e.status());
    }
    CompletableFuture<RunStatus> f = new CompletableFuture<>();
    store.subscribe(id, e.lastSequence()).subscribe(new Flow.Subscriber<>() {
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

  private void checkOpen() {
    if (closed.get()) {
      throw new StoreClosedException("run orchestrator " + instanceId
          + " is closed; build a new one to start runs");
    }
  }

  // ---- cancel --------------------------------------------------------------------------------------

  @Override
  public RunStatus cancel(RunId runId, String reason) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(reason, "reason");
    for (int i = 0; i < 1000; i++) {
      RunEntry e = store.entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
      switch (e.status()) {
        case CREATED, QUEUED -> {
          Map<String, Object> fields = new LinkedHashMap<>();
          fields.put("reason", reason);
          Payload p = terminalPayload(e.record(), e, EventTypes.RUN_CANCELLED, fields, Optional.empty(), false);
          try {
            store.append(runId, List.of(EventDraft.of(EventTypes.RUN_CANCELLED, p).withSource(SOURCE)),
                ExpectedSequence.of(e.lastSequence()));
          } catch (SequenceConflictException | IllegalTransitionException raced) {
            continue;
          }
          Execution ex = active.get(runId);
          if (ex != null) {
            ex.endBeforeStart(RunStatus.CANCELLED);
          }
          log.debug("run {} - cancelled before it started: {}", runId, reason);
          return RunStatus.CANCELLED;
        }
        case RUNNING -> {
          try {
            store.append(runId, EventDraft.of(EventTypes.RUN_CANCEL_REQUESTED,
                Payload.of(Map.of("reason", reason))).withSource(SOURCE));
          } catch (IllegalTransitionException raced) {
            continue;
          }
          stopLocal(runId, reason);
          log.debug("run {} - cancel requested: {}", runId, reason);
          return RunStatus.CANCEL_REQUESTED;
        }
        case CANCEL_REQUESTED -> {
          stopLocal(runId, reason);
          return RunStatus.CANCEL_REQUESTED;
        }
        default -> {
          return e.status();
        }
      }
    }
    throw new StoreIoException("run " + runId + ": its status kept changing during 1000 attempts to"
        + " cancel it; try again");
  }

  private void stopLocal(RunId runId, String reason) {
    Execution ex = active.get(runId);
    if (ex != null) {
      ex.requestStop(reason);
    }
  }

  // ---- resume, replay, rerun -----------------------------------------------------------------------

  @Override
  public RunHandle resume(RunId runId, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    RunRecord record = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    refuseUnlessRunnable("resume of run " + runId, record.workflow(), trigger);
    Execution running = active.get(runId);
    if (running != null) {
      return new Handle(runId, false, running.done, record);
    }
    RunEntry e = store.entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
    if (!e.status().isResumable()) {
      if (resumedBy(runId, trigger.triggerId())) {
        return existingHandle(record);
      }
      throw new IllegalTransitionException(runId, e.status(), EventTypes.RUN_RESUMED.name());
    }
    Optional<Lease> lease = store.acquireLease(runId, instanceId, leaseTtl);
    if (lease.isEmpty()) {
      throw new RunBusyException(store.lease(runId).orElseThrow(() -> new RunNotFoundException(runId)));
    }
    Execution ex = new Execution(this, record, settings.workflows().get(record.workflow()),
        Execution.Mode.RESUME, Map.of());
    Execution other = active.putIfAbsent(runId, ex);
    if (other != null) {
      return new Handle(runId, false, other.done, record);
    }
    RunEvent resumed;
    try {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("reason", "resume");
      p.put("trigger", triggerJson(trigger));
      p.put("owner", instanceId);
      resumed = store.append(runId, EventDraft.of(EventTypes.RUN_RESUMED, Payload.of(p))
          .withSource(SOURCE).withIdempotencyKey(Keys.resume(trigger.triggerId())));
    } catch (RuntimeException x) {
      active.remove(runId, ex);
      store.releaseLease(runId, instanceId);
      throw x;
    }
    if (resumed.sequence() <= e.lastSequence()) {
      active.remove(runId, ex);
      store.releaseLease(runId, instanceId);
      return existingHandle(record);
    }
    log.debug("run {} - resumed by trigger {}", runId, trigger.triggerId());
    submit(ex, record);
    return new Handle(runId, true, ex.done, record);
  }

  private void refuseUnlessRunnable(String what, WorkflowRef workflow, Trigger trigger) {
    List<PreflightIssue> blockers = new ArrayList<>();
    if (trigger == null) {
      blockers.add(new PreflightIssue("trigger_missing",
          "a resume needs an explicit action: pass a trigger with a unique trigger id"));
    }
    if (!settings.workflows().containsKey(workflow)) {
      blockers.add(new PreflightIssue("workflow_not_registered", "workflow " + workflow
          + " is not registered with this orchestrator; registered: " + settings.workflows().keySet()));
    }
    if (!blockers.isEmpty()) {
      throw new PreflightRefusedException(what, new PreflightReport(blockers, List.of(), Optional.empty()));
    }
  }

  private boolean resumedBy(RunId runId, String triggerId) {
    String key = Keys.resume(triggerId);
    try (EventStream s = store.read(runId, 0)) {
      while (s.hasNext()) {
        RunEvent ev = s.next();
        if (ev.type().equals(EventTypes.RUN_RESUMED) && ev.idempotencyKey().filter(key::equals).isPresent()) {
          return true;
        }
      }
    }
    return false;
  }

  private static Map<String, Object> triggerJson(Trigger t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", t.source().wireName());
    m.put("trigger_id", t.triggerId());
    t.actor().ifPresent(a -> m.put("actor", a));
    return m;
  }

  @Override
  public RunHandle replay(RunId runId, ReplayPoint point, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(point, "point");
    checkOpen();
    RunRecord source = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    if (trigger != null) {
      Optional<RunRecord> existing = store.findByTrigger(trigger.triggerId());
      if (existing.isPresent()) {
        return existingHandle(existing.get());
      }
    }
    Map<String, Execution.Reused> reuse = reusable(source, point);
    RunRequest request = derivedRequest(source, source.config(), trigger);
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException("replay of run " + runId + " from " + point, o.report());
    }
    RunRecord record = newRecord(request, o, Optional.of(new Lineage(runId, Lineage.Relation.REPLAY,
        Optional.of(point.label()), ConfigDiff.empty())));
    return launch(record, reuse);
  }

  private static RunRequest derivedRequest(RunRecord source, dev.runs.ConfigSnapshot config, Trigger trigger) {
    RunRequest.Builder b = RunRequest.builder().workflow(source.workflow()).config(config);
    if (trigger != null) {
      b.trigger(trigger);
    }
    if (!source.namespace().isEmpty()) {
      b.namespace(source.namespace());
    }
    source.threadKey().ifPresent(b::threadKey);
    source.labels().forEach(b::label);
    return b.build();
  }

  /** Checks the source's snapshot and collects the outputs of steps completed before the point. */
  private Map<String, Execution.Reused> reusable(RunRecord source, ReplayPoint point) {
    RunId id = source.id();
    Map<String, Long> firstStart = new LinkedHashMap<>();
    Map<String, Long> checkpoints = new LinkedHashMap<>();
    List<RunEvent> completions = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      boolean first = true;
      while (s.hasNext()) {
        RunEvent e = s.next();
        if (first) {
          first = false;
          verifySnapshot(source, e);
        }
        String type = e.type().name();
        if (type.equals("step.started") && e.stepId().isPresent()) {
          firstStart.putIfAbsent(e.stepId().get(), e.sequence());
        } else if (type.equals("step.completed") && e.stepId().isPresent()) {
          completions.add(e);
        } else if (type.equals("checkpoint.saved")) {
          e.payload().text("checkpoint_id").ifPresent(c -> checkpoints.putIfAbsent(c, e.sequence()));
        }
      }
    }
    long cutoff = switch (point.kind()) {
      case START -> 0;
      case STEP -> {
        Long seq = firstStart.get(point.id().get());
        if (seq == null) {
          throw new ValidationException("replay_point", "step '" + point.id().get()
              + "' never started in run " + id + "; its steps are " + firstStart.keySet());
        }
        yield seq;
      }
      case CHECKPOINT -> {
        Long seq = checkpoints.get(point.id().get());
        if (seq == null) {
          throw new ValidationException("replay_point", "checkpoint '" + point.id().get()
              + "' was never saved in run " + id + "; its checkpoints are " + checkpoints.keySet());
        }
        yield seq;
      }
    };
    Map<String, Execution.Reused> reuse = new LinkedHashMap<>();
    for (RunEvent c : completions) {
      if (c.sequence() < cutoff) {
        reuse.putIfAbsent(c.stepId().get(), new Execution.Reused(
            c.payload().get("output").orElse(com.fasterxml.jackson.databind.node.NullNode.getInstance()),
            id, c.eventId()));
      }
    }
    return reuse;
  }

  private static void verifySnapshot(RunRecord source, RunEvent first) {
    if (!first.type().equals(EventTypes.RUN_CREATED)) {
      throw new StoreCorruptedException("run " + source.id() + ": its first event is " + first.type()
          + ", not run.created");
    }
    Optional<String> recorded = first.payload().text("config_sha256");
    String actual = source.config().sha256();
    if (recorded.isPresent() && !recorded.get().equals(actual)) {
      throw new SnapshotMismatchException(source.id(), recorded.get(), actual);
    }
  }

  @Override
  public RunHandle rerun(RunId runId, Map<String, ?> overrides, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(overrides, "overrides");
    checkOpen();
    RunRecord source = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    dev.runs.ConfigSnapshot changed = source.config().withOverrides(overrides);
    if (trigger != null) {
      Optional<RunRecord> existing = store.findByTrigger(trigger.triggerId());
      if (existing.isPresent()) {
        return existingHandle(existing.get());
      }
    }
    RunRequest request = derivedRequest(source, changed, trigger);
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException("rerun of run " + runId, o.report());
    }
    ConfigDiff diff = source.config().diff(o.report().normalizedConfig().orElseThrow());
    RunRecord record = newRecord(request, o, Optional.of(new Lineage(runId, Lineage.Relation.RERUN,
        Optional.empty(), diff)));
    return launch(record, Map.of());
  }

  // ---- recommendations and provenance --------------------------------------------------------------

  @Override
  public Recommendation recommend(RecommendationRequest request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    String id = request.id().orElseGet(() -> "rec-" + UUID.randomUUID());
    dev.runs.ConfigSnapshot config = request.config();
    List<String> blockers = new ArrayList<>(request.blockers());
    if (request.budget().isPresent()) {
      config = config.withOverrides(Map.of(dev.runs.Budget.CONFIG_POINTER, request.budget().get().toJson()));
    }
    if (!settings.workflows().containsKey(request.workflow())) {
      blockers.add("workflow_not_registered");
    }
    try {
      dev.runs.Budget.fromConfig(config);
    } catch (ValidationException e) {
      blockers.add("budget_invalid");
    }
    Recommendation.Status status = blockers.isEmpty() ? Recommendation.Status.READY
        : Recommendation.Status.BLOCKED;
    store.saveDocument(Recommendations.COLLECTION, id, Recommendations.toPayload(id, request.workflow(),
        config, request.rationale(), request.sourceRef(), status, blockers, clock.instant()));
    log.debug("recommendation {} stored for {} ({})", id, request.workflow(), status.wireName());
    return recommendation(id).orElseThrow(() -> new StoreIoException("recommendation " + id
        + " was saved but cannot be read back from " + store.location()));
  }

  @Override
  public Optional<Recommendation> recommendation(String id) {
    Objects.requireNonNull(id, "id");
    return store.findDocument(Recommendations.COLLECTION, id).map(p -> Recommendations.fromPayload(id, p));
  }

  @Override
  public List<RunRecord> runsFromRecommendation(String id) {
    Objects.requireNonNull(id, "id");
    List<RunRecord> out = new ArrayList<>();
    RunQuery.Builder q = RunQuery.builder().recommendationId(id).limit(RunQuery.MAX_LIMIT);
    while (true) {
      RunPage page = store.list(q.build());
      page.runs().forEach(r -> out.add(r.record()));
      if (page.nextCursor().isEmpty()) {
        return out;
      }
      q.cursor(page.nextCursor().get());
    }
  }

  @Override
  public Provenance provenance(RunId runId) {
    RunRecord r = store.get(Objects.requireNonNull(runId, "runId"))
        .orElseThrow(() -> new RunNotFoundException(runId));
    Optional<Recommendation> rec = r.recommendation().flatMap(l -> recommendation(l.recommendationId()));
    return new Provenance(r.id(), r.workflow(), r.trigger(), r.recommendation(), rec, r.lineage());
  }

  // ---- reads ---------------------------------------------------------------------------------------

  @Override
  public Optional<RunRecord> get(RunId runId) {
    return store.get(runId);
  }

  @Override
  public RunPage list(RunQuery query) {
    return store.list(query);
  }

  @Override
  public RunState state(RunId runId) {
    return store.state(runId);
  }

  @Override
  public List<RunEvent> events(RunId runId, long afterSequence, int limit) {
    return store.read(runId, afterSequence, limit);
  }

  @Override
  public Flow.Publisher<RunEvent> subscribe(RunId runId, long afterSequence) {
    return store.subscribe(runId, afterSequence);
  }

  @Override
  public Optional<RunSummary> summary(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    JsonNode found = null;
    try (EventStream s = store.read(runId, 0)) {
      while (s.hasNext()) {
        RunEvent e = s.next();
        if (e.type().equals(EventTypes.RUN_RESUMED)) {
          found = null;
        } else if (e.isTerminal()) {
          found = e.payload().get("summary").orElse(null);
        }
      }
    }
    return Optional.ofNullable(found).filter(JsonNode::isObject).map(RunSummary::fromJson);
  }

  @Override
  public List<StageManifest> stages(RunId runId) {
    return store.stages(Objects.requireNonNull(runId, "runId"));
  }

  @Override
  public byte[] readStageFile(RunId runId, String stageKey, int attempt, String path) {
    return store.readStageFile(Objects.requireNonNull(runId, "runId"), stageKey, attempt, path);
  }

  @Override
  public Set<WorkflowRef> workflows() {
    return settings.workflows().keySet();
  }

  // ---- leases and recovery -------------------------------------------------------------------------

  private void keepLeases() {
    for (Execution ex : active.values()) {
      RunId id = ex.runId();
      try {
        Optional<Lease> renewed = store.renewLease(id, instanceId, leaseTtl);
        if (renewed.isEmpty()) {
          if (!ex.done.isDone()) {
            log.warn("run {} - this instance lost its lease; the execution stops without writing a final event", id);
            ex.leaseLost();
          }
          continue;
        }
        if (ex.hasBegun()) {
          store.entry(id).ifPresent(e -> ex.observedStatus(e.status()));
        }
      } catch (RuntimeException e) {
        if (keeperWarned.compareAndSet(false, true)) {
          log.warn("run {} - lease renewal failed (further failures are logged at debug)", id, e);
        } else {
          log.debug("run {} - lease renewal failed", id, e);
        }
      }
    }
  }

  @Override
  public List<RunId> recoverInterrupted() {
    List<RunId> marked = new ArrayList<>();
    Set<RunId> seen = new java.util.HashSet<>();
    while (true) {
      boolean progress = false;
      for (Lease lease : store.expiredLeases(100)) {
        if (!seen.add(lease.runId())) {
          continue;
        }
        progress = true;
        Execution mine = active.get(lease.runId());
        if (mine != null && lease.owner().equals(instanceId)) {
          store.renewLease(lease.runId(), instanceId, leaseTtl);
          continue;
        }
        if (recover(lease)) {
          marked.add(lease.runId());
        }
      }
      if (!progress) {
        return marked;
      }
    }
  }

  private boolean recover(Lease expired) {
    RunId id = expired.runId();
    if (store.acquireLease(id, instanceId, leaseTtl).isEmpty()) {
      return false; // renewed or taken meanwhile
    }
    try {
      for (int i = 0; i < 1000; i++) {
        RunEntry e = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
        EventDraft draft;
        switch (e.status()) {
          case RUNNING, CANCEL_REQUESTED -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("reason", "lease_expired");
            p.put("owner", expired.owner());
            draft = EventDraft.of(EventTypes.RUN_INTERRUPTED, Payload.of(p));
          }
          case CREATED, QUEUED -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("error", Map.of("message", "owner " + expired.owner()
                + " stopped renewing its lease before starting the run", "code", "lease_expired"));
            fields.put("reason", "lease_expired");
            draft = EventDraft.of(EventTypes.RUN_FAILED, terminalPayload(e.record(), e,
                EventTypes.RUN_FAILED, fields, Optional.empty(), false));
          }
          default -> {
            return false; // already ended; the lease was stale
          }
        }
        try {
          store.append(id, List.of(draft.withSource(SOURCE)), ExpectedSequence.of(e.lastSequence()));
        } catch (SequenceConflictException | IllegalTransitionException raced) {
          continue;
        }
        log.info("run {} - marked {}: owner {} stopped renewing its lease (expired {})", id,
            draft.type().equals(EventTypes.RUN_INTERRUPTED) ? "interrupted" : "failed",
            expired.owner(), expired.expiresAt());
        return true;
      }
      return false;
    } finally {
      store.releaseLease(id, instanceId);
    }
  }

  // ---- close ---------------------------------------------------------------------------------------

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Duration timeout = settings.closeTimeout();
    if (!awaitActive(timeout)) {
      for (Execution ex : active.values()) {
        try {
          cancel(ex.runId(), "orchestrator_closed");
        } catch (RunsException e) {
          log.debug("run {} - cancel on close failed", ex.runId(), e);
        }
        ex.requestStop("orchestrator_closed");
      }
      if (!awaitActive(timeout)) {
        for (Execution ex : active.values()) {
          log.warn("run {} - still running after close; its lease will expire and"
              + " recoverInterrupted() on another instance will mark it interrupted", ex.runId());
        }
      }
    }
    keeper.shutdownNow();
    if (ownedPool != null) {
      ownedPool.shutdownNow();
    }
    log.info("run orchestrator {} closed", instanceId);
  }

  private boolean awaitActive(Duration timeout) {
    List<CompletableFuture<RunStatus>> pending = new ArrayList<>();
    active.values().forEach(ex -> pending.add(ex.done));
    if (pending.isEmpty()) {
      return true;
    }
    try {
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return active.isEmpty();
    } catch (TimeoutException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "RunOrchestrator[" + instanceId + " on " + store.location() + "]";
  }

  /** A handle; {@link #completion()} hands out copies so callers cannot complete the original. */
  private record Handle(RunId runId, boolean created, CompletableFuture<RunStatus> done, RunRecord record)
      implements RunHandle {
    @Override
    public CompletableFuture<RunStatus> completion() {
      return done.copy();
    }
  }
}
