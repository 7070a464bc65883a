package dev.runs.payload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.internal.PayloadRules;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Test fixture shared by the payload tests and {@code EventSchemaTest}: for every appendable core
 * type a payload with every field set and one with only the required fields, and how to append one
 * to a fresh run (the events the run needs before it, and the envelope step id and attempt).
 */
public final class PayloadSamples {
  /** A plain mapper, so JSON values come in with the node types a host would typically build. */
  private static final ObjectMapper PLAIN = new ObjectMapper();

  private static final Trigger TRIGGER =
      new Trigger(
          TriggerSource.UI,
          "click-42",
          Optional.of("ada"),
          Instant.parse("2026-03-01T10:15:30.123456Z"));
  private static final String SHA =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private PayloadSamples() {}

  /**
   * Two payloads of one type.
   *
   * @param full every component set
   * @param minimal only the required components set
   */
  public record Sample(EventPayload full, EventPayload minimal) {
    /**
     * @return the type of both payloads
     */
    public EventType type() {
      return full.type();
    }

    /**
     * @return the record class
     */
    @SuppressWarnings("unchecked")
    public Class<? extends Record> recordClass() {
      return (Class<? extends Record>) full.getClass();
    }

    @Override
    public String toString() {
      return type().name();
    }
  }

  /**
   * @return one sample per appendable core type, in taxonomy order
   */
  public static List<Sample> all() {
    ErrorInfo fullError =
        new ErrorInfo("upstream returned 503", Optional.of("http_503"), Optional.of(true));
    ErrorInfo minimalError = ErrorInfo.of("");
    return List.of(
        new Sample(RunQueued.of("waiting for a worker"), RunQueued.of()),
        new Sample(RunStarted.of("host-a/4711"), RunStarted.of()),
        new Sample(RunCancelRequested.of("user pressed stop", TRIGGER), RunCancelRequested.of("")),
        new Sample(
            RunCancelled.of("user pressed stop", json("{\"steps_done\":3,\"ratio\":0.5}")),
            RunCancelled.of("")),
        new Sample(RunInterrupted.of("lease expired", "host-b/99"), RunInterrupted.of("")),
        new Sample(RunResumed.of(TRIGGER, "retry after fix"), RunResumed.of()),
        new Sample(
            RunCompleted.of(json("{\"answer\":\"42\",\"scores\":[1,2.5,-3e2]}")),
            RunCompleted.of()),
        new Sample(
            new RunFailed(fullError, Optional.of("gave up"), Optional.of(json("{\"done\":1}"))),
            RunFailed.of(minimalError)),
        new Sample(PhaseStarted.of("Build"), PhaseStarted.of()),
        new Sample(new PhaseCompleted(OptionalLong.of(1500)), PhaseCompleted.of()),
        new Sample(PhaseFailed.of(fullError), PhaseFailed.of(minimalError)),
        new Sample(PhaseSkipped.of("cached"), PhaseSkipped.of()),
        new Sample(
            StepStarted.of(json("{\"query\":\"runs\",\"top_k\":5}"))
                .withNotReused(
                    NotReused.outputRedacted("run-01", "0190a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091")),
            StepStarted.of()),
        new Sample(
            StepCompleted.builder()
                .output(json("[{\"title\":\"a\",\"score\":0.75}]"))
                .outputSha256(SHA)
                .outputRef("stage:search/1/output.json")
                .durationMs(2300)
                .outputRedacted(true)
                .build(),
            StepCompleted.of()),
        new Sample(StepFailed.of(fullError), StepFailed.of(minimalError)),
        new Sample(StepSkipped.of("condition false"), StepSkipped.of()),
        new Sample(
            new StepRetrying(2, OptionalLong.of(500), Optional.of(fullError)), StepRetrying.of(2)),
        new Sample(
            new ModelGenerationStarted(
                "openai",
                "gpt-4o-mini",
                Optional.of(json("{\"temperature\":0.2,\"max_tokens\":512}")),
                Optional.of(json("{\"gateway\":\"eu-1\",\"fallback\":false}"))),
            ModelGenerationStarted.of("openai", "gpt-4o-mini")),
        new Sample(
            ModelGenerationCompleted.builder("openai", "gpt-4o-mini")
                .route(json("{\"gateway\":\"eu-1\"}"))
                .params(json("{\"temperature\":0.2}"))
                .usage(812, 96)
                .cost(new BigDecimal("0.000180"))
                .latencyMs(640)
                .finishReason("stop")
                .output(json("{\"text\":\"Hello\"}"))
                .build(),
            ModelGenerationCompleted.of("openai", "gpt-4o-mini")),
        new Sample(
            new ModelGenerationFailed(
                "anthropic",
                "claude-x",
                fullError,
                Optional.of(TokenUsage.of(100, 0)),
                Optional.of(new BigDecimal("0.01")),
                OptionalLong.of(30000)),
            ModelGenerationFailed.of("anthropic", "claude-x", minimalError)),
        new Sample(
            new ToolCallStarted(
                "web_search",
                Optional.of("1.2.0"),
                Optional.of(json("{\"q\":\"event sourcing\"}"))),
            ToolCallStarted.of("web_search")),
        new Sample(
            new ToolCallCompleted(
                "web_search",
                Optional.of("1.2.0"),
                Optional.of(json("{\"hits\":[\"a\",\"b\"]}")),
                OptionalLong.of(87)),
            ToolCallCompleted.of("web_search")),
        new Sample(
            ToolCallFailed.of("web_search", fullError),
            ToolCallFailed.of("web_search", minimalError)),
        new Sample(
            AgentHandoff.of("triage", "billing", "question about an invoice"),
            AgentHandoff.of("triage", "billing")),
        new Sample(
            AgentInvoked.of("planner", json("{\"goal\":\"summarise\"}")),
            AgentInvoked.of("planner")),
        new Sample(
            GuardrailChecked.of(
                "pii_filter",
                GuardrailChecked.Stage.OUTPUT,
                GuardrailChecked.Verdict.TRIPPED,
                json("{\"matched\":[\"email\"],\"score\":0.98}")),
            GuardrailChecked.of(
                "pii_filter", GuardrailChecked.Stage.INPUT, GuardrailChecked.Verdict.PASSED)),
        new Sample(ConsoleLine.stderr("warning: 3 rows dropped"), ConsoleLine.stdout("")),
        new Sample(
            new ArtifactCreated("artifacts/report.html", SHA, 2048, Optional.of("report")),
            ArtifactCreated.of("artifacts/report.html", SHA, 0)),
        new Sample(StageCompleted.of("fetch", 2, SHA), StageCompleted.of("fetch", 1, SHA)),
        new Sample(
            new TableSummary(
                "customers_clean",
                OptionalLong.of(1200),
                OptionalLong.of(8),
                Optional.of(json("{\"columns\":[\"id\",\"email\"]}"))),
            new TableSummary(
                "customers_clean", OptionalLong.empty(), OptionalLong.empty(), Optional.empty())),
        new Sample(
            ValidationSummary.of("orders_schema", 12, 2),
            ValidationSummary.of("orders_schema", true)),
        new Sample(
            new CheckpointSaved("after-plan", Optional.of(SHA), Optional.of("after planning")),
            CheckpointSaved.of("after-plan")),
        new Sample(
            DecisionRecorded.of("route", json("{\"to\":\"billing\"}"), "invoice keyword"),
            DecisionRecorded.of("route")),
        new Sample(
            BudgetExceeded.cost(new BigDecimal("1.50"), new BigDecimal("1.5072")),
            BudgetExceeded.tokens(0, 0)),
        new Sample(
            new ErrorRecorded(
                "cache_unavailable",
                "redis timed out",
                Optional.of(true),
                Optional.of(json("{\"host\":\"cache-1\"}"))),
            ErrorRecorded.of("cache_unavailable", "")));
  }

  /**
   * The events a run needs after {@code run.created} before an event of this type is legal.
   *
   * @param type the type to append next
   * @return the drafts to append first
   */
  public static List<EventDraft> prelude(EventType type) {
    if (type.equals(EventTypes.RUN_QUEUED) || type.equals(EventTypes.RUN_STARTED)) {
      return List.of();
    }
    if (type.equals(EventTypes.RUN_RESUMED)) {
      return List.of(EventDraft.of(EventTypes.RUN_STARTED), EventDraft.of(RunFailed.of("boom")));
    }
    return List.of(EventDraft.of(EventTypes.RUN_STARTED));
  }

  /**
   * A draft of a payload with the envelope fields its type needs.
   *
   * @param payload the payload
   * @return the draft, with step {@code build/compile} and attempt 1 where required
   */
  public static EventDraft draft(EventPayload payload) {
    EventDraft d = EventDraft.of(payload);
    return withEnvelope(d);
  }

  /**
   * Adds the step id and attempt a draft's type needs.
   *
   * @param d the draft
   * @return the draft, with step {@code build/compile} and attempt 1 where required
   */
  public static EventDraft withEnvelope(EventDraft d) {
    if (PayloadRules.needsStep(d.type())) {
      d = d.withStep("build/compile");
    }
    if (PayloadRules.needsAttempt(d.type())) {
      d = d.withAttempt(1);
    }
    return d;
  }

  /**
   * The prelude of a draft's type followed by the draft.
   *
   * @param d the draft
   * @return the drafts to append to a fresh run
   */
  public static List<EventDraft> withPrelude(EventDraft d) {
    List<EventDraft> out = new ArrayList<>(prelude(d.type()));
    out.add(d);
    return out;
  }

  /**
   * Creates a run with a unique trigger.
   *
   * @param store the store
   * @return the new run's id
   */
  public static RunId newRun(RunStore store) {
    RunRecord record =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()))
            .build();
    return store.create(record).record().id();
  }

  /**
   * Parses JSON with a plain Jackson mapper.
   *
   * @param text JSON text
   * @return the tree
   */
  public static JsonNode json(String text) {
    try {
      return PLAIN.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
