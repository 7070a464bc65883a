package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunSummary;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The summary a final event carries, with its split by model, whole and cut down. */
final class TerminalPayloadsTest {
  private final RunStore store = RunStores.open("memory:");

  @AfterEach
  void close() {
    store.close();
  }

  private RunRecord runWithTwoModels() {
    RunRecord record =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("w", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "t-1"))
                    .build())
            .record();
    store.append(record.id(), EventDraft.of("run.started", Map.of()));
    store.append(record.id(), EventDraft.of("step.started", Map.of()).withStep("a").withAttempt(1));
    for (String model : new String[] {"m-1", "m-2", "m-1"}) {
      store.append(
          record.id(),
          EventDraft.of(
                  "model.generation.completed",
                  Map.of(
                      "provider",
                      "acme",
                      "model",
                      model,
                      "usage",
                      Map.of("input_tokens", 10, "output_tokens", 2),
                      "cost",
                      new BigDecimal("0.25")))
              .withStep("a")
              .withAttempt(1));
    }
    return record;
  }

  @Test
  void of_writesTheSplitByModelIntoTheSummary() {
    RunRecord record = runWithTwoModels();
    TerminalPayloads terminals = new TerminalPayloads(store, Clock.systemUTC());

    JsonNode p =
        terminals
            .of(record, EventTypes.RUN_COMPLETED, Map.of(), Optional.empty(), false)
            .toJsonNode();

    RunSummary s = RunSummary.fromJson(p.get("summary"));
    assertThat(s.byModel())
        .extracting(RunSummary.ModelUsage::key, RunSummary.ModelUsage::calls)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("acme/m-1", 2L),
            org.assertj.core.groups.Tuple.tuple("acme/m-2", 1L));
    assertThat(s.byModel().get(0).usage()).isEqualTo(TokenUsage.of(20, 4));
    assertThat(s.byModel().get(0).cost()).isEqualByComparingTo("0.50");
    assertThat(p.has("summary_truncated")).isFalse();
  }

  @Test
  void of_reduced_dropsTheListsButKeepsTheSplitByModel() {
    RunRecord record = runWithTwoModels();
    TerminalPayloads terminals = new TerminalPayloads(store, Clock.systemUTC());

    JsonNode p =
        terminals
            .of(record, EventTypes.RUN_COMPLETED, Map.of(), Optional.empty(), true)
            .toJsonNode();

    assertThat(p.get("summary_truncated").asBoolean()).isTrue();
    RunSummary s = RunSummary.fromJson(p.get("summary"));
    assertThat(s.steps()).isEmpty();
    assertThat(s.byModel()).hasSize(2);
    assertThat(s.usage()).isEqualTo(TokenUsage.of(30, 6));
  }
}
