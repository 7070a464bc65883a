package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.payload.ErrorInfo;
import dev.runs.payload.TokenUsage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;

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
