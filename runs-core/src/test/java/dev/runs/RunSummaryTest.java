package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.payload.ErrorInfo;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

final class RunSummaryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final RunRecord record =
      RunRecord.builder(
              WorkflowRef.of("w", "1"),
              ConfigSnapshot.empty(),
              Trigger.of(TriggerSource.TEST, "t-1"))
          .build();
  private final List<RunEvent> events = new ArrayList<>();

  private void add(
      long atSecond, EventType type, String stepId, Integer attempt, Map<String, ?> payload) {
    events.add(
        new RunEvent(
            RunEvent.SCHEMA,
            EventId.of(UUID.randomUUID().toString()),
            record.id(),
            events.size() + 1L,
            type,
            T0.plusSeconds(atSecond),
            Optional.ofNullable(stepId),
            attempt == null ? OptionalInt.empty() : OptionalInt.of(attempt),
            Optional.empty(),
            "orchestrator",
            Optional.empty(),
            Payload.of(payload),
            Map.of()));
  }

  private void add(long atSecond, EventType type) {
    add(atSecond, type, null, null, Map.of());
  }

  @Test
  void from_resumedRun_sumsExecutionsStepsUsageAndErrors() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_QUEUED);
    add(2, EventTypes.RUN_STARTED);
    add(2, EventTypes.STEP_STARTED, "a", 1, Map.of());
    add(
        3,
        EventTypes.MODEL_GENERATION_COMPLETED,
        "a",
        1,
        Map.of(
            "provider",
            "p",
            "model",
            "m",
            "usage",
            Map.of("input_tokens", 10, "output_tokens", 5),
            "cost",
            0.5));
    add(5, EventTypes.STEP_COMPLETED, "a", 1, Map.of("output", 1));
    add(5, EventTypes.STEP_STARTED, "b", 1, Map.of());
    add(6, EventTypes.STEP_FAILED, "b", 1, Map.of("error", Map.of("message", "boom", "code", "x")));
    add(6, EventTypes.RUN_FAILED, null, null, Map.of("error", Map.of("message", "boom")));
    add(100, EventTypes.RUN_RESUMED);
    add(100, EventTypes.STEP_STARTED, "b", 2, Map.of());
    add(104, EventTypes.STEP_COMPLETED, "b", 2, Map.of("output", 2));
    add(
        104,
        EventTypes.ARTIFACT_CREATED,
        "b",
        2,
        Map.of(
            "path",
            "artifacts/r.md",
            "sha256",
            "ab",
            "size",
            3,
            "kind",
            "report",
            "stage_key",
            "report",
            "stage_attempt",
            1));
    add(
        104,
        EventType.of(RunSummary.HIGHLIGHT_TYPE),
        null,
        null,
        Map.of("key", "best", "value", 7));
    add(
        104,
        EventType.of(RunSummary.HIGHLIGHT_TYPE),
        null,
        null,
        Map.of("key", "best", "value", 9));
    Map<String, Object> done = new LinkedHashMap<>();
    done.put("summary", Map.of("output", "answer"));
    add(105, EventTypes.RUN_COMPLETED, null, null, done);

    RunSummary s = RunSummary.from(record, events);

    assertThat(s.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(s.executions()).isEqualTo(2);
    assertThat(s.durationMs()).isEqualTo(4_000 + 5_000);
    assertThat(s.startedAt()).contains(T0.plusSeconds(2));
    assertThat(s.endedAt()).contains(T0.plusSeconds(105));
    assertThat(s.steps())
        .containsExactly(
            new RunSummary.StepSummary("a", "step", "completed", 1, 3_000, false),
            new RunSummary.StepSummary("b", "step", "completed", 2, 5_000, false));
    assertThat(s.usage()).isEqualTo(TokenUsage.of(10, 5));
    assertThat(s.cost()).isEqualByComparingTo("0.5");
    assertThat(s.errors())
        .extracting(RunSummary.ErrorSummary::eventType, e -> e.error().message())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("step.failed", "boom"),
            org.assertj.core.groups.Tuple.tuple("run.failed", "boom"));
    assertThat(s.errors().get(0).error().code()).contains("x");
    assertThat(s.errors().get(0).attempt()).hasValue(1);
    assertThat(s.artifacts())
        .containsExactly(
            new RunSummary.ArtifactSummary(
                "artifacts/r.md",
                Optional.of("report"),
                OptionalInt.of(1),
                "ab",
                3,
                Optional.of("report")));
    assertThat(s.highlights().get("best").asInt()).isEqualTo(9);
    assertThat(s.output().orElseThrow().asText()).isEqualTo("answer");
    assertThat(s.count(EventTypes.STEP_STARTED)).isEqualTo(3);
  }

  @Test
  void toPayload_writesErrorFieldsBesideTheLocation_andReadsThemBack() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    add(2, EventTypes.STEP_STARTED, "a", 1, Map.of());
    add(
        3,
        EventTypes.STEP_FAILED,
        "a",
        1,
        Map.of("error", Map.of("message", "boom", "code", "x", "retryable", true)));
    add(4, EventTypes.RUN_FAILED, null, null, Map.of("error", Map.of("message", "boom")));

    RunSummary s = RunSummary.from(record, events);
    JsonNode json = s.toPayload().toJsonNode();

    assertThat(s.errors().get(0).error())
        .isEqualTo(new ErrorInfo("boom", Optional.of("x"), Optional.of(true)));
    assertThat(json.get("errors").get(0).get("message").asText()).isEqualTo("boom");
    assertThat(json.get("errors").get(0).get("code").asText()).isEqualTo("x");
    assertThat(json.get("errors").get(0).has("error")).isFalse();
    assertThat(RunSummary.fromJson(json)).isEqualTo(s);
  }

  @Test
  void toPayload_fromJson_roundTrips() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    add(2, EventTypes.STEP_STARTED, "a", 1, Map.of());
    add(
        2,
        EventTypes.STEP_COMPLETED,
        "a",
        1,
        Map.of("output", 1, "reused_from", Map.of("run_id", "r")));
    add(3, EventTypes.RUN_CANCELLED, null, null, Map.of("reason", "stop"));

    RunSummary s = RunSummary.from(record, events);
    RunSummary back = RunSummary.fromJson(s.toPayload().toJsonNode());

    assertThat(back).isEqualTo(s);
    assertThat(back.step("a").orElseThrow().reused()).isTrue();
    assertThat(back.status()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void from_runningRun_hasNoEndAndCountsTimeSoFar() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    add(4, EventTypes.CONSOLE_LINE, null, null, Map.of("stream", "stdout", "text", "hi"));

    RunSummary s = RunSummary.from(record, events);

    assertThat(s.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(s.endedAt()).isEmpty();
    assertThat(s.durationMs()).isEqualTo(3_000);
    assertThat(s.output()).isEmpty();
  }

  private void model(long atSecond, EventType type, String provider, String model, Object... more) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("provider", provider);
    p.put("model", model);
    for (int i = 0; i < more.length; i += 2) {
      p.put((String) more[i], more[i + 1]);
    }
    add(atSecond, type, "s", 1, p);
  }

  private static Map<String, Object> usage(long in, long out) {
    return Map.of("input_tokens", in, "output_tokens", out);
  }

  @Test
  void from_modelCalls_splitsCallsTokensAndCostByProviderAndModel() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    model(2, EventTypes.MODEL_GENERATION_STARTED, "openai", "gpt-4o-mini");
    model(
        3,
        EventTypes.MODEL_GENERATION_COMPLETED,
        "openai",
        "gpt-4o-mini",
        "usage",
        usage(812, 96),
        "cost",
        new BigDecimal("0.00018"));
    model(4, EventTypes.MODEL_GENERATION_STARTED, "anthropic", "claude");
    model(
        5,
        EventTypes.MODEL_GENERATION_FAILED,
        "anthropic",
        "claude",
        "usage",
        usage(40, 0),
        "error",
        Map.of("message", "overloaded"));
    model(6, EventTypes.MODEL_GENERATION_STARTED, "openai", "gpt-4o-mini");
    model(
        7,
        EventTypes.MODEL_GENERATION_COMPLETED,
        "openai",
        "gpt-4o-mini",
        "usage",
        usage(100, 4),
        "cost",
        new BigDecimal("0.00002"));
    // the same model name from another provider is another model
    model(
        8,
        EventTypes.MODEL_GENERATION_COMPLETED,
        "azure",
        "gpt-4o-mini",
        "usage",
        usage(1, 2),
        "cost",
        new BigDecimal("0.1"));
    // a call still open when the run ended counts no call
    model(9, EventTypes.MODEL_GENERATION_STARTED, "local", "llama");
    add(10, EventTypes.RUN_COMPLETED);

    RunSummary s = RunSummary.from(record, events);

    assertThat(s.byModel())
        .containsExactly(
            new RunSummary.ModelUsage(
                "openai", "gpt-4o-mini", 2, 0, TokenUsage.of(912, 100), new BigDecimal("0.00020")),
            new RunSummary.ModelUsage(
                "anthropic", "claude", 1, 1, TokenUsage.of(40, 0), BigDecimal.ZERO),
            new RunSummary.ModelUsage(
                "azure", "gpt-4o-mini", 1, 0, TokenUsage.of(1, 2), new BigDecimal("0.1")),
            new RunSummary.ModelUsage(
                "local", "llama", 0, 0, TokenUsage.of(0, 0), BigDecimal.ZERO));
    assertThat(s.byModel().get(0).key()).isEqualTo("openai/gpt-4o-mini");
    assertThat(s.usage()).isEqualTo(TokenUsage.of(953, 102));
    assertThat(s.cost()).isEqualByComparingTo("0.10020");
  }

  static LongStream seeds() {
    return LongStream.range(0, 25).map(i -> 0x5eed_0000L + i * 7919);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void from_randomModelCalls_splitAddsUpToTheRunTotals(long seed) {
    Random rnd = new Random(seed);
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    int n = rnd.nextInt(60);
    long ended = 0;
    for (int i = 0; i < n; i++) {
      String provider = "p" + rnd.nextInt(3);
      String name = "m" + rnd.nextInt(4);
      EventType type =
          switch (rnd.nextInt(3)) {
            case 0 -> EventTypes.MODEL_GENERATION_STARTED;
            case 1 -> EventTypes.MODEL_GENERATION_COMPLETED;
            default -> EventTypes.MODEL_GENERATION_FAILED;
          };
      if (!type.equals(EventTypes.MODEL_GENERATION_STARTED)) {
        ended++;
      }
      if (rnd.nextBoolean()) {
        model(
            2 + i,
            type,
            provider,
            name,
            "usage",
            usage(rnd.nextInt(5000), rnd.nextInt(900)),
            "cost",
            BigDecimal.valueOf(rnd.nextInt(100_000), 6));
      } else {
        model(2 + i, type, provider, name);
      }
    }
    add(100, EventTypes.RUN_COMPLETED);

    RunSummary s = RunSummary.from(record, events);

    String seedInfo = "seed " + seed;
    assertThat(s.byModel()).as(seedInfo).hasSizeLessThanOrEqualTo(12);
    assertThat(s.byModel().stream().mapToLong(m -> m.usage().inputTokens()).sum())
        .as(seedInfo)
        .isEqualTo(s.usage().inputTokens());
    assertThat(s.byModel().stream().mapToLong(m -> m.usage().outputTokens()).sum())
        .as(seedInfo)
        .isEqualTo(s.usage().outputTokens());
    assertThat(
            s.byModel().stream()
                .map(RunSummary.ModelUsage::cost)
                .reduce(BigDecimal.ZERO, BigDecimal::add))
        .as(seedInfo)
        .isEqualByComparingTo(s.cost());
    assertThat(s.byModel().stream().mapToLong(RunSummary.ModelUsage::calls).sum())
        .as(seedInfo)
        .isEqualTo(ended);
    assertThat(s.byModel().stream().mapToLong(RunSummary.ModelUsage::failed).sum())
        .as(seedInfo)
        .isEqualTo(s.count(EventTypes.MODEL_GENERATION_FAILED));
    assertThat(RunSummary.fromJson(s.toPayload().toJsonNode())).as(seedInfo).isEqualTo(s);
  }

  @Test
  void from_moreModelsThanTheCap_listsTheFirstButTotalsAll() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    for (int i = 0; i <= RunSummary.MAX_MODELS; i++) {
      model(2, EventTypes.MODEL_GENERATION_COMPLETED, "p", "m" + i, "usage", usage(1, 1));
    }
    add(3, EventTypes.RUN_COMPLETED);

    RunSummary s = RunSummary.from(record, events);

    assertThat(s.byModel()).hasSize(RunSummary.MAX_MODELS);
    assertThat(s.byModel().get(0).model()).isEqualTo("m0");
    assertThat(s.usage().inputTokens()).isEqualTo(RunSummary.MAX_MODELS + 1L);
  }

  @Test
  void toPayload_writesByModelInSnakeCase_andReadsItBack() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    model(
        2,
        EventTypes.MODEL_GENERATION_COMPLETED,
        "openai",
        "gpt-4o-mini",
        "usage",
        usage(812, 96),
        "cost",
        new BigDecimal("0.00018"));
    add(3, EventTypes.RUN_COMPLETED);
    RunSummary s = RunSummary.from(record, events);

    JsonNode json = s.toPayload().toJsonNode();

    JsonNode m = json.get("by_model").get(0);
    assertThat(m.get("provider").asText()).isEqualTo("openai");
    assertThat(m.get("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(m.get("calls").asLong()).isEqualTo(1);
    assertThat(m.get("failed").asLong()).isZero();
    assertThat(m.get("usage").get("input_tokens").asLong()).isEqualTo(812);
    assertThat(m.get("usage").get("output_tokens").asLong()).isEqualTo(96);
    assertThat(m.get("cost").decimalValue()).isEqualByComparingTo("0.00018");
    assertThat(RunSummary.fromJson(json)).isEqualTo(s);
  }

  @Test
  void fromJson_summaryStoredBeforeByModel_readsAnEmptySplit() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    model(2, EventTypes.MODEL_GENERATION_COMPLETED, "p", "m", "usage", usage(3, 4), "cost", 0.25);
    add(3, EventTypes.RUN_COMPLETED);
    RunSummary s = RunSummary.from(record, events);
    ObjectNode old = s.toPayload().toJsonNode();
    old.remove("by_model");

    RunSummary back = RunSummary.fromJson(old);

    assertThat(back.byModel()).isEmpty();
    assertThat(back.usage()).isEqualTo(TokenUsage.of(3, 4));
    assertThat(back.cost()).isEqualByComparingTo("0.25");
    assertThat(back)
        .isEqualTo(
            new RunSummary(
                s.runId(),
                s.workflow(),
                s.status(),
                s.startedAt(),
                s.endedAt(),
                s.durationMs(),
                s.executions(),
                s.steps(),
                s.countsByType(),
                s.usage(),
                s.cost(),
                s.errors(),
                s.artifacts(),
                s.highlights(),
                s.output()));
  }

  @Test
  void fromJson_badByModelEntry_isRefusedNamingTheField() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    model(2, EventTypes.MODEL_GENERATION_COMPLETED, "p", "m", "usage", usage(3, 4));
    add(3, EventTypes.RUN_COMPLETED);
    ObjectNode json = RunSummary.from(record, events).toPayload().toJsonNode();

    ObjectNode tooManyFailures = json.deepCopy();
    ((ObjectNode) tooManyFailures.get("by_model").get(0)).put("failed", 2);
    assertThatThrownBy(() -> RunSummary.fromJson(tooManyFailures))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("by_model.failed");
    ObjectNode noModel = json.deepCopy();
    ((ObjectNode) noModel.get("by_model").get(0)).remove("model");
    assertThatThrownBy(() -> RunSummary.fromJson(noModel))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("model");
    ObjectNode notAList = json.deepCopy();
    notAList.put("by_model", "many");
    assertThatThrownBy(() -> RunSummary.fromJson(notAList))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("by_model");
  }

  @Test
  void modelUsage_negativeCalls_isRefused() {
    assertThatThrownBy(
            () -> new RunSummary.ModelUsage("p", "m", -1, 0, TokenUsage.of(0, 0), BigDecimal.ONE))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("by_model.calls");
  }

  @Test
  void byModel_isImmutable() {
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    model(2, EventTypes.MODEL_GENERATION_COMPLETED, "p", "m");
    add(3, EventTypes.RUN_COMPLETED);
    RunSummary s = RunSummary.from(record, events);
    assertThatThrownBy(() -> s.byModel().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void from_noEventsOrGappedLog_isRefused() {
    assertThatThrownBy(() -> RunSummary.from(record, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("run.created");
    add(0, EventTypes.RUN_CREATED);
    add(1, EventTypes.RUN_STARTED);
    events.remove(0);
    assertThatThrownBy(() -> RunSummary.from(record, events))
        .isInstanceOf(StoreCorruptedException.class);
  }
}
