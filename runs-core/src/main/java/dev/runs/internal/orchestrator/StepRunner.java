package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.BudgetExceededException;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.PhaseBody;
import dev.runs.RunCancelledException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunState;
import dev.runs.RunsException;
import dev.runs.StepBody;
import dev.runs.StepFailedException;
import dev.runs.StepOptions;
import dev.runs.StepState;
import dev.runs.ValidationException;
import dev.runs.WorkflowException;
import dev.runs.payload.ErrorInfo;
import dev.runs.payload.NotReused;
import dev.runs.payload.PhaseCompleted;
import dev.runs.payload.PhaseStarted;
import dev.runs.payload.StepCompleted;
import dev.runs.payload.StepRetrying;
import dev.runs.payload.StepStarted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an execution's durable steps and phases: checks the stop signal and the budget at each
 * boundary, returns the recorded output of a step completed earlier (by this run, or by a replay's
 * source run) without running it again, numbers attempts across executions, retries with the step's
 * delays, and writes {@code step.*} and {@code phase.*} events.
 *
 * <p>A recorded output the store's redactor changed ({@code output_redacted}) is never returned:
 * the workflow would go on with masked values. The step runs again instead, and its first {@code
 * step.started} names the recorded event it did not reuse ({@code not_reused}).
 *
 * <p>Thread-safe: the workflow may run steps from threads of its own, so the recorded outputs,
 * attempts and ids are concurrent collections.
 */
final class StepRunner {
  private static final Logger log = LoggerFactory.getLogger(StepRunner.class);
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  private final ExecutionEnvironment env;
  private final Clock clock;
  private final RunId runId;
  private final int execution;
  private final Map<String, ReusedOutput> replaySource;
  private final EventScope events;
  private final StopSignal stop;
  private final BudgetGuard budget;
  private final Map<String, JsonNode> recorded = new ConcurrentHashMap<>();
  private final Map<String, NotReused> notReused = new ConcurrentHashMap<>();
  private final Map<String, Integer> lastAttempts = new ConcurrentHashMap<>();
  private final Set<String> completedPhases = ConcurrentHashMap.newKeySet();
  private final Set<String> usedStepIds = ConcurrentHashMap.newKeySet();

  /**
   * @param state the run's state when this execution started: its recorded steps and phases
   * @param replaySource outputs a replay reuses from its source run, by step path; those the
   *     redactor changed are not reused but run again
   */
  StepRunner(
      ExecutionEnvironment env,
      RunId runId,
      int execution,
      RunState state,
      Map<String, ReusedOutput> replaySource,
      EventScope events,
      StopSignal stop,
      BudgetGuard budget) {
    this.env = Objects.requireNonNull(env, "env");
    this.clock = env.clock();
    this.runId = Objects.requireNonNull(runId, "runId");
    this.execution = execution;
    this.events = Objects.requireNonNull(events, "events");
    this.stop = Objects.requireNonNull(stop, "stop");
    this.budget = Objects.requireNonNull(budget, "budget");
    for (StepState s : state.steps().values()) {
      lastAttempts.put(s.stepId(), s.attempt());
      if (s.isCompleted() && s.completion().isPresent()) {
        RunEvent c = s.completion().get();
        if (c.type().equals(EventTypes.STEP_COMPLETED)) {
          ReusedOutput own = ReusedOutput.of(runId, c);
          if (own.reusable()) {
            recorded.put(s.stepId(), own.output());
          } else {
            own.refusal().ifPresent(r -> notReused.put(s.stepId(), r));
          }
        } else if (c.type().equals(EventTypes.PHASE_COMPLETED)) {
          completedPhases.add(s.stepId());
        }
      }
    }
    Map<String, ReusedOutput> usable = new HashMap<>();
    replaySource.forEach(
        (path, source) -> {
          if (recorded.containsKey(path) || notReused.containsKey(path)) {
            return; // this run's own record of the step decides
          }
          if (source.reusable()) {
            usable.put(path, source);
          } else {
            source.refusal().ifPresent(r -> notReused.put(path, r));
          }
        });
    this.replaySource = Map.copyOf(usable);
  }

  /** See {@link dev.runs.RunContext#recordedOutput(String)}. */
  Optional<JsonNode> recordedOutput(String stepId) {
    JsonNode n = recorded.get(stepId);
    if (n == null && replaySource.containsKey(stepId)) {
      n = replaySource.get(stepId).output();
    }
    return Optional.ofNullable(n).map(JsonNode::deepCopy);
  }

  /** Before every step: the store's status, the local flags, then the budget. */
  private void boundary() {
    stop.checkAtBoundary();
    budget.throwIfExceeded();
  }

  /** See {@link dev.runs.RunContext#step(String, Class, StepOptions, StepBody)}. */
  <T> @Nullable T step(String id, Class<T> outputType, StepOptions options, StepBody<T> body) {
    Objects.requireNonNull(outputType, "outputType");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(body, "body");
    String path = events.path(id);
    if (!usedStepIds.add(path)) {
      throw new IllegalStateException(
          "run "
              + runId
              + ": step '"
              + path
              + "' ran twice in one execution; step ids must be unique (add an index, e.g."
              + " fetch-2)");
    }
    boundary();
    JsonNode rec = recorded.get(path);
    if (rec != null) {
      log.debug("run {} - step {} already completed, returning its recorded output", runId, path);
      return Json.read(rec, outputType, "step " + path + " output");
    }
    ReusedOutput reused = replaySource.get(path);
    if (reused != null) {
      return reuse(path, reused, outputType);
    }
    NotReused refused = notReused.get(path);
    if (refused != null) {
      log.debug(
          "run {} - step {} runs again: its output recorded by event {} of run {} was redacted",
          runId,
          path,
          refused.eventId(),
          refused.runId());
    }
    int attempt = lastAttempts.getOrDefault(path, 0);
    for (int n = 1; ; n++) {
      attempt++;
      lastAttempts.put(path, attempt);
      if (n > 1) {
        boundary();
      }
      StepStarted started =
          n == 1 && refused != null ? StepStarted.of().withNotReused(refused) : StepStarted.of();
      events.append(
          EventDraft.of(started)
              .withStep(path)
              .withAttempt(attempt)
              .withSource(SOURCE)
              .withIdempotencyKey(Keys.step(path, attempt, "started")));
      int begun = attempt;
      env.listeners().notify(l -> l.stepStarted(runId, path, begun));
      Instant t0 = clock.instant();
      @Nullable T out = null;
      @Nullable Throwable caught = null;
      events.enter(path, attempt);
      if (options.interruptOnCancel()) {
        stop.armInterrupt();
      }
      try {
        out = body.run();
      } catch (Throwable t) {
        caught = t;
      } finally {
        events.leave();
        if (options.interruptOnCancel()) {
          stop.disarmInterrupt();
        }
      }
      Duration took = Duration.between(t0, clock.instant());
      @Nullable JsonNode json = null;
      if (caught == null) {
        try {
          json = Json.strict(out, "step " + path + " output");
        } catch (ValidationException e) {
          caught = e;
        }
      }
      int a = attempt;
      if (json != null) {
        events.append(
            completed(json, took.toMillis())
                .withStep(path)
                .withAttempt(attempt)
                .withSource(SOURCE)
                .withIdempotencyKey(Keys.step(path, attempt, "completed")));
        env.listeners().notify(l -> l.stepFinished(runId, path, a, took, true));
        return out;
      }
      // json is null only when the body or the output conversion failed
      Throwable failure = Objects.requireNonNull(caught, "caught");
      boolean cancel =
          failure instanceof RunCancelledException
              || (!(failure instanceof BudgetExceededException) && stop.isCancelledNow());
      boolean budgetHit = failure instanceof BudgetExceededException;
      boolean retryable =
          !cancel
              && !budgetHit
              && !(failure instanceof Error)
              && !(failure instanceof ValidationException)
              && !(failure instanceof WorkflowException we && !we.retryable());
      Map<String, Object> err =
          ErrorJson.of(failure, cancel ? "cancelled" : budgetHit ? "budget_exceeded" : null);
      err.put("retryable", retryable);
      if (!stop.ownershipLost()) {
        events.append(
            EventDraft.of(EventTypes.STEP_FAILED, Payload.of(Map.of("error", err)))
                .withStep(path)
                .withAttempt(attempt)
                .withSource(SOURCE)
                .withIdempotencyKey(Keys.step(path, attempt, "failed")));
      }
      env.listeners().notify(l -> l.stepFinished(runId, path, a, took, false));
      if (cancel) {
        throw failure instanceof RunCancelledException rce ? rce : stop.cancelled();
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
      StepRetrying retrying =
          StepRetrying.of(attempt + 1, delay, ErrorInfo.of(ErrorJson.describe(failure)));
      events.append(
          EventDraft.of(retrying)
              .withStep(path)
              .withAttempt(attempt)
              .withSource(SOURCE)
              .withIdempotencyKey(Keys.step(path, attempt, "retrying")));
      stop.waitFor(delay);
    }
  }

  /**
   * The {@code step.completed} of a step that ran. Typed, except for a JSON {@code null} output:
   * {@link StepCompleted} leaves an empty output out, while the log has always said {@code
   * "output":null}, so that one stays a map.
   */
  private static EventDraft completed(JsonNode output, long durationMs) {
    if (output.isNull()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("output", output);
      p.put("duration_ms", durationMs);
      return EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(p));
    }
    return EventDraft.of(StepCompleted.builder().output(output).durationMs(durationMs).build());
  }

  /**
   * Records a replay source's output as this run's, without running the step. A map: {@link
   * StepCompleted} has no {@code reused_from} field.
   */
  private <T> @Nullable T reuse(String path, ReusedOutput reused, Class<T> outputType) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("output", reused.output());
    p.put("duration_ms", 0);
    Map<String, Object> from = new LinkedHashMap<>(); // Map.of's order differs from JVM to JVM
    from.put("run_id", reused.sourceRun().value());
    from.put("event_id", reused.sourceEvent().value());
    p.put("reused_from", from);
    events.append(
        EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(p))
            .withStep(path)
            .withAttempt(1)
            .withSource(SOURCE)
            .withIdempotencyKey(Keys.reused(path)));
    return Json.read(reused.output(), outputType, "step " + path + " output");
  }

  /** See {@link dev.runs.RunContext#phase(String, PhaseBody)}. */
  void phase(String id, PhaseBody body) throws Exception {
    Objects.requireNonNull(body, "body");
    String path = events.path(id);
    boolean already = completedPhases.contains(path);
    if (!already) {
      events.append(
          EventDraft.of(PhaseStarted.of(id))
              .withStep(path)
              .withSource(SOURCE)
              .withIdempotencyKey(Keys.phase(path, execution, "started")));
    }
    Instant t0 = clock.instant();
    events.enter(path, 0);
    try {
      body.run();
    } catch (Exception | Error t) {
      events.leave();
      if (!already && !stop.ownershipLost()) {
        try {
          events.append(
              EventDraft.of(
                      EventTypes.PHASE_FAILED,
                      Payload.of(
                          Map.of(
                              "error",
                              ErrorJson.of(
                                  t, t instanceof RunCancelledException ? "cancelled" : null))))
                  .withStep(path)
                  .withSource(SOURCE)
                  .withIdempotencyKey(Keys.phase(path, execution, "failed")));
        } catch (RunsException suppressed) {
          t.addSuppressed(suppressed);
        }
      }
      throw t;
    }
    events.leave();
    if (!already) {
      events.append(
          EventDraft.of(PhaseCompleted.of(Duration.between(t0, clock.instant())))
              .withStep(path)
              .withSource(SOURCE)
              .withIdempotencyKey(Keys.phase(path, execution, "completed")));
    }
  }
}
