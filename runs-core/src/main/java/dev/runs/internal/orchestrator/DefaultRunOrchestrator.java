package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.ConfigOverride;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Payload;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.Provenance;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.ReplayPoint;
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
import dev.runs.StageManifest;
import dev.runs.StoreClosedException;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.payload.RunCancelRequested;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link RunOrchestrator}, over the public {@link RunStore} API only. A façade: it
 * checks arguments and that it is open, and hands the work to the {@link Launcher} (new runs), the
 * {@link Derivations} (resume, replay, rerun), the {@link LeaseKeeper} (leases and recovery) and
 * the {@link Execution}s it runs; reads go straight to the store. Thread-safe.
 */
public final class DefaultRunOrchestrator implements RunOrchestrator {
  private static final Logger log = LoggerFactory.getLogger(DefaultRunOrchestrator.class);
  private static final AtomicInteger NUMBERS = new AtomicInteger();
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  /** At most this many run ids are named in a log line. */
  static final int MAX_LISTED = 10;

  private final OrchestratorSettings settings;
  private final RunStore store;
  private final Clock clock;
  private final String instanceId;
  private final @Nullable ExecutorService ownedPool;
  private final Preflight preflight;
  private final ExecutionEnvironment env;
  private final ActiveExecutions active;
  private final Launcher launcher;
  private final Derivations derivations;
  private final LeaseKeeper leases;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Starts the lease keeper and, without a host executor, a pool of its own.
   *
   * @param settings what the builder collected
   */
  public DefaultRunOrchestrator(OrchestratorSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.store = settings.store();
    this.clock = settings.clock();
    this.instanceId = settings.instanceId();
    int number = NUMBERS.incrementAndGet();
    Executor executor;
    if (settings.executor().isPresent()) {
      executor = settings.executor().get();
      this.ownedPool = null;
    } else {
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              settings.maxConcurrentRuns(),
              settings.maxConcurrentRuns(),
              60,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t =
                    new Thread(
                        r, "runs-orchestrator-" + number + "-worker-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      executor = pool;
      this.ownedPool = pool;
    }
    Listeners listeners = new Listeners(settings.listeners());
    this.active = new ActiveExecutions(store, instanceId, listeners);
    this.env =
        new ExecutionEnvironment(
            store, clock, instanceId, listeners, new TerminalPayloads(store, clock), active);
    this.launcher =
        new Launcher(
            env,
            settings.workflows(),
            settings.leaseTtl(),
            executor,
            active,
            new ContextLabelling(
                settings
                    .contextLabels()
                    .orElseGet(
                        () -> ContextLabelling.discover(RunOrchestrator.class.getClassLoader()))));
    this.preflight =
        new Preflight(
            store, settings.workflows().keySet(), settings.checks(), this::recommendation);
    this.derivations =
        new Derivations(
            env, settings.workflows(), settings.leaseTtl(), preflight, launcher, active);
    this.leases = new LeaseKeeper(env, settings.leaseTtl(), active, number);
    log.info(
        "run orchestrator {} started on {}: workflows {}, lease ttl {}",
        instanceId,
        store.location(),
        settings.workflows().keySet(),
        settings.leaseTtl());
  }

  // ---- preflight and start -------------------------------------------------------------------

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
        return launcher.existingHandle(existing.get());
      }
    }
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException(
          "start of " + request.workflow().map(WorkflowRef::toString).orElse("(no workflow)"),
          o.report());
    }
    RunRecord record = launcher.newRecord(request, o, Optional.empty());
    return launcher.launch(record, Map.of());
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new StoreClosedException(
          "run orchestrator " + instanceId + " is closed; build a new one to start runs");
    }
  }

  // ---- cancel --------------------------------------------------------------------------------

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
          Payload p =
              env.terminals()
                  .of(e.record(), EventTypes.RUN_CANCELLED, fields, Optional.empty(), false);
          try {
            store.append(
                runId,
                List.of(EventDraft.of(EventTypes.RUN_CANCELLED, p).withSource(SOURCE)),
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
            store.append(runId, EventDraft.of(RunCancelRequested.of(reason)).withSource(SOURCE));
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
    throw new StoreIoException(
        "run "
            + runId
            + ": its status kept changing during 1000 attempts"
            + " to cancel it; try again");
  }

  private void stopLocal(RunId runId, String reason) {
    Execution ex = active.get(runId);
    if (ex != null) {
      ex.requestStop(reason);
    }
  }

  // ---- resume, replay, rerun -----------------------------------------------------------------

  @Override
  public RunHandle resume(RunId runId, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    return derivations.resume(runId, trigger);
  }

  @Override
  public RunHandle replay(RunId runId, ReplayPoint point, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(point, "point");
    checkOpen();
    return derivations.replay(runId, point, trigger);
  }

  @Override
  public RunHandle rerun(RunId runId, List<ConfigOverride> overrides, Trigger trigger) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(overrides, "overrides");
    checkOpen();
    return derivations.rerun(runId, overrides, trigger);
  }

  // ---- recommendations and provenance
  // --------------------------------------------------------------

  @Override
  public Recommendation recommend(RecommendationRequest request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    String id = request.id().orElseGet(() -> "rec-" + UUID.randomUUID());
    ConfigSnapshot config = request.config();
    List<String> blockers = new ArrayList<>(request.blockers());
    if (request.budget().isPresent()) {
      config =
          config.withOverrides(
              List.of(ConfigOverride.add(Budget.CONFIG_POINTER, request.budget().get().toJson())));
    }
    if (!settings.workflows().containsKey(request.workflow())) {
      blockers.add("workflow_not_registered");
    }
    try {
      Budget.fromConfig(config);
    } catch (ValidationException e) {
      blockers.add("budget_invalid");
    }
    Recommendation.Status status =
        blockers.isEmpty() ? Recommendation.Status.READY : Recommendation.Status.BLOCKED;
    store.saveDocument(
        Recommendations.COLLECTION,
        id,
        Recommendations.toPayload(
            id,
            request.workflow(),
            config,
            request.rationale(),
            request.sourceRef(),
            status,
            blockers,
            clock.instant()));
    log.debug("recommendation {} stored for {} ({})", id, request.workflow(), status.wireName());
    return recommendation(id)
        .orElseThrow(
            () ->
                new StoreIoException(
                    "recommendation "
                        + id
                        + " was saved but cannot be read back from "
                        + store.location()));
  }

  @Override
  public Optional<Recommendation> recommendation(String id) {
    Objects.requireNonNull(id, "id");
    return store
        .findDocument(Recommendations.COLLECTION, id)
        .map(p -> Recommendations.fromPayload(id, p));
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
    RunRecord r =
        store
            .get(Objects.requireNonNull(runId, "runId"))
            .orElseThrow(() -> new RunNotFoundException(runId));
    Optional<Recommendation> rec =
        r.recommendation().flatMap(l -> recommendation(l.recommendationId()));
    return new Provenance(r.id(), r.workflow(), r.trigger(), r.recommendation(), rec, r.lineage());
  }

  // ---- reads
  // ---------------------------------------------------------------------------------------

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

  // ---- leases, recovery and close ------------------------------------------------------------

  @Override
  public List<RunId> recoverInterrupted() {
    return leases.recoverInterrupted();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Duration timeout = settings.closeTimeout();
    List<RunId> waiting = runIds(active.all());
    if (!waiting.isEmpty()) {
      log.info(
          "run orchestrator {} - closing: waiting up to {} (closeTimeout) for {} to end, then"
              + " cancelling those still running",
          instanceId,
          duration(timeout),
          listed(waiting));
    }
    if (!active.awaitAll(timeout)) {
      List<RunId> left = runIds(active.all());
      if (!left.isEmpty()) {
        log.info(
            "run orchestrator {} - closing: cancelling {} still running after {}, waiting up to {}"
                + " for them to stop",
            instanceId,
            listed(left),
            duration(timeout),
            duration(timeout));
      }
      for (Execution ex : active.all()) {
        try {
          cancel(ex.runId(), "orchestrator_closed");
        } catch (RunsException e) {
          log.debug("run {} - cancel on close failed", ex.runId(), e);
        }
        ex.requestStop("orchestrator_closed");
      }
      if (!active.awaitAll(timeout)) {
        for (Execution ex : active.all()) {
          log.warn(
              "run {} - still running after close; its lease will expire and"
                  + " recoverInterrupted() on another instance will mark it interrupted",
              ex.runId());
        }
      }
    }
    leases.shutdown();
    ExecutorService pool = ownedPool;
    if (pool != null) {
      pool.shutdownNow();
    }
    log.info("run orchestrator {} closed", instanceId);
  }

  private static List<RunId> runIds(Collection<Execution> executions) {
    List<RunId> ids = new ArrayList<>();
    executions.forEach(ex -> ids.add(ex.runId()));
    ids.sort(Comparator.comparing(RunId::value));
    return ids;
  }

  /**
   * Names runs for a log line: their count and up to {@link #MAX_LISTED} ids, e.g. {@code "2 runs
   * (a, b)"} or {@code "12 runs (a, ..., j and 2 more)"}.
   */
  static String listed(List<RunId> ids) {
    StringBuilder b = new StringBuilder();
    b.append(ids.size()).append(ids.size() == 1 ? " run (" : " runs (");
    for (int i = 0; i < Math.min(ids.size(), MAX_LISTED); i++) {
      b.append(i == 0 ? "" : ", ").append(ids.get(i).value());
    }
    if (ids.size() > MAX_LISTED) {
      b.append(" and ").append(ids.size() - MAX_LISTED).append(" more");
    }
    return b.append(')').toString();
  }

  /** A timeout for a log line: {@code 30 s}, {@code 250 ms}. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  @Override
  public String toString() {
    return "RunOrchestrator[" + instanceId + " on " + store.location() + "]";
  }
}
