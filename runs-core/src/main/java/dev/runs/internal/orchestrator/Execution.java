package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.Budget;
import dev.runs.BudgetExceededException;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Payload;
import dev.runs.RunCancelledException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.SequenceConflictException;
import dev.runs.StepFailedException;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.payload.RunStarted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a run (its first start or a resume), from start to final event: writes {@code
 * run.started}, loads the run's state, runs the workflow on an executor thread with an {@link
 * ExecutionContext}, and writes the final event (the cancel request winning over completion when
 * recorded first). Signals from the orchestrator and its lease keeper go to its {@link StopSignal}.
 *
 * <p>Thread-safe: {@link #run()} runs once, on one executor thread; the signals and {@link #done}
 * may be used from any thread.
 */
final class Execution {
  private static final Logger log = LoggerFactory.getLogger(Execution.class);
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  /** How the execution begins. */
  enum Mode {
    /** A new run: writes {@code run.started}. */
    FRESH,
    /** A resume: {@code run.resumed} was written before submission. */
    RESUME
  }

  private final ExecutionEnvironment env;
  private final RunStore store;
  private final Clock clock;
  private final RunRecord record;
  private final RunId runId;
  private final Workflow workflow;
  private final Mode mode;
  private final Map<String, ReusedOutput> replaySource;
  private final Budget budget;
  private final StopSignal stop;
  private final AtomicBoolean begun = new AtomicBoolean();

  /** Completes with the run's status when this execution ends. */
  final CompletableFuture<RunStatus> done = new CompletableFuture<>();

  private volatile int execution = 1;
  private long execStartSequence;

  /**
   * @param workflow the registered workflow to run
   * @param replaySource outputs a replay reuses from its source run, by step path (a redacted one
   *     is not reused: the step runs again)
   */
  Execution(
      ExecutionEnvironment env,
      RunRecord record,
      Workflow workflow,
      Mode mode,
      Map<String, ReusedOutput> replaySource) {
    this.env = Objects.requireNonNull(env, "env");
    this.store = env.store();
    this.clock = env.clock();
    this.record = Objects.requireNonNull(record, "record");
    this.runId = record.id();
    this.workflow = Objects.requireNonNull(workflow, "workflow");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.replaySource = Map.copyOf(replaySource);
    this.stop = new StopSignal(store, runId);
    Budget b;
    try {
      b = Budget.fromConfig(record.config()).orElse(Budget.none());
    } catch (ValidationException e) {
      b = Budget.none(); // preflight refuses such configs; a record written elsewhere may have one
      log.debug("run {} - unreadable budget ignored: {}", runId, e.getMessage());
    }
    this.budget = b;
  }

  /**
   * @return the run this executes
   */
  RunId runId() {
    return runId;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Runs on an executor thread. */
  void run() {
    if (!begun.compareAndSet(false, true) || done.isDone()) {
      return;
    }
    Instant t0 = clock.instant();
    @Nullable RunStatus status = null;
    @Nullable RuntimeException storeFailure = null;
    try {
      if (mode == Mode.FRESH) {
        try {
          store.append(
              runId,
              EventDraft.of(RunStarted.of(env.instanceId()))
                  .withSource(SOURCE)
                  .withIdempotencyKey(Keys.STARTED));
        } catch (IllegalTransitionException e) {
          status = currentStatus();
          log.debug("run {} - not started: it is {}", runId, status.wireName());
          return;
        }
      }
      ExecutionContext context = load();
      env.listeners().notify(l -> l.runStarted(runId, record.workflow(), execution));
      log.debug(
          "run {} - execution {} started on {}",
          runId,
          execution,
          Thread.currentThread().getName());
      @Nullable Object output = null;
      @Nullable Throwable failure = null;
      try {
        output = workflow.run(context);
      } catch (Throwable t) {
        failure = t;
        if (t instanceof Error && !(t instanceof AssertionError)) {
          log.error("run {} - workflow threw {}", runId, t.toString(), t);
        }
      }
      status = finish(output, failure, context.budgetGuard());
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

  /** Reads the run's state and builds the parts of this execution's context. */
  private ExecutionContext load() {
    RunState st = store.state(runId);
    execution = 1 + (int) st.count(EventTypes.RUN_RESUMED);
    execStartSequence = st.lastSequence();
    Instant startedAt = clock.instant();
    EventScope events = new EventScope(env, runId, stop);
    BudgetGuard budgetGuard =
        new BudgetGuard(
            runId,
            new BudgetMeter(budget, st.usage().totalTokens(), st.cost()),
            clock,
            startedAt,
            execStartSequence,
            execution,
            events);
    StepRunner steps =
        new StepRunner(env, runId, execution, st, replaySource, events, stop, budgetGuard);
    return new ExecutionContext(env, record, budget, execution, events, stop, budgetGuard, steps);
  }

  /** Writes the final event, the cancel request winning over completion when recorded first. */
  private RunStatus finish(
      @Nullable Object output, @Nullable Throwable failure, BudgetGuard budgetGuard) {
    if (stop.ownershipLost()) {
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
      BudgetExceededException budgetFailure = budgetGuard.failure();
      if (budgetFailure == null && failure instanceof BudgetExceededException thrown) {
        budgetFailure = thrown;
      }
      if (s == RunStatus.CANCEL_REQUESTED
          || failure instanceof RunCancelledException
          || (failure != null && stop.localReason() != null)) {
        type = EventTypes.RUN_CANCELLED;
        fields.put(
            "reason",
            failure instanceof RunCancelledException rce && s == RunStatus.RUNNING
                ? rce.reason()
                : cancelReason());
      } else if (budgetFailure != null) {
        type = EventTypes.RUN_FAILED;
        fields.put("error", ErrorJson.of(budgetFailure, "budget_exceeded"));
        fields.put("reason", "budget_exceeded");
      } else if (failure != null) {
        type = EventTypes.RUN_FAILED;
        fields.put("error", ErrorJson.of(failure, null));
        fields.put(
            "reason", failure instanceof StepFailedException ? "step_failed" : "workflow_error");
      } else {
        type = EventTypes.RUN_COMPLETED;
      }
      Optional<JsonNode> out =
          type.equals(EventTypes.RUN_COMPLETED) && output != null
              ? Optional.of(Json.lenient(output))
              : Optional.empty();
      Payload payload = env.terminals().of(record, type, fields, out, reduced);
      EventDraft draft =
          EventDraft.of(type, payload).withSource(SOURCE).withIdempotencyKey(Keys.end(execution));
      try {
        store.append(runId, List.of(draft), ExpectedSequence.of(e.lastSequence()));
        return type.equals(EventTypes.RUN_COMPLETED)
            ? RunStatus.COMPLETED
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
    return store
        .entry(runId)
        .map(RunEntry::status)
        .orElseThrow(() -> new RunNotFoundException(runId));
  }

  private String cancelReason() {
    String local = stop.localReason();
    if (local != null) {
      return local;
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

  // ---- signals from the orchestrator -----------------------------------------------------------

  /** A cancel was asked for through this instance, or the orchestrator closes. */
  void requestStop(String reason) {
    stop.requestStop(reason);
  }

  /** Another instance took the run's lease. */
  void leaseLost() {
    stop.leaseLost();
  }

  /** The lease keeper saw the run's status in the store. */
  void observedStatus(RunStatus status) {
    stop.observedStatus(status);
  }

  /**
   * @return whether {@link #run()} or {@link #endBeforeStart} was called
   */
  boolean hasBegun() {
    return begun.get();
  }

  @Override
  public String toString() {
    return "Execution[" + runId + " #" + execution + "]";
  }
}
