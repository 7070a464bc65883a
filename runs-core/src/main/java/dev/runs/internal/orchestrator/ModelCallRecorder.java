package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ModelCall;
import dev.runs.ModelGeneration;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import dev.runs.payload.ModelGenerationCompleted;
import dev.runs.payload.ModelGenerationStarted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One model call of a workflow, from its parameters to its end: writes {@code
 * model.generation.started}, then {@code .completed} (adding the usage to the budget) or {@code
 * .failed}, as a child of the start. Not thread-safe while the workflow sets parameters; the {@link
 * ModelGeneration} it returns may be ended from any thread, once.
 */
final class ModelCallRecorder implements ModelCall {
  private static final String SOURCE = ExecutionEnvironment.SOURCE;

  private final RunId runId;
  private final Clock clock;
  private final EventScope events;
  private final StopSignal stop;
  private final BudgetGuard budget;
  private final String provider;
  private final String model;
  private final ObjectNode params = JsonSupport.object();
  private final ObjectNode route = JsonSupport.object();

  ModelCallRecorder(
      RunId runId,
      Clock clock,
      EventScope events,
      StopSignal stop,
      BudgetGuard budget,
      String provider,
      String model) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.events = Objects.requireNonNull(events, "events");
    this.stop = Objects.requireNonNull(stop, "stop");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.provider = Objects.requireNonNull(provider, "provider");
    this.model = Objects.requireNonNull(model, "model");
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
    stop.throwIfCancelled();
    budget.throwIfExceeded();
    RunEvent started =
        events.emit(
            new ModelGenerationStarted(
                provider,
                model,
                params.isEmpty() ? Optional.empty() : Optional.of(params),
                route.isEmpty() ? Optional.empty() : Optional.of(route)));
    return new Generation(started, clock.instant());
  }

  /**
   * The fields {@code model.generation.failed} starts with. That event stays a map: {@link
   * dev.runs.payload.ModelGenerationFailed} has no {@code route}, and its {@code error} no {@code
   * type}.
   */
  private Map<String, Object> base() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("provider", provider);
    p.put("model", model);
    if (!route.isEmpty()) {
      p.put("route", route);
    }
    return p;
  }

  /** A started generation; ends once. Thread-safe. */
  private final class Generation implements ModelGeneration {
    private final RunEvent started;
    private final Instant t0;
    private final AtomicBoolean ended = new AtomicBoolean();

    Generation(RunEvent started, Instant t0) {
      this.started = started;
      this.t0 = t0;
    }

    @Override
    public RunEvent startedEvent() {
      return started;
    }

    private void end() {
      if (!ended.compareAndSet(false, true)) {
        throw new IllegalStateException(
            "model generation " + started.eventId() + " of run " + runId + " already ended");
      }
    }

    @Override
    public ModelGenerationCompleted.Builder completion() {
      ModelGenerationCompleted.Builder b = ModelGenerationCompleted.builder(provider, model);
      if (!route.isEmpty()) {
        b.route(route);
      }
      return b;
    }

    @Override
    public RunEvent completed(ModelGenerationCompleted c) {
      Objects.requireNonNull(c, "completion");
      if (!c.provider().equals(provider) || !c.model().equals(model)) {
        throw new ValidationException(
            "model generation " + started.eventId() + " of run " + runId,
            "provider",
            "must be the started call's '"
                + provider
                + "' / '"
                + model
                + "' but was '"
                + c.provider()
                + "' / '"
                + c.model()
                + "'; use completion()");
      }
      end();
      ModelGenerationCompleted filled =
          new ModelGenerationCompleted(
              c.provider(),
              c.model(),
              c.route().isPresent() || route.isEmpty() ? c.route() : Optional.of(route),
              c.params(),
              c.usage(),
              c.cost(),
              c.latencyMs().isPresent()
                  ? c.latencyMs()
                  : OptionalLong.of(Duration.between(t0, clock.instant()).toMillis()),
              c.finishReason(),
              c.output());
      RunEvent e =
          events.scoped(EventDraft.of(filled).withParent(started.eventId()).withSource(SOURCE));
      budget.add(e, c.usage(), c.cost());
      budget.check();
      return e;
    }

    @Override
    public RunEvent failed(Throwable error) {
      Objects.requireNonNull(error, "error");
      end();
      Map<String, Object> p = base();
      p.put("error", ErrorJson.of(error, null));
      p.put("latency_ms", Duration.between(t0, clock.instant()).toMillis());
      return events.scoped(
          EventDraft.of(EventTypes.MODEL_GENERATION_FAILED, Payload.of(p))
              .withParent(started.eventId())
              .withSource(SOURCE));
    }
  }
}
