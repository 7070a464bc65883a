package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Budget;
import dev.runs.BudgetExceededException;
import dev.runs.CancellationToken;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventPayload;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.GuardrailStage;
import dev.runs.IllegalTransitionException;
import dev.runs.ModelCall;
import dev.runs.ModelGeneration;
import dev.runs.Payload;
import dev.runs.PhaseBody;
import dev.runs.RunCancelledException;
import dev.runs.RunContext;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunSummary;
import dev.runs.RunsException;
import dev.runs.SequenceConflictException;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.StageWriter;
import dev.runs.StepBody;
import dev.runs.StepFailedException;
import dev.runs.StepOptions;
import dev.runs.StepState;
import dev.runs.ToolBody;
import dev.runs.ToolCall;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.WorkflowException;
import dev.runs.internal.support.JsonSupport;
import dev.runs.payload.ModelGenerationCompleted;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a run (its first start or a resume): runs the workflow on an executor thread,
 * is its {@link RunContext} and {@link CancellationToken}, and writes the run's final event.
 */
final class Execution implements RunContext, CancellationToken {
  private static final Logger log = LoggerFactory.getLogger(Execution.class);
  private static final String SOURCE = "orchestrator";
  private static final long STORE_CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  enum Mode {
    /** A new run: writes {@code run.started}. */
    FRESH,
    /** A resume: {@code run.resumed} was written before submission. */
    RESUME
  }

  private record Scope(String path, int attempt) {}

  private final ExecutionEnvironment env;
  private final RunStore store;
  private final RunRecord record;
  private final RunId runId;
  private final Workflow workflow;
  private final Mode mode;
  private final Map<String, ReusedOutput> replaySource;
  private final Clock clock;
  private final Budget budget;
  final CompletableFuture<RunStatus> done = new CompletableFuture<>();

  private final AtomicBoolean begun = new AtomicBoolean();
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final Object interruptLock = new Object();
  private volatile String localCancelReason;
  private volatile boolean storeCancelRequested;
  private volatile boolean leaseLost;
  private volatile boolean endedElsewhere;
  private volatile long lastStoreCheck = System.nanoTime() - STORE_CHECK_INTERVAL_NANOS;
  private Thread interruptible;
  private boolean interruptSent;

  private int execution = 1;
  private long execStartSequence;
  private Instant execStartedAt;
  private BudgetMeter meter;
  private volatile BudgetExceededException budgetFailure;
  // concurrent collections: the workflow may call the context from threads of its own
  private final Map<String, JsonNode> recorded = new ConcurrentHashMap<>();
  private final Map<String, Integer> lastAttempts = new ConcurrentHashMap<>();
  private final Set<String> completedPhases = ConcurrentHashMap.newKeySet();
  private final Set<String> usedStepIds = ConcurrentHashMap.newKeySet();
  private final Deque<Scope> scopes = new ConcurrentLinkedDeque<>();
  private final Map<String, Long> emitCounters = new ConcurrentHashMap<>();

  Execution(ExecutionEnvironment env, RunRecord record, Workflow workflow, Mode mode,
      Map<String, ReusedOutput> replaySource) {
    this.env = env;
    this.store = env.store();
    this.record = record;
    this.runId = record.id();
    this.workflow = workflow;
    this.mode = mode;
    this.replaySource = Map.copyOf(replaySource);
    this.clock = env.clock();
    Budget b;
    try {
      b = Budget.fromConfig(record.config()).orElse(Budget.none());
    } catch (ValidationException e) {
      b = Budget.none(); // preflight refuses such configs; a record written elsewhere may have one
      log.debug("run {} - unreadable budget ignored: {}", runId, e.getMessage());
    }
    this.budget = b;
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Runs on an executor thread. */
  void run() {
    if (!begun.compareAndSet(false, true) || done.isDone()) {
      return;
    }
    Instant t0 = clock.instant();
    RunStatus status = null;
    RuntimeException storeFailure = null;
    try {
      if (mode == Mode.FRESH) {
        try {
          store.append(runId, EventDraft.of(EventTypes.RUN_STARTED,
                  Payload.of(Map.of("owner", env.instanceId())))
              .withSource(SOURCE).withIdempotencyKey(Keys.STARTED));
        } catch (IllegalTransitionException e) {
          status = currentStatus();
          log.debug("run {} - not started: it is {}", runId, status.wireName());
          return;
        }
      }
      load();
      env.listeners().notify(l -> l.runStarted(runId, record.workflow(), execution));
      log.debug("run {} - execution {} started on {}", runId, execution, Thread.currentThread().getName());
      Object output = null;
      Throwable failure = null;
      try {
        output = workflow.run(this);
      } catch (Throwable t) {
        failure = t;
        if (t instanceof Error && !(t instanceof AssertionError)) {
          log.error("run {} - workflow threw {}", runId, t.toString(), t);
        }
      }
      status = finish(output, failure);
    } catch (RuntimeException e) {
      storeFailure = e;
    } finally {
      env.ended().executionEnded(this, status, storeFailure, Duration.between(t0, clock.instant()));
    }
  }

  /** Ends a queued execution whose run ended (cancelled, refused) before it started. */
  boolean endBeforeStart(RunStatus status) {
    if (!begun.compareAndSet(false, true)) {
      return false;
    }
    env.ended().executionEnded(this, status, null, Duration.ZERO);
    return true;
  }

  private void load() {
    RunState st = store.state(runId);
    execution = 1 + (int) st.count(EventTypes.RUN_RESUMED);
    execStartSequence = st.lastSequence();
    execStartedAt = clock.instant();
    for (StepState s : st.steps().values()) {
      lastAttempts.put(s.stepId(), s.attempt());
      if (s.isCompleted() && s.completion().isPresent()) {
        RunEvent c = s.completion().get();
        if (c.type().equals(EventTypes.STEP_COMPLETED)) {
          recorded.put(s.stepId(), c.payload().get("output").orElse(NullNode.getInstance()));
        } else if (c.type().equals(EventTypes.PHASE_COMPLETED)) {
          completedPhases.add(s.stepId());
        }
      }
    }
    meter = new BudgetMeter(budget, st.usage().totalTokens(), st.cost());
  }

  /** Writes the final event, the cancel request winning over completion when recorded first. */
  private RunStatus finish(Object output, Throwable failure) {
    if (leaseLost || endedElsewhere) {
      return currentStatus();
    }
    boolean reduced = false;
    for (int i = 0; ; i++) {
      RunEntry e = store.entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
      RunStatus s = e.status();
      if (s != RunStatus.RUNNING && s != RunStatus.CANCEL_REQUESTED) {
        return s;
      }
      EventType type;
      Map<String, Object> fields = new LinkedHashMap<>();
      if (s == RunStatus.CANCEL_REQUESTED || failure instanceof RunCancelledException
          || (failure != null && localCancelReason != null)) {
        type = EventTypes.RUN_CANCELLED;
        fields.put("reason", failure instanceof RunCancelledException rce && s == RunStatus.RUNNING
            ? rce.reason() : cancelReason());
      } else if (budgetFailure != null || failure instanceof BudgetExceededException) {
        BudgetExceededException b = budgetFailure != null ? budgetFailure : (BudgetExceededException) failure;
        type = EventTypes.RUN_FAILED;
        fields.put("error", ErrorJson.of(b, "budget_exceeded"));
        fields.put("reason", "budget_exceeded");
      } else if (failure != null) {
        type = EventTypes.RUN_FAILED;
        fields.put("error", ErrorJson.of(failure, null));
        fields.put("reason", failure instanceof StepFailedException ? "step_failed" : "workflow_error");
      } else {
        type = EventTypes.RUN_COMPLETED;
      }
      Optional<JsonNode> out = type.equals(EventTypes.RUN_COMPLETED) && output != null
          ? Optional.of(Json.lenient(output)) : Optional.empty();
      Payload payload = env.terminals().of(record, type, fields, out, reduced);
      EventDraft draft = EventDraft.of(type, payload).withSource(SOURCE)
          .withIdempotencyKey(Keys.end(execution));
      try {
        store.append(runId, List.of(draft), ExpectedSequence.of(e.lastSequence()));
        return type.equals(EventTypes.RUN_COMPLETED) ? RunStatus.COMPLETED
            : type.equals(EventTypes.RUN_FAILED) ? RunStatus.FAILED : RunStatus.CANCELLED;
      } catch (SequenceConflictException | IllegalTransitionException conflict) {
        if (i >= 1000) {
          throw conflict;
        }
      } catch (ValidationException tooLarge) {
        if (reduced) {
          throw tooLarge;
        }
        reduced = true;
      }
    }
  }

  private RunStatus currentStatus() {
    return store.entry(runId).map(RunEntry::status).orElseThrow(() -> new RunNotFoundException(runId));
  }

  private String cancelReason() {
    if (localCancelReason != null) {
      return localCancelReason;
    }
    String reason = null;
    try (EventStream s = store.read(runId, execStartSequence)) {
      while (s.hasNext()) {
        RunEvent e = s.next();
        if (e.type().equals(EventTypes.RUN_CANCEL_REQUESTED)) {
          reason = e.payload().text("reason").orElse(reason);
        }
      }
    }
    return reason != null ? reason : "cancel requested";
  }

  // ---- signals from the orchestrator -------------------------------------------------------------

  /** A cancel was asked for through this instance, or the orchestrator closes. */
  void requestStop(String reason) {
    if (localCancelReason == null) {
      localCancelReason = reason;
    }
    signalStop();
  }

  /** Another instance took the run's lease. */
  void leaseLost() {
    leaseLost = true;
    signalStop();
  }

  /** The lease keeper saw the run's status in the store. */
  void observedStatus(RunStatus status) {
    if (status == RunStatus.CANCEL_REQUESTED) {
      storeCancelRequested = true;
      signalStop();
    } else if (status.isTerminal()) {
      endedElsewhere = true;
      signalStop();
    }
  }

  boolean hasBegun() {
    return begun.get();
  }

  private void signalStop() {
    stopSignal.countDown();
    synchronized (interruptLock) {
      if (interruptible != null && !interruptSent) {
        interruptSent = true;
        interruptible.interrupt();
      }
    }
  }

  // ---- cancellation token ------------------------------------------------------------------------

  @Override
  public boolean isCancelled() {
    if (stopRequested()) {
      return true;
    }
    if (System.nanoTime() - lastStoreCheck >= STORE_CHECK_INTERVAL_NANOS) {
      try {
        checkStore();
      } catch (RunsException e) {
        log.debug("run {} - status check failed", runId, e);
      }
    }
    return stopRequested();
  }

  private boolean stopRequested() {
    return localCancelReason != null || storeCancelRequested || leaseLost || endedElsewhere;
  }

  @Override
  public void throwIfCancelled() {
    if (isCancelled()) {
      throw cancelled();
    }
  }

  private RunCancelledException cancelled() {
    if (leaseLost) {
      return new RunCancelledException(runId, "this instance lost the run's lease");
    }
    if (endedElsewhere) {
      return new RunCancelledException(runId, "the run was ended outside this execution");
    }
    return new RunCancelledException(runId, localCancelReason != null ? localCancelReason : "cancel requested");
  }

  private void checkStore() {
    lastStoreCheck = System.nanoTime();
    RunStatus s = currentStatus();
    if (s == RunStatus.CANCEL_REQUESTED) {
      storeCancelRequested = true;
    } else if (s != RunStatus.RUNNING) {
      endedElsewhere = true;
    }
  }

  /** Before every step: the store's status, the local flags, then the budget. */
  private void boundary() {
    if (!stopRequested()) {
      checkStore();
    }
    if (stopRequested()) {
      throw cancelled();
    }
    if (budgetFailure != null) {
      throw budgetFailure;
    }
    checkBudget();
  }

  private void checkBudget() {
    Optional<BudgetMeter.Exceeded> x = meter.check(Duration.between(execStartedAt, clock.instant()));
    if (x.isPresent()) {
      throw exceed(x.get());
    }
  }

  private synchronized BudgetExceededException exceed(BudgetMeter.Exceeded x) {
    if (budgetFailure != null) {
      return budgetFailure;
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dimension", x.dimension());
    p.put("limit", x.limit());
    p.put("actual", x.actual());
    append(EventDraft.of(EventTypes.BUDGET_EXCEEDED, Payload.of(p)).withSource(SOURCE)
        .withIdempotencyKey(Keys.budget(x.dimension(), execution)));
    budgetFailure = new BudgetExceededException(runId, x.dimension(), x.limit(), x.actual());
    return budgetFailure;
  }

  // ---- appends -----------------------------------------------------------------------------------

  private RunEvent append(EventDraft d) {
    long t0 = System.nanoTime();
    try {
      RunEvent e = store.append(runId, d);
      Duration latency = Duration.ofNanos(System.nanoTime() - t0);
      env.listeners().notify(l -> l.appended(runId, d.type(), latency));
      return e;
    } catch (IllegalTransitionException e) {
      endedElsewhere = true;
      throw new RunCancelledException(runId, "the run is " + e.currentStatus().wireName()
          + " and no longer accepts events from this execution");
    }
  }

  /** Adds the enclosing scope, a deterministic key and the orchestrator source where unset. */
  private RunEvent scoped(EventDraft d) {
    Scope s = scopes.peek();
    if (d.stepId().isEmpty() && s != null) {
      d = d.withStep(s.path());
      if (s.attempt() > 0 && d.attempt().isEmpty()) {
        d = d.withAttempt(s.attempt());
      }
    }
    if (d.idempotencyKey().isEmpty()) {
      String scope = s == null ? "" : s.path(); // step ids are never empty: no collision
      int attempt = s == null ? 0 : s.attempt();
      long n = emitCounters.merge(scope + "\u0000" + attempt, 1L, Long::sum);
      d = d.withIdempotencyKey(Keys.emit(scope, attempt, n));
    }
    return append(d);
  }

  private RunEvent emitOwn(EventType type, Map<String, ?> fields) {
    return scoped(EventDraft.of(type, Payload.of(fields)).withSource(SOURCE));
  }

  private String path(String id) {
    Objects.requireNonNull(id, "id");
    Scope s = scopes.peek();
    String path = s == null ? id : s.path() + "/" + id;
    EventDraft.of(EventTypes.STEP_STARTED).withStep(path); // validates the id
    return path;
  }

  // ---- RunContext --------------------------------------------------------------------------------

  @Override
  public RunId runId() {
    return runId;
  }

  @Override
  public RunRecord record() {
    return record;
  }

  @Override
  public ConfigSnapshot config() {
    return record.config();
  }

  @Override
  public Budget budget() {
    return budget;
  }

  @Override
  public int attempt() {
    return execution;
  }

  @Override
  public CancellationToken cancellation() {
    return this;
  }

  @Override
  public Optional<JsonNode> recordedOutput(String stepId) {
    JsonNode n = recorded.get(stepId);
    if (n == null && replaySource.containsKey(stepId)) {
      n = replaySource.get(stepId).output();
    }
    return Optional.ofNullable(n).map(JsonNode::deepCopy);
  }

  @Override
  public <T> T step(String id, Class<T> outputType, StepBody<T> body) {
    return step(id, outputType, StepOptions.defaults(), body);
  }

  @Override
  public <T> T step(String id, Class<T> outputType, StepOptions options, StepBody<T> body) {
    Objects.requireNonNull(outputType, "outputType");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(body, "body");
    String path = path(id);
    if (!usedStepIds.add(path)) {
      throw new IllegalStateException("run " + runId + ": step '" + path
          + "' ran twice in one execution; step ids must be unique (add an index, e.g. fetch-2)");
    }
    boundary();
    JsonNode rec = recorded.get(path);
    if (rec != null) {
      log.debug("run {} - step {} already completed, returning its recorded output", runId, path);
      return Json.read(rec, outputType, "step " + path + " output");
    }
    ReusedOutput reused = replaySource.get(path);
    if (reused != null) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("output", reused.output());
      p.put("duration_ms", 0);
      p.put("reused_from", Map.of("run_id", reused.sourceRun().value(),
          "event_id", reused.sourceEvent().value()));
      append(EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(p)).withStep(path).withAttempt(1)
          .withSource(SOURCE).withIdempotencyKey(Keys.reused(path)));
      return Json.read(reused.output(), outputType, "step " + path + " output");
    }
    int attempt = lastAttempts.getOrDefault(path, 0);
    for (int n = 1; ; n++) {
      attempt++;
      lastAttempts.put(path, attempt);
      if (n > 1) {
        boundary();
      }
      append(EventDraft.of(EventTypes.STEP_STARTED).withStep(path).withAttempt(attempt)
          .withSource(SOURCE).withIdempotencyKey(Keys.step(path, attempt, "started")));
      Instant t0 = clock.instant();
      T out = null;
      Throwable failure = null;
      scopes.push(new Scope(path, attempt));
      if (options.interruptOnCancel()) {
        synchronized (interruptLock) {
          interruptible = Thread.currentThread();
          interruptSent = false;
        }
        if (stopRequested()) {
          signalStop();
        }
      }
      try {
        out = body.run();
      } catch (Throwable t) {
        failure = t;
      } finally {
        scopes.pop();
        if (options.interruptOnCancel()) {
          synchronized (interruptLock) {
            interruptible = null;
            if (interruptSent) {
              Thread.interrupted(); // clear the flag this execution set
            }
          }
        }
      }
      Duration took = Duration.between(t0, clock.instant());
      JsonNode json = null;
      if (failure == null) {
        try {
          json = Json.strict(out, "step " + path + " output");
        } catch (ValidationException e) {
          failure = e;
        }
      }
      if (failure == null) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("output", json);
        p.put("duration_ms", took.toMillis());
        append(EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(p)).withStep(path)
            .withAttempt(attempt).withSource(SOURCE)
            .withIdempotencyKey(Keys.step(path, attempt, "completed")));
        int a = attempt;
        env.listeners().notify(l -> l.stepFinished(runId, path, a, took, true));
        return out;
      }
      boolean cancel = failure instanceof RunCancelledException || (!(failure instanceof BudgetExceededException)
          && isCancelledNow());
      boolean budgetHit = failure instanceof BudgetExceededException;
      boolean retryable = !cancel && !budgetHit && !(failure instanceof Error)
          && !(failure instanceof ValidationException)
          && !(failure instanceof WorkflowException we && !we.retryable());
      Map<String, Object> err = ErrorJson.of(failure, cancel ? "cancelled" : budgetHit ? "budget_exceeded" : null);
      err.put("retryable", retryable);
      if (!endedElsewhere && !leaseLost) {
        append(EventDraft.of(EventTypes.STEP_FAILED, Payload.of(Map.of("error", err))).withStep(path)
            .withAttempt(attempt).withSource(SOURCE)
            .withIdempotencyKey(Keys.step(path, attempt, "failed")));
      }
      int a = attempt;
      env.listeners().notify(l -> l.stepFinished(runId, path, a, took, false));
      if (cancel) {
        throw failure instanceof RunCancelledException rce ? rce : cancelled();
      }
      if (failure instanceof BudgetExceededException b) {
        throw b;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      if (!retryable || n >= options.maxAttempts()) {
        throw new StepFailedException(runId, path, attempt, failure);
      }
      Duration delay = options.delayAfter(n);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("next_attempt", attempt + 1);
      p.put("delay_ms", delay.toMillis());
      p.put("error", Map.of("message", err.get("message")));
      append(EventDraft.of(EventTypes.STEP_RETRYING, Payload.of(p)).withStep(path).withAttempt(attempt)
          .withSource(SOURCE).withIdempotencyKey(Keys.step(path, attempt, "retrying")));
      waitFor(delay);
    }
  }

  private boolean isCancelledNow() {
    if (stopRequested()) {
      return true;
    }
    try {
      checkStore();
    } catch (RunsException e) {
      log.debug("run {} - status check failed", runId, e);
    }
    return stopRequested();
  }

  private void waitFor(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      stopSignal.await(delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunCancelledException(runId, "the execution thread was interrupted");
    }
  }

  @Override
  public void phase(String id, PhaseBody body) throws Exception {
    Objects.requireNonNull(body, "body");
    String path = path(id);
    boolean already = completedPhases.contains(path);
    if (!already) {
      append(EventDraft.of(EventTypes.PHASE_STARTED, Payload.of(Map.of("name", id))).withStep(path)
          .withSource(SOURCE).withIdempotencyKey(Keys.phase(path, execution, "started")));
    }
    Instant t0 = clock.instant();
    scopes.push(new Scope(path, 0));
    try {
      body.run();
    } catch (Exception | Error t) {
      scopes.pop();
      if (!already && !endedElsewhere && !leaseLost) {
        try {
          append(EventDraft.of(EventTypes.PHASE_FAILED, Payload.of(Map.of("error", ErrorJson.of(t,
                  t instanceof RunCancelledException ? "cancelled" : null)))).withStep(path)
              .withSource(SOURCE).withIdempotencyKey(Keys.phase(path, execution, "failed")));
        } catch (RunsException suppressed) {
          t.addSuppressed(suppressed);
        }
      }
      throw t;
    }
    scopes.pop();
    if (!already) {
      append(EventDraft.of(EventTypes.PHASE_COMPLETED,
              Payload.of(Map.of("duration_ms", Duration.between(t0, clock.instant()).toMillis())))
          .withStep(path).withSource(SOURCE)
          .withIdempotencyKey(Keys.phase(path, execution, "completed")));
    }
  }

  @Override
  public ModelCall model(String provider, String model) {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    return new ModelCallImpl(provider, model);
  }

  private final class ModelCallImpl implements ModelCall {
    private final String provider;
    private final String model;
    private final ObjectNode params = JsonSupport.object();
    private final ObjectNode route = JsonSupport.object();

    ModelCallImpl(String provider, String model) {
      this.provider = provider;
      this.model = model;
    }

    @Override
    public ModelCall param(String key, Object value) {
      params.set(Objects.requireNonNull(key, "key"), Json.strict(value, "params." + key));
      return this;
    }

    @Override
    public ModelCall params(Map<String, ?> values) {
      values.forEach(this::param);
      return this;
    }

    @Override
    public ModelCall route(String key, Object value) {
      route.set(Objects.requireNonNull(key, "key"), Json.strict(value, "route." + key));
      return this;
    }

    @Override
    public ModelGeneration started() {
      throwIfCancelled();
      if (budgetFailure != null) {
        throw budgetFailure;
      }
      checkBudget();
      Map<String, Object> p = base();
      if (!params.isEmpty()) {
        p.put("params", params);
      }
      RunEvent started = emitOwn(EventTypes.MODEL_GENERATION_STARTED, p);
      return new Generation(this, started, clock.instant());
    }

    Map<String, Object> base() {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("provider", provider);
      p.put("model", model);
      if (!route.isEmpty()) {
        p.put("route", route);
      }
      return p;
    }
  }

  private final class Generation implements ModelGeneration {
    private final ModelCallImpl call;
    private final RunEvent started;
    private final Instant t0;
    private final AtomicBoolean ended = new AtomicBoolean();

    Generation(ModelCallImpl call, RunEvent started, Instant t0) {
      this.call = call;
      this.started = started;
      this.t0 = t0;
    }

    @Override
    public RunEvent startedEvent() {
      return started;
    }

    private void end() {
      if (!ended.compareAndSet(false, true)) {
        throw new IllegalStateException("model generation " + started.eventId() + " of run " + runId
            + " already ended");
      }
    }

    @Override
    public ModelGenerationCompleted.Builder completion() {
      ModelGenerationCompleted.Builder b = ModelGenerationCompleted.builder(call.provider, call.model);
      if (!call.route.isEmpty()) {
        b.route(call.route);
      }
      return b;
    }

    @Override
    public RunEvent completed(ModelGenerationCompleted c) {
      Objects.requireNonNull(c, "completion");
      if (!c.provider().equals(call.provider) || !c.model().equals(call.model)) {
        throw new ValidationException("model generation " + started.eventId() + " of run " + runId,
            "provider", "must be the started call's '" + call.provider + "' / '" + call.model
                + "' but was '" + c.provider() + "' / '" + c.model() + "'; use completion()");
      }
      end();
      ModelGenerationCompleted filled = new ModelGenerationCompleted(c.provider(), c.model(),
          c.route().isPresent() || call.route.isEmpty() ? c.route() : Optional.of(call.route),
          c.params(), c.usage(), c.cost(),
          c.latencyMs().isPresent() ? c.latencyMs()
              : OptionalLong.of(Duration.between(t0, clock.instant()).toMillis()),
          c.finishReason(), c.output());
      RunEvent e = scoped(EventDraft.of(filled).withParent(started.eventId()).withSource(SOURCE));
      if (e.sequence() > execStartSequence) {
        TokenUsage usage = c.usage().orElse(TokenUsage.of(0, 0));
        meter.add(usage.inputTokens(), usage.outputTokens(), c.cost().orElse(BigDecimal.ZERO));
      }
      checkBudget();
      return e;
    }

    @Override
    public RunEvent failed(Throwable error) {
      Objects.requireNonNull(error, "error");
      end();
      Map<String, Object> p = call.base();
      p.put("error", ErrorJson.of(error, null));
      p.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
      return scoped(EventDraft.of(EventTypes.MODEL_GENERATION_FAILED, Payload.of(p))
          .withParent(started.eventId()).withSource(SOURCE));
    }
  }

  @Override
  public <T> T tool(String name, String version, Object arguments, ToolBody<T> fn) throws Exception {
    Objects.requireNonNull(fn, "fn");
    ToolCall call = toolCall(name, version, arguments);
    T result;
    try {
      result = fn.call();
    } catch (Exception | Error e) {
      call.failed(e);
      throw e;
    }
    call.completed(result);
    return result;
  }

  @Override
  public ToolCall toolCall(String name, String version, Object arguments) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("tool_name", name);
    p.put("tool_version", version);
    p.put("arguments", Json.lenient(arguments));
    RunEvent started = emitOwn(EventTypes.TOOL_CALL_STARTED, p);
    Instant t0 = clock.instant();
    AtomicBoolean ended = new AtomicBoolean();
    return new ToolCall() {
      @Override
      public RunEvent startedEvent() {
        return started;
      }

      private Map<String, Object> base() {
        if (!ended.compareAndSet(false, true)) {
          throw new IllegalStateException("tool call " + started.eventId() + " of run " + runId
              + " already ended");
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("tool_name", name);
        q.put("tool_version", version);
        return q;
      }

      @Override
      public RunEvent completed(Object result) {
        Map<String, Object> q = base();
        q.put("result", Json.lenient(result));
        q.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
        return scoped(EventDraft.of(EventTypes.TOOL_CALL_COMPLETED, Payload.of(q))
            .withParent(started.eventId()).withSource(SOURCE));
      }

      @Override
      public RunEvent failed(Throwable error) {
        Objects.requireNonNull(error, "error");
        Map<String, Object> q = base();
        q.put("error", ErrorJson.of(error, null));
        q.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
        return scoped(EventDraft.of(EventTypes.TOOL_CALL_FAILED, Payload.of(q))
            .withParent(started.eventId()).withSource(SOURCE));
      }
    };
  }

  @Override
  public RunEvent handoff(String fromAgent, String toAgent, String reason) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("from_agent", Objects.requireNonNull(fromAgent, "fromAgent"));
    p.put("to_agent", Objects.requireNonNull(toAgent, "toAgent"));
    p.put("reason", Objects.requireNonNull(reason, "reason"));
    return emitOwn(EventTypes.AGENT_HANDOFF, p);
  }

  @Override
  public RunEvent guardrail(String name, GuardrailStage stage, boolean passed, Object details) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", Objects.requireNonNull(name, "name"));
    p.put("stage", Objects.requireNonNull(stage, "stage").wireName());
    p.put("verdict", passed ? "passed" : "tripped");
    if (details != null) {
      p.put("details", Json.lenient(details));
    }
    return emitOwn(EventTypes.GUARDRAIL_CHECKED, p);
  }

  @Override
  public RunEvent console(String stream, String text) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("stream", Objects.requireNonNull(stream, "stream"));
    p.put("text", Objects.requireNonNull(text, "text"));
    return emitOwn(EventTypes.CONSOLE_LINE, p);
  }

  @Override
  public RunEvent decision(String name, Object value, String rationale) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("decision", Objects.requireNonNull(name, "name"));
    p.put("value", Json.lenient(value));
    p.put("rationale", Objects.requireNonNull(rationale, "rationale"));
    return emitOwn(EventTypes.DECISION_RECORDED, p);
  }

  @Override
  public RunEvent checkpoint(String id) {
    return emitOwn(EventTypes.CHECKPOINT_SAVED, Map.of("checkpoint_id", Objects.requireNonNull(id, "id")));
  }

  @Override
  public RunEvent custom(String xType, Object payload) {
    EventType type = EventType.of(Objects.requireNonNull(xType, "xType"));
    if (!type.isCustom()) {
      throw new ValidationException("type", "'" + xType
          + "' is not a host-defined type; custom events are x.<namespace>.<name>, e.g. x.acme.score");
    }
    JsonNode json = Json.strict(payload, "payload");
    return scoped(EventDraft.of(type, Payload.of(json)).withSource(SOURCE));
  }

  @Override
  public RunEvent emit(EventPayload payload) {
    Objects.requireNonNull(payload, "payload");
    return emit(EventDraft.of(payload).withSource(SOURCE));
  }

  @Override
  public RunEvent emit(EventDraft draft) {
    Objects.requireNonNull(draft, "draft");
    if (draft.type().isLifecycle()) {
      throw new ValidationException("type", "'" + draft.type()
          + "' is a lifecycle event; the orchestrator writes run.* events itself");
    }
    return scoped(draft);
  }

  @Override
  public RunEvent highlight(String key, Object value) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("key", Objects.requireNonNull(key, "key"));
    p.put("value", Json.strict(value, "highlight " + key));
    return emitOwn(EventType.of(RunSummary.HIGHLIGHT_TYPE), p);
  }

  @Override
  public StageWriter stage(String key) {
    StageWrite.checkStageKey(Objects.requireNonNull(key, "key"));
    return new StageWriter() {
      private StageWrite write = StageWrite.of(key);
      private boolean written;

      @Override
      public StageWriter input(Object value) {
        write = write.withInput(Payload.of(Json.strict(value, "stage " + key + " input")));
        return this;
      }

      @Override
      public StageWriter output(Object value) {
        write = write.withOutput(Payload.of(Json.strict(value, "stage " + key + " output")));
        return this;
      }

      @Override
      public StageWriter artifact(String name, String kind, byte[] content) {
        write = write.withArtifact(StageArtifact.of(name, kind, content));
        return this;
      }

      @Override
      public StageManifest write() {
        if (written) {
          throw new IllegalStateException("stage " + key + " of run " + runId + " was already written");
        }
        written = true;
        StageManifest m = store.writeStage(runId, write);
        List<EventDraft> drafts = new ArrayList<>();
        Scope s = scopes.peek();
        for (StageManifest.Entry f : m.files()) {
          if (!f.path().startsWith("artifacts/")) {
            continue;
          }
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("path", f.path());
          p.put("sha256", f.sha256());
          p.put("size", f.size());
          p.put("kind", f.kind());
          p.put("stage_key", key);
          p.put("stage_attempt", m.attempt());
          drafts.add(inScope(EventDraft.of(EventTypes.ARTIFACT_CREATED, Payload.of(p)), s)
              .withIdempotencyKey(Keys.stage(key, m.attempt(), "artifact:" + f.path())));
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("stage_key", key);
        done.put("attempt", m.attempt());
        done.put("manifest_sha256", m.sha256());
        drafts.add(inScope(EventDraft.of(EventTypes.STAGE_COMPLETED, Payload.of(done)), s)
            .withIdempotencyKey(Keys.stage(key, m.attempt(), "completed")));
        long t0 = System.nanoTime();
        try {
          store.append(runId, drafts);
        } catch (IllegalTransitionException e) {
          endedElsewhere = true;
          throw new RunCancelledException(runId, "the run is " + e.currentStatus().wireName()
              + " and no longer accepts events from this execution");
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - t0);
        env.listeners().notify(l -> l.appended(runId, EventTypes.STAGE_COMPLETED, latency));
        return m;
      }
    };
  }

  private static EventDraft inScope(EventDraft d, Scope s) {
    EventDraft out = d.withSource(SOURCE);
    if (s != null) {
      out = out.withStep(s.path());
      if (s.attempt() > 0) {
        out = out.withAttempt(s.attempt());
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Execution[" + runId + " #" + execution + "]";
  }
}
