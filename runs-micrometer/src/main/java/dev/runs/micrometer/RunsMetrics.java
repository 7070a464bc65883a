package dev.runs.micrometer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.CommitReport;
import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.OrchestratorListener;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.StoreObserver;
import dev.runs.SubscriptionView;
import dev.runs.SweepReport;
import dev.runs.WorkflowRef;
import dev.runs.micrometer.internal.BoundedTags;
import dev.runs.micrometer.internal.JfrEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs metrics for Micrometer, Observation API hooks and JFR events, with no change to workflow
 * code. Bind it to a registry and register it with the orchestrator:
 *
 * <pre>{@code
 * RunsMetrics metrics = RunsMetrics.builder(store).build();
 * metrics.bindTo(registry);
 * RunOrchestrator orchestrator = RunOrchestrator.builder(store).listener(metrics)...build();
 * }</pre>
 *
 * <p>From the store's commits ({@link StoreObserver}): {@code runs.events.appended} (by type
 * family), {@code runs.store.commit.batch.size}, {@code runs.store.commit.latency}, {@code
 * runs.store.errors} (by exception type), and the GenAI client metrics {@code
 * gen_ai.client.token.usage} and {@code gen_ai.client.operation.duration} (model calls and tool
 * calls) plus {@code runs.model.cost}, {@code runs.agent.turn.duration} (agent turns, by agent),
 * and the gauges {@code runs.subscribers}, {@code runs.subscriber.lag.max} and {@code
 * runs.subscriber.lag.total} over the live subscriptions opened after binding. From the host,
 * {@link #recordSweep(SweepReport)}: {@code runs.archive.sweeps}, {@code runs.archive.runs}, {@code
 * runs.archive.events} and {@code runs.archive.bytes}. From the orchestrator ({@link
 * OrchestratorListener}): {@code runs.started}, {@code runs.ended}, {@code runs.run.duration},
 * {@code runs.active}, {@code runs.step.duration}, {@code runs.append.latency} (with percentiles),
 * {@code runs.lease.renewals} and {@code runs.lease.recoveries}. Tag values are bounded (workflow,
 * provider, model, tool and exception names each keep their first {@link Builder#maxTagValues(int)}
 * values, later ones become {@code other}); run ids are never tags.
 *
 * <p>With an {@link ObservationRegistry}, each run execution is a {@code runs.run} observation and
 * each step attempt a {@code runs.step} observation under it (so micrometer-tracing turns them into
 * spans). JFR events {@code dev.runs.Run}, {@code dev.runs.Step}, {@code dev.runs.ModelCall} and
 * {@code dev.runs.Commit} are recorded when a flight recording enables them.
 *
 * <p>Thread-safe; every callback is quick and never blocks or fails an append: each meter is
 * resolved once (per event type, provider and model, tool, agent) and then only incremented. Bind
 * it to one registry (a composite for several). {@link #close()} stops observing the store.
 */
public final class RunsMetrics implements MeterBinder, OrchestratorListener, AutoCloseable {
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

  /** The most event types whose meters are cached (custom types are open-ended). */
  private static final int MAX_CACHED_TYPES = 1_000;

  private final RunStore store;
  private final @Nullable ObservationRegistry observations;
  private final BoundedTags workflows;
  private final BoundedTags models;
  private final BoundedTags tools;
  private final BoundedTags exceptions;
  private final AtomicInteger active = new AtomicInteger();
  private final Map<RunId, Execution> executions = new ConcurrentHashMap<>();
  private final Map<String, StepAttempt> steps = new ConcurrentHashMap<>();
  private final Map<EventId, Started> calls = new ConcurrentHashMap<>();
  private final Map<String, Counter> appendedByFamily = new ConcurrentHashMap<>();
  private final Map<EventType, Counter> appendedByType = new ConcurrentHashMap<>();
  private final Map<EventType, Timer> appendLatencyByType = new ConcurrentHashMap<>();
  private final Map<String, Map<String, CallMeters>> modelMeters = new ConcurrentHashMap<>();
  private final Map<String, CallMeters> toolMeters = new ConcurrentHashMap<>();
  private final Set<SubscriptionView> subscriptions = ConcurrentHashMap.newKeySet();
  private final Map<RunId, Map<String, Turn>> turns = new ConcurrentHashMap<>();
  private final Map<String, Timer> turnTimers = new ConcurrentHashMap<>();
  private final BoundedTags agents;
  private final Map<String, Timer> appendLatencyByFamily = new ConcurrentHashMap<>();
  private volatile @Nullable MeterRegistry registry;
  private volatile RunStore.@Nullable Registration registration;
  private @Nullable DistributionSummary batchSize;
  private @Nullable Timer commitLatency;

  private record Execution(
      String workflow, @Nullable Observation observation, JfrEvents.@Nullable Run jfr) {}

  private record StepAttempt(@Nullable Observation observation, JfrEvents.@Nullable Step jfr) {}

  private record Started(Instant time, JfrEvents.@Nullable ModelCall jfr) {}

  /** An agent's open turn in a step (or at run level, scope ""). */
  private record Turn(String agent, Instant started) {}

  private RunsMetrics(Builder b) {
    this.store = b.store;
    this.observations = b.observations;
    this.workflows = new BoundedTags(b.maxTagValues);
    this.models = new BoundedTags(b.maxTagValues);
    this.tools = new BoundedTags(b.maxTagValues);
    this.exceptions = new BoundedTags(b.maxTagValues);
    this.agents = new BoundedTags(b.maxTagValues);
  }

  /**
   * @param store the store whose commits are measured
   * @return a builder
   */
  public static Builder builder(RunStore store) {
    return new Builder(store);
  }

  /**
   * Registers the meters and starts observing the store's commits.
   *
   * @throws IllegalStateException when already bound
   */
  @Override
  public synchronized void bindTo(MeterRegistry target) {
    Objects.requireNonNull(target, "registry");
    if (registry != null) {
      throw new IllegalStateException(
          "RunsMetrics is bound to a registry already; bind it once (use a composite registry"
              + " for several)");
    }
    Gauge.builder("runs.active", active, AtomicInteger::get)
        .description("run executions in progress in this process")
        .register(target);
    batchSize =
        DistributionSummary.builder("runs.store.commit.batch.size")
            .description("events written per group commit")
            .baseUnit("events")
            .register(target);
    commitLatency =
        Timer.builder("runs.store.commit.latency")
            .description("time the storage engine took to make a group commit durable")
            .publishPercentiles(PERCENTILES)
            .register(target);
    Gauge.builder("runs.subscribers", subscriptions, Set::size)
        .description("live subscriptions to runs' events in this process")
        .register(target);
    Gauge.builder("runs.subscriber.lag.max", subscriptions, RunsMetrics::maxLag)
        .description("events the furthest-behind subscription has not received yet")
        .baseUnit("events")
        .register(target);
    Gauge.builder("runs.subscriber.lag.total", subscriptions, RunsMetrics::totalLag)
        .description("events committed but not yet received, summed over subscriptions")
        .baseUnit("events")
        .register(target);
    Timer.builder("runs.archive.sweeps")
        .description("archive sweeps (RunArchiver) reported to recordSweep, and their time")
        .register(target);
    registry = target;
    registration = store.observe(new CommitObserver());
  }

  /** Stops observing the store; the meters stay registered. Idempotent. */
  @Override
  public synchronized void close() {
    RunStore.Registration r = registration;
    if (r != null) {
      r.close();
      registration = null;
    }
  }

  /**
   * Records one archive sweep: {@code runs.archive.sweeps} (a timer: count and time), {@code
   * runs.archive.runs} by {@code result} ({@code archived}, {@code skipped}, {@code failed}),
   * {@code runs.archive.events} and {@code runs.archive.bytes}. Pass it as the archiver's report
   * consumer: {@code archiver.schedule(executor, every, metrics::recordSweep)}, or call it with
   * what {@code sweep()} returned. A sweep that threw (the store or archive could not be listed)
   * has no report and is not counted. Does nothing until bound to a registry.
   *
   * @param report what the sweep did
   */
  public void recordSweep(SweepReport report) {
    Objects.requireNonNull(report, "report");
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    Timer.builder("runs.archive.sweeps")
        .description("archive sweeps (RunArchiver) reported to recordSweep, and their time")
        .register(r)
        .record(report.elapsed());
    archived(r, "archived", report.archived());
    archived(r, "skipped", report.skipped());
    archived(r, "failed", report.failed());
    Counter.builder("runs.archive.events")
        .description("events moved to the archive by sweeps")
        .baseUnit("events")
        .register(r)
        .increment((double) report.events());
    Counter.builder("runs.archive.bytes")
        .description("bytes written to the archive by sweeps")
        .baseUnit("bytes")
        .register(r)
        .increment((double) report.bytes());
  }

  private static void archived(MeterRegistry r, String result, long count) {
    Counter.builder("runs.archive.runs")
        .description("runs considered by archive sweeps, by result")
        .tag("result", result)
        .register(r)
        .increment((double) count);
  }

  private static double maxLag(Set<SubscriptionView> views) {
    long max = 0;
    for (SubscriptionView v : views) {
      max = Math.max(max, v.lag());
    }
    return max;
  }

  private static double totalLag(Set<SubscriptionView> views) {
    long total = 0;
    for (SubscriptionView v : views) {
      total += v.lag();
    }
    return total;
  }

  // ---- orchestrator callbacks

  @Override
  public void runStarted(RunId runId, WorkflowRef workflow, int attempt) {
    String wf = workflows.of(workflow.name());
    active.incrementAndGet();
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder("runs.started")
          .description("run executions begun (first starts and resumes)")
          .tag("workflow", wf)
          .register(r)
          .increment();
    }
    Observation obs = null;
    if (observations != null) {
      obs =
          Observation.createNotStarted("runs.run", observations)
              .contextualName("run " + workflow.name())
              .lowCardinalityKeyValue("workflow", wf)
              .highCardinalityKeyValue("run.id", runId.value())
              .highCardinalityKeyValue("execution", Integer.toString(attempt))
              .start();
    }
    JfrEvents.Run jfr = new JfrEvents.Run();
    if (jfr.isEnabled()) {
      jfr.begin();
      jfr.runId = runId.value();
      jfr.workflow = workflow.name();
      jfr.execution = attempt;
    } else {
      jfr = null;
    }
    executions.put(runId, new Execution(wf, obs, jfr));
  }

  @Override
  public void runFinished(RunId runId, RunStatus status, Duration duration) {
    Execution ex = executions.remove(runId);
    if (ex == null) {
      return;
    }
    active.decrementAndGet();
    MeterRegistry r = registry;
    if (r != null) {
      Tags tags = Tags.of("workflow", ex.workflow(), "status", status.wireName());
      Counter.builder("runs.ended")
          .description("run executions ended, by final status")
          .tags(tags)
          .register(r)
          .increment();
      Timer.builder("runs.run.duration")
          .description("wall time of a run execution")
          .tags(tags)
          .register(r)
          .record(duration);
    }
    Observation obs = ex.observation();
    if (obs != null) {
      obs.lowCardinalityKeyValue("status", status.wireName()).stop();
    }
    JfrEvents.Run jfr = ex.jfr();
    if (jfr != null) {
      jfr.status = status.wireName();
      jfr.commit();
    }
  }

  @Override
  public void stepStarted(RunId runId, String stepId, int attempt) {
    Observation obs = null;
    if (observations != null) {
      Execution ex = executions.get(runId);
      obs =
          Observation.createNotStarted("runs.step", observations)
              .contextualName("step " + stepId)
              .parentObservation(ex == null ? null : ex.observation())
              .lowCardinalityKeyValue("workflow", ex == null ? "unknown" : ex.workflow())
              .highCardinalityKeyValue("run.id", runId.value())
              .highCardinalityKeyValue("step.id", stepId)
              .highCardinalityKeyValue("attempt", Integer.toString(attempt))
              .start();
    }
    JfrEvents.Step jfr = new JfrEvents.Step();
    if (jfr.isEnabled()) {
      jfr.begin();
      jfr.runId = runId.value();
      jfr.stepId = stepId;
      jfr.attempt = attempt;
    } else {
      jfr = null;
    }
    if (obs != null || jfr != null) {
      steps.put(stepKey(runId, stepId, attempt), new StepAttempt(obs, jfr));
    }
  }

  @Override
  public void stepFinished(
      RunId runId, String stepId, int attempt, Duration latency, boolean succeeded) {
    String outcome = succeeded ? "success" : "failure";
    MeterRegistry r = registry;
    if (r != null) {
      Timer.builder("runs.step.duration")
          .description("wall time of a step attempt")
          .tag("outcome", outcome)
          .register(r)
          .record(latency);
    }
    StepAttempt s = steps.remove(stepKey(runId, stepId, attempt));
    if (s == null) {
      return;
    }
    if (s.observation() != null) {
      s.observation().lowCardinalityKeyValue("outcome", outcome).stop();
    }
    if (s.jfr() != null) {
      s.jfr().succeeded = succeeded;
      s.jfr().commit();
    }
  }

  @Override
  public void appended(RunId runId, EventType type, Duration latency) {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    Timer t = appendLatencyByType.get(type);
    if (t == null) {
      t =
          appendLatencyByFamily.computeIfAbsent(
              family(type),
              f ->
                  Timer.builder("runs.append.latency")
                      .description(
                          "wall time of an orchestrator append until the store acknowledged it")
                      .tag("family", f)
                      .publishPercentiles(PERCENTILES)
                      .register(r));
      if (appendLatencyByType.size() < MAX_CACHED_TYPES) {
        appendLatencyByType.putIfAbsent(type, t);
      }
    }
    t.record(latency);
  }

  @Override
  public void leaseRenewed(RunId runId, boolean held) {
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder("runs.lease.renewals")
          .description("lease renewals of running executions")
          .tag("result", held ? "renewed" : "lost")
          .register(r)
          .increment();
    }
  }

  @Override
  public void runRecovered(RunId runId) {
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder("runs.lease.recoveries")
          .description("runs marked by recovery after their owner stopped renewing its lease")
          .register(r)
          .increment();
    }
  }

  private static String stepKey(RunId runId, String stepId, int attempt) {
    return runId.value() + '\u0000' + stepId + '\u0000' + attempt;
  }

  /** The type family: the part before the first dot ({@code x} for all custom types). */
  static String family(EventType type) {
    String n = type.name();
    int dot = n.indexOf('.');
    return dot < 0 ? n : n.substring(0, dot);
  }

  // ---- store callbacks

  /**
   * The {@code runs.events.appended} counter of an event type, resolved once per type (a lookup
   * without allocation on the append path); types beyond {@link #MAX_CACHED_TYPES} are resolved by
   * family each time.
   */
  private Counter appendedCounter(MeterRegistry r, EventType type) {
    Counter c = appendedByType.get(type);
    if (c != null) {
      return c;
    }
    c =
        appendedByFamily.computeIfAbsent(
            family(type),
            f ->
                Counter.builder("runs.events.appended")
                    .description("events made durable, by type family")
                    .tag("family", f)
                    .register(r));
    if (appendedByType.size() < MAX_CACHED_TYPES) {
      appendedByType.putIfAbsent(type, c);
    }
    return c;
  }

  private final class CommitObserver implements StoreObserver {
    @Override
    public void committed(CommitReport commit) {
      MeterRegistry r = registry;
      if (r == null) {
        return;
      }
      DistributionSummary size = batchSize;
      Timer latency = commitLatency;
      if (size != null && latency != null) {
        size.record(commit.events().size());
        latency.record(commit.latency());
      }
      JfrEvents.Commit jfr = new JfrEvents.Commit();
      if (jfr.shouldCommit()) {
        jfr.events = commit.events().size();
        jfr.runs = commit.runs();
        jfr.appends = commit.appends();
        jfr.latency = commit.latency().toNanos();
        jfr.commit();
      }
      List<RunEvent> events = commit.events();
      for (int i = 0, n = events.size(); i < n; i++) {
        RunEvent e = events.get(i);
        appendedCounter(r, e.type()).increment();
        String type = e.type().name();
        if (type.startsWith("model.") || type.startsWith("tool.")) {
          call(r, e, type);
        } else if (type.startsWith("agent.")) {
          agentEvent(r, e, type);
        } else if (!turns.isEmpty() && (e.isTerminal() || endsScope(type))) {
          scopeEnded(r, e);
        }
      }
    }

    @Override
    public void subscriptionOpened(SubscriptionView subscription) {
      subscriptions.add(subscription);
    }

    @Override
    public void subscriptionClosed(SubscriptionView subscription) {
      subscriptions.remove(subscription);
    }

    @Override
    public void commitFailed(RuntimeException error, int appends) {
      MeterRegistry r = registry;
      if (r != null) {
        Counter.builder("runs.store.errors")
            .description("failed group commits, by exception type")
            .tag("exception", exceptions.of(error.getClass().getSimpleName()))
            .register(r)
            .increment();
      }
    }
  }

  private static boolean endsScope(String type) {
    return (type.startsWith("step.") || type.startsWith("phase."))
        && (type.endsWith(".completed") || type.endsWith(".failed") || type.endsWith(".skipped"));
  }

  /**
   * {@code agent.invoked} or {@code agent.handoff}: ends the open turn of the event's step (or of
   * the run when it has none) and opens the named agent's turn there.
   */
  private void agentEvent(MeterRegistry r, RunEvent e, String type) {
    String agent =
        e.payload().text(type.equals("agent.handoff") ? "to_agent" : "agent").orElse("unknown");
    String scope = e.stepId().orElse("");
    if (turns.size() > 100_000) {
      turns.clear(); // runs that never ended: forget them rather than grow
    }
    Map<String, Turn> open = turns.computeIfAbsent(e.runId(), id -> new HashMap<>());
    Turn previous;
    synchronized (open) {
      previous = open.put(scope, new Turn(agent, e.time()));
    }
    if (previous != null) {
      recordTurn(r, previous, e.time());
    }
  }

  /**
   * A step or phase ended (its turns and those of the steps under it end) or the run ended (all its
   * turns end).
   */
  private void scopeEnded(MeterRegistry r, RunEvent e) {
    Map<String, Turn> open = turns.get(e.runId());
    if (open == null) {
      return;
    }
    List<Turn> ended = new ArrayList<>();
    if (e.isTerminal()) {
      turns.remove(e.runId());
      synchronized (open) {
        ended.addAll(open.values());
        open.clear();
      }
    } else {
      String path = e.stepId().orElse("");
      synchronized (open) {
        open.entrySet()
            .removeIf(
                t -> {
                  String scope = t.getKey();
                  if (scope.equals(path)
                      || (scope.startsWith(path) && scope.charAt(path.length()) == '/')) {
                    ended.add(t.getValue());
                    return true;
                  }
                  return false;
                });
      }
    }
    for (Turn t : ended) {
      recordTurn(r, t, e.time());
    }
  }

  private void recordTurn(MeterRegistry r, Turn t, Instant ended) {
    String agent = agents.of(t.agent());
    Timer timer = turnTimers.get(agent);
    if (timer == null) {
      timer =
          turnTimers.computeIfAbsent(
              agent,
              a ->
                  Timer.builder("runs.agent.turn.duration")
                      .description(
                          "an agent's turn (invoke_agent): from agent.invoked or a handoff to it"
                              + " until the next agent event of its step, or the step's end")
                      .tag("gen_ai.operation.name", "invoke_agent")
                      .tag("gen_ai.agent.name", a)
                      .register(r));
    }
    Duration d = Duration.between(t.started(), ended);
    timer.record(d.isNegative() ? Duration.ZERO : d);
  }

  private void call(MeterRegistry r, RunEvent e, String type) {
    if (type.endsWith(".started")) {
      if (calls.size() > 100_000) {
        calls.clear(); // calls that never ended: forget them rather than grow
      }
      JfrEvents.ModelCall jfr = null;
      if (type.startsWith("model.")) {
        JfrEvents.ModelCall m = new JfrEvents.ModelCall();
        if (m.isEnabled()) {
          m.begin();
          jfr = m;
        }
      }
      calls.put(e.eventId(), new Started(e.time(), jfr));
      return;
    }
    Started started = e.parentEventId().map(calls::remove).orElse(null);
    boolean failed = type.endsWith(".failed");
    String errorType =
        failed
            ? exceptions.of(
                e.payload()
                    .get("error")
                    .map(n -> n.path("code").asText(""))
                    .filter(c -> !c.isEmpty())
                    .orElse("error"))
            : null;
    Duration took =
        e.payload()
            .get("latency_ms")
            .filter(JsonNode::isNumber)
            .map(n -> Duration.ofMillis(n.asLong()))
            .orElse(started == null ? null : Duration.between(started.time(), e.time()));
    if (type.startsWith("model.")) {
      String providerName = e.payload().text("provider").orElse("unknown");
      String modelName = e.payload().text("model").orElse("unknown");
      String provider = models.of(providerName);
      String model = models.of(modelName);
      Map<String, CallMeters> byModel = modelMeters.get(provider);
      if (byModel == null) {
        byModel = modelMeters.computeIfAbsent(provider, p -> new ConcurrentHashMap<>());
      }
      CallMeters m = byModel.get(model);
      if (m == null) {
        m =
            byModel.computeIfAbsent(
                model,
                x ->
                    new CallMeters(
                        r,
                        Tags.of(
                            "gen_ai.operation.name", "chat",
                            "gen_ai.provider.name", provider,
                            "gen_ai.request.model", x)));
      }
      if (took != null) {
        m.duration(errorType).record(took);
      }
      long in = 0;
      long out = 0;
      JsonNode usage = e.payload().get("usage").orElse(null);
      if (usage != null) {
        in = usage.path("input_tokens").asLong();
        out = usage.path("output_tokens").asLong();
        m.inputTokens().record((double) in);
        m.outputTokens().record((double) out);
      }
      JsonNode cost = e.payload().get("cost").orElse(null);
      if (cost != null && cost.isNumber()) {
        m.cost().increment(cost.asDouble());
      }
      JfrEvents.ModelCall jfr = started == null ? null : started.jfr();
      if (jfr != null) {
        jfr.runId = e.runId().value();
        jfr.provider = providerName;
        jfr.model = modelName;
        jfr.inputTokens = in;
        jfr.outputTokens = out;
        jfr.failed = failed;
        jfr.commit();
      }
    } else if (took != null) {
      String tool = tools.of(e.payload().text("tool_name").orElse("unknown"));
      CallMeters m = toolMeters.get(tool);
      if (m == null) {
        m =
            toolMeters.computeIfAbsent(
                tool,
                x ->
                    new CallMeters(
                        r,
                        Tags.of("gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", x)));
      }
      m.duration(errorType).record(took);
    }
  }

  /**
   * The meters of one model (provider and model) or one tool, resolved once and then reused, so a
   * call's metering allocates no tags and registers nothing. Each meter is registered when first
   * needed (registering twice returns the same meter, so racing threads agree). Thread-safe.
   */
  private static final class CallMeters {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private volatile @Nullable Timer succeeded;
    private volatile @Nullable DistributionSummary inputTokens;
    private volatile @Nullable DistributionSummary outputTokens;
    private volatile @Nullable Counter cost;

    CallMeters(MeterRegistry registry, Tags tags) {
      this.registry = registry;
      this.tags = tags;
    }

    Timer duration(@Nullable String errorType) {
      if (errorType == null) {
        Timer t = succeeded;
        if (t == null) {
          t = durationTimer("none");
          succeeded = t;
        }
        return t;
      }
      Timer t = durations.get(errorType); // error types are bounded (exceptions.of)
      return t != null ? t : durations.computeIfAbsent(errorType, this::durationTimer);
    }

    private Timer durationTimer(String errorType) {
      return Timer.builder("gen_ai.client.operation.duration")
          .description("GenAI operation duration")
          .tags(tags)
          .tag("error.type", errorType)
          .register(registry);
    }

    DistributionSummary inputTokens() {
      DistributionSummary d = inputTokens;
      if (d == null) {
        d = tokens(registry, tags, "input");
        inputTokens = d;
      }
      return d;
    }

    DistributionSummary outputTokens() {
      DistributionSummary d = outputTokens;
      if (d == null) {
        d = tokens(registry, tags, "output");
        outputTokens = d;
      }
      return d;
    }

    Counter cost() {
      Counter c = cost;
      if (c == null) {
        c =
            Counter.builder("runs.model.cost")
                .description("model cost as reported by the host, by provider and model")
                .tags(tags)
                .register(registry);
        cost = c;
      }
      return c;
    }
  }

  private static DistributionSummary tokens(MeterRegistry r, Tags tags, String tokenType) {
    return DistributionSummary.builder("gen_ai.client.token.usage")
        .description("tokens used per model call")
        .baseUnit("{token}")
        .tags(tags)
        .tag("gen_ai.token.type", tokenType)
        .register(r);
  }

  /** Builds {@link RunsMetrics}. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private final RunStore store;
    private @Nullable ObservationRegistry observations;
    private int maxTagValues = 100;

    private Builder(RunStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * @param value the registry {@code runs.run} and {@code runs.step} observations go to (default
     *     none)
     * @return this builder
     */
    public Builder observations(ObservationRegistry value) {
      this.observations = Objects.requireNonNull(value, "observations");
      return this;
    }

    /**
     * @param value the most distinct values of each tag (workflow, provider/model, tool,
     *     exception), 1 to 10,000 (default 100); later values are tagged {@code other}
     * @return this builder
     */
    public Builder maxTagValues(int value) {
      if (value < 1 || value > 10_000) {
        throw new IllegalArgumentException("maxTagValues must be 1 to 10,000 but was " + value);
      }
      this.maxTagValues = value;
      return this;
    }

    /**
     * @return the metrics (bind them with {@link RunsMetrics#bindTo(MeterRegistry)})
     */
    public RunsMetrics build() {
      return new RunsMetrics(this);
    }
  }
}
