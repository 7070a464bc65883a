package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.internal.codec.RunSummaryJson;
import dev.runs.payload.ErrorInfo;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a run did, built from its events only ({@link #from(RunRecord, List)}): how long it ran,
 * each step's attempts and duration, event counts by type, token usage and cost, errors, artifacts,
 * token usage and cost by model, host highlights and the workflow's output. The orchestrator writes
 * it into the {@code summary} field of the run's final event ({@code run.completed}, {@code
 * run.failed} or {@code run.cancelled}); {@link RunOrchestrator#summary(RunId)} reads it back.
 *
 * <p>Lists are capped so the summary fits in one event: the first {@value #MAX_STEPS} steps, the
 * first {@value #MAX_ERRORS} errors, the first {@value #MAX_ARTIFACTS} artifacts and the first
 * {@value #MAX_MODELS} models; the counts by type and the run's {@code usage} and {@code cost} are
 * always complete.
 *
 * <p>{@link #byModel()} was added after the other components: a summary stored by an earlier
 * version has no {@code by_model} field and reads back with an empty list.
 *
 * @param runId the run
 * @param workflow its workflow
 * @param status the status after the events
 * @param startedAt when it first started
 * @param endedAt when its last execution ended (empty while it runs)
 * @param durationMs time spent executing, summed over executions (resumes) in milliseconds
 * @param executions how many executions it had: 1 plus the number of resumes
 * @param steps steps and phases in order of first appearance
 * @param countsByType number of events per type
 * @param usage token totals from model generation events
 * @param cost cost summed from model generation events
 * @param errors failures recorded by the run's events
 * @param artifacts files recorded by {@code artifact.created}
 * @param highlights host highlights ({@code x.runs.highlight}), later values winning
 * @param output the workflow's output, when the run recorded one
 * @param byModel token usage and cost per model, in order of each model's first event
 */
public record RunSummary(
    RunId runId,
    WorkflowRef workflow,
    RunStatus status,
    Optional<Instant> startedAt,
    Optional<Instant> endedAt,
    long durationMs,
    int executions,
    List<StepSummary> steps,
    Map<String, Long> countsByType,
    TokenUsage usage,
    BigDecimal cost,
    List<ErrorSummary> errors,
    List<ArtifactSummary> artifacts,
    Map<String, JsonNode> highlights,
    Optional<JsonNode> output,
    List<ModelUsage> byModel) {

  /** Most steps listed. */
  public static final int MAX_STEPS = 1000;

  /** Most errors listed. */
  public static final int MAX_ERRORS = 100;

  /** Most artifacts listed. */
  public static final int MAX_ARTIFACTS = 1000;

  /** Most models listed in {@link #byModel()}. */
  public static final int MAX_MODELS = 100;

  /** The event type that carries host highlights. */
  public static final String HIGHLIGHT_TYPE = "x.runs.highlight";

  /** Checks for nulls and copies the collections. */
  public RunSummary {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(output, "output");
    steps = List.copyOf(steps);
    countsByType = Collections.unmodifiableMap(new TreeMap<>(countsByType));
    errors = List.copyOf(errors);
    artifacts = List.copyOf(artifacts);
    Map<String, JsonNode> h = new LinkedHashMap<>();
    highlights.forEach((k, v) -> h.put(k, v.deepCopy()));
    highlights = Collections.unmodifiableMap(h);
    output = output.map(JsonNode::deepCopy);
    byModel = List.copyOf(byModel);
  }

  /**
   * A summary without the per-model split ({@link #byModel()} empty), the form of earlier versions.
   *
   * @param runId the run
   * @param workflow its workflow
   * @param status the status after the events
   * @param startedAt when it first started
   * @param endedAt when its last execution ended
   * @param durationMs time spent executing in milliseconds
   * @param executions how many executions it had
   * @param steps steps and phases in order of first appearance
   * @param countsByType number of events per type
   * @param usage token totals from model generation events
   * @param cost cost summed from model generation events
   * @param errors failures recorded by the run's events
   * @param artifacts files recorded by {@code artifact.created}
   * @param highlights host highlights
   * @param output the workflow's output
   */
  public RunSummary(
      RunId runId,
      WorkflowRef workflow,
      RunStatus status,
      Optional<Instant> startedAt,
      Optional<Instant> endedAt,
      long durationMs,
      int executions,
      List<StepSummary> steps,
      Map<String, Long> countsByType,
      TokenUsage usage,
      BigDecimal cost,
      List<ErrorSummary> errors,
      List<ArtifactSummary> artifacts,
      Map<String, JsonNode> highlights,
      Optional<JsonNode> output) {
    this(
        runId,
        workflow,
        status,
        startedAt,
        endedAt,
        durationMs,
        executions,
        steps,
        countsByType,
        usage,
        cost,
        errors,
        artifacts,
        highlights,
        output,
        List.of());
  }

  /**
   * The model calls of a run to one model, as its {@code model.generation.*} events name it. In
   * JSON: {@code {"provider": "openai", "model": "gpt-4o-mini", "calls": 2, "failed": 0, "usage":
   * {"input_tokens": 1624, "output_tokens": 192}, "cost": 0.00036}}.
   *
   * @param provider the events' {@code provider}, e.g. {@code openai}; empty when they had none
   * @param model the events' {@code model}, e.g. {@code gpt-4o-mini}; empty when they had none
   * @param calls calls that ended: its {@code model.generation.completed} and {@code
   *     model.generation.failed} events
   * @param failed of those calls, how many failed ({@code model.generation.failed})
   * @param usage token totals from its events ({@code usage})
   * @param cost cost summed from its events ({@code cost})
   */
  public record ModelUsage(
      String provider, String model, long calls, long failed, TokenUsage usage, BigDecimal cost) {
    /**
     * Checks for nulls and that {@code 0 <= failed <= calls}.
     *
     * @throws ValidationException naming the count that is out of range
     */
    public ModelUsage {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(cost, "cost");
      if (calls < 0) {
        throw new ValidationException("by_model.calls", "must not be negative but was " + calls);
      }
      if (failed < 0 || failed > calls) {
        throw new ValidationException(
            "by_model.failed", "must be 0 to calls (" + calls + ") but was " + failed);
      }
    }

    /**
     * @return {@code provider/model}, e.g. {@code openai/gpt-4o-mini}
     */
    public String key() {
      return provider + "/" + model;
    }
  }

  /**
   * A step or phase.
   *
   * @param stepId the step path
   * @param kind {@code step} or {@code phase}
   * @param status how its latest attempt ended: {@code started}, {@code completed}, {@code failed},
   *     {@code retrying} or {@code skipped}
   * @param attempts the highest attempt number seen
   * @param durationMs time between starts and ends, summed over attempts
   * @param reused true when a replay reused its output from the source run
   */
  public record StepSummary(
      String stepId, String kind, String status, int attempts, long durationMs, boolean reused) {
    /** Checks for nulls. */
    public StepSummary {
      Objects.requireNonNull(stepId, "stepId");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(status, "status");
    }
  }

  /**
   * A failure the log records: where it happened and the error the event carried. In JSON the
   * error's fields sit beside the others: {@code {"event_type": "step.failed", "sequence": 7,
   * "step_id": "fetch", "attempt": 1, "message": "timeout", "code": "http_504"}}.
   *
   * @param eventType the event that recorded it, e.g. {@code step.failed}
   * @param sequence that event's sequence
   * @param stepId its step
   * @param attempt its attempt
   * @param error the error as the event recorded it (the {@code error} object of a {@code *.failed}
   *     event, or the fields of an {@code error} event)
   */
  public record ErrorSummary(
      String eventType,
      long sequence,
      Optional<String> stepId,
      OptionalInt attempt,
      ErrorInfo error) {
    /** Checks for nulls. */
    public ErrorSummary {
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(stepId, "stepId");
      Objects.requireNonNull(attempt, "attempt");
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * A file the run produced.
   *
   * @param path its path as recorded, e.g. {@code artifacts/report.html}
   * @param stageKey the stage that wrote it
   * @param stageAttempt the stage attempt
   * @param sha256 its hash
   * @param size its size in bytes
   * @param kind what it is
   */
  public record ArtifactSummary(
      String path,
      Optional<String> stageKey,
      OptionalInt stageAttempt,
      String sha256,
      long size,
      Optional<String> kind) {
    /** Checks for nulls. */
    public ArtifactSummary {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(stageKey, "stageKey");
      Objects.requireNonNull(stageAttempt, "stageAttempt");
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(kind, "kind");
    }
  }

  /**
   * @return {@link #durationMs()} as a duration
   */
  public Duration duration() {
    return Duration.ofMillis(durationMs);
  }

  /**
   * @param type an event type
   * @return how many events of that type the run has
   */
  public long count(EventType type) {
    return countsByType.getOrDefault(type.name(), 0L);
  }

  /**
   * @param stepId a step path
   * @return that step's summary
   */
  public Optional<StepSummary> step(String stepId) {
    return steps.stream().filter(s -> s.stepId().equals(stepId)).findFirst();
  }

  /**
   * @param newOutput the workflow's output
   * @return a copy with the output set
   */
  public RunSummary withOutput(Optional<JsonNode> newOutput) {
    return new RunSummary(
        runId,
        workflow,
        status,
        startedAt,
        endedAt,
        durationMs,
        executions,
        steps,
        countsByType,
        usage,
        cost,
        errors,
        artifacts,
        highlights,
        newOutput,
        byModel);
  }

  /**
   * @return the summary as JSON (snake_case keys), as carried by the final event
   */
  public Payload toPayload() {
    return Payload.of(RunSummaryJson.encode(this));
  }

  /**
   * Reads the JSON form written by {@link #toPayload()}.
   *
   * @param json a JSON object
   * @return the summary
   * @throws ValidationException naming a missing or malformed field
   */
  public static RunSummary fromJson(JsonNode json) {
    return RunSummaryJson.decode(json);
  }

  /**
   * Builds the summary of a run from its complete log.
   *
   * @param record the run's record
   * @param events all its events in sequence order, starting with {@code run.created}
   * @return the summary
   * @throws IllegalArgumentException when there are no events
   * @throws StoreCorruptedException when the events are not a valid log of the run
   */
  public static RunSummary from(RunRecord record, List<RunEvent> events) {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(events, "events");
    if (events.isEmpty()) {
      throw new IllegalArgumentException(
          "run " + record.id() + ": a summary needs at least run.created");
    }
    RunState state = RunState.fold(record.id(), events);
    Map<String, StepAcc> steps = new LinkedHashMap<>();
    List<ErrorSummary> errors = new ArrayList<>();
    List<ArtifactSummary> artifacts = new ArrayList<>();
    Map<String, JsonNode> highlights = new LinkedHashMap<>();
    Optional<JsonNode> output = Optional.empty();
    Map<List<String>, ModelAcc> models = new LinkedHashMap<>();
    Instant startedAt = null;
    Instant endedAt = null;
    Instant execStart = null;
    long activeMs = 0;
    int executions = 0;
    for (RunEvent e : events) {
      String type = e.type().name();
      ObjectNode p = e.payload().parsed();
      if (type.equals("run.started") || type.equals("run.resumed")) {
        executions++;
        execStart = e.time();
        endedAt = null;
        if (startedAt == null) {
          startedAt = e.time();
        }
      } else if (e.isTerminal()) {
        if (execStart != null) {
          activeMs += millisBetween(execStart, e.time());
          execStart = null;
        }
        endedAt = e.time();
        JsonNode s = p.get("summary");
        if (s != null && s.isObject() && s.hasNonNull("output")) {
          output = Optional.of(s.get("output"));
        }
      }
      if ((type.startsWith("step.") || type.startsWith("phase.")) && e.stepId().isPresent()) {
        foldStep(steps, e, type, p);
      } else if (type.startsWith("model.generation.")) {
        foldModel(models, type, p);
      }
      switch (type) {
        case "step.failed",
            "phase.failed",
            "run.failed",
            "model.generation.failed",
            "tool.call.failed" ->
            addError(errors, e, p.get("error"));
        case "error" -> addError(errors, e, p);
        case "artifact.created" -> {
          if (artifacts.size() < MAX_ARTIFACTS) {
            artifacts.add(
                new ArtifactSummary(
                    p.path("path").asText(""),
                    text(p, "stage_key"),
                    p.hasNonNull("stage_attempt")
                        ? OptionalInt.of(p.get("stage_attempt").asInt())
                        : OptionalInt.empty(),
                    p.path("sha256").asText(""),
                    p.path("size").asLong(0),
                    text(p, "kind")));
          }
        }
        default -> {
          if (type.equals(HIGHLIGHT_TYPE) && p.hasNonNull("key")) {
            highlights.put(p.get("key").asText(), p.has("value") ? p.get("value") : p.nullNode());
          }
        }
      }
    }
    if (execStart != null) {
      activeMs += millisBetween(execStart, events.get(events.size() - 1).time());
    }
    List<StepSummary> stepList = new ArrayList<>();
    for (StepAcc a : steps.values()) {
      if (stepList.size() >= MAX_STEPS) {
        break;
      }
      stepList.add(new StepSummary(a.id, a.kind, a.status, a.attempts, a.durationMs, a.reused));
    }
    return new RunSummary(
        record.id(),
        record.workflow(),
        state.status(),
        Optional.ofNullable(startedAt),
        Optional.ofNullable(state.status().isTerminal() ? endedAt : null),
        activeMs,
        executions,
        stepList,
        state.countsByType(),
        state.usage(),
        state.cost(),
        errors,
        artifacts,
        highlights,
        output,
        models.values().stream().map(ModelAcc::toUsage).toList());
  }

  private static final class ModelAcc {
    final String provider;
    final String model;
    long calls;
    long failed;
    long inputTokens;
    long outputTokens;
    BigDecimal cost = BigDecimal.ZERO;

    ModelAcc(String provider, String model) {
      this.provider = provider;
      this.model = model;
    }

    ModelUsage toUsage() {
      return new ModelUsage(
          provider, model, calls, failed, new TokenUsage(inputTokens, outputTokens), cost);
    }
  }

  /**
   * Adds up as {@link RunState} does for the run: {@code usage} and {@code cost} of every event.
   */
  private static void foldModel(Map<List<String>, ModelAcc> models, String type, ObjectNode p) {
    String provider = p.path("provider").asText("");
    String model = p.path("model").asText("");
    List<String> key = List.of(provider, model);
    ModelAcc a = models.get(key);
    if (a == null) {
      if (models.size() >= MAX_MODELS) {
        return;
      }
      a = new ModelAcc(provider, model);
      models.put(key, a);
    }
    if (type.equals("model.generation.completed") || type.equals("model.generation.failed")) {
      a.calls++;
      if (type.equals("model.generation.failed")) {
        a.failed++;
      }
    }
    JsonNode usage = p.get("usage");
    if (usage != null && usage.isObject()) {
      a.inputTokens += nonNegativeLong(usage.get("input_tokens"));
      a.outputTokens += nonNegativeLong(usage.get("output_tokens"));
    }
    JsonNode c = p.get("cost");
    if (c != null && c.isNumber()) {
      a.cost = a.cost.add(c.decimalValue());
    }
  }

  private static long nonNegativeLong(@Nullable JsonNode n) {
    return n != null && n.canConvertToLong() ? Math.max(0, n.asLong()) : 0;
  }

  private static final class StepAcc {
    final String id;
    final String kind;
    String status = "started";
    int attempts;
    long durationMs;
    boolean reused;
    @Nullable Instant attemptStart;

    StepAcc(String id, String kind) {
      this.id = id;
      this.kind = kind;
    }
  }

  private static void foldStep(Map<String, StepAcc> steps, RunEvent e, String type, ObjectNode p) {
    String kind = type.substring(0, type.indexOf('.'));
    String verb = type.substring(type.indexOf('.') + 1);
    StepAcc a = steps.computeIfAbsent(e.stepId().get(), id -> new StepAcc(id, kind));
    a.attempts = Math.max(a.attempts, e.attempt().orElse(Math.max(1, a.attempts)));
    switch (verb) {
      case "started" -> {
        a.attemptStart = e.time();
        a.status = verb;
      }
      case "completed", "failed", "skipped" -> {
        if (a.attemptStart != null) {
          a.durationMs += millisBetween(a.attemptStart, e.time());
          a.attemptStart = null;
        }
        a.status = verb;
        if (verb.equals("completed") && p.hasNonNull("reused_from")) {
          a.reused = true;
        }
      }
      case "retrying" -> a.status = verb;
      default -> {}
    }
  }

  private static void addError(List<ErrorSummary> errors, RunEvent e, JsonNode error) {
    if (errors.size() >= MAX_ERRORS) {
      return;
    }
    String message =
        error != null && error.hasNonNull("message") ? error.get("message").asText() : "";
    Optional<String> code =
        error != null && error.hasNonNull("code")
            ? Optional.of(error.get("code").asText())
            : Optional.empty();
    Optional<Boolean> retryable =
        error != null && error.path("retryable").isBoolean()
            ? Optional.of(error.get("retryable").booleanValue())
            : Optional.empty();
    errors.add(
        new ErrorSummary(
            e.type().name(),
            e.sequence(),
            e.stepId(),
            e.attempt(),
            new ErrorInfo(message, code, retryable)));
  }

  private static Optional<String> text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }

  private static long millisBetween(Instant a, Instant b) {
    return Math.max(0, Duration.between(a, b).toMillis());
  }
}
