package dev.runs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.Redactor;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.ValidationException;
import dev.runs.testsupport.TestRuns;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The append path's marking of redacted step outputs: a {@code step.completed} whose {@code output}
 * the redactor changed is stored with {@code "output_redacted": true}, and only then.
 */
final class DefaultRunStoreTest {

  @Test
  void append_stepCompletedWhoseOutputTheRedactorMasks_isMarkedOutputRedacted() {
    try (RunStore store = RunStores.open("memory:")) {
      RunId run = TestRuns.startedRun(store);

      RunEvent e = store.append(run, completed(Map.of("next_token", "abc", "n", 1)));

      JsonNode p = e.payload().toJsonNode();
      assertThat(p.at("/output/next_token").asText()).isEqualTo(Redactor.MASK);
      assertThat(p.at("/output/n").asInt()).isEqualTo(1);
      assertThat(p.get("output_redacted").booleanValue()).isTrue();
      assertThat(store.read(run, e.sequence() - 1, 1).get(0).payload()).isEqualTo(e.payload());
    }
  }

  @Test
  void append_stepCompletedWithCleanOutput_isNotMarked_evenWhenAnotherFieldIsMasked() {
    try (RunStore store = RunStores.open("memory:")) {
      RunId run = TestRuns.startedRun(store);
      Map<String, Object> p =
          Map.of(
              "output",
              Map.of("n", 1, "max_tokens", 512),
              "output_ref",
              "https://example.org/out?auth=Bearer abcdefghijklmnop");

      RunEvent clean = store.append(run, completed(Map.of("n", 1)));
      RunEvent refMasked =
          store.append(
              run,
              EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(p))
                  .withStep("ref")
                  .withAttempt(1));

      assertThat(clean.payload().get("output_redacted")).isEmpty();
      assertThat(refMasked.payload().text("output_ref").orElseThrow()).contains(Redactor.MASK);
      assertThat(refMasked.payload().get("output_redacted")).isEmpty();
    }
  }

  @Test
  void append_redactorReturningAnEqualCopy_doesNotMark_andOneChangingTheOutputDoes() {
    Redactor copying = payload -> Payload.of(payload.json());
    Redactor dropping =
        payload -> {
          var tree = payload.toJsonNode();
          tree.remove("output");
          return Payload.of(tree);
        };
    try (RunStore a =
            RunStores.open("memory:", RunStoreOptions.builder().redactor(copying).build());
        RunStore b =
            RunStores.open("memory:", RunStoreOptions.builder().redactor(dropping).build())) {
      RunEvent kept = a.append(TestRuns.startedRun(a), completed(Map.of("n", 1)));
      RunEvent dropped = b.append(TestRuns.startedRun(b), completed(Map.of("n", 1)));

      assertThat(kept.payload().get("output_redacted")).isEmpty();
      assertThat(dropped.payload().get("output")).isEmpty();
      assertThat(dropped.payload().get("output_redacted").orElseThrow().booleanValue()).isTrue();
    }
  }

  @Test
  void append_outputRedactedThatIsNotABoolean_isRefusedNamingTheField() {
    try (RunStore store = RunStores.open("memory:")) {
      RunId run = TestRuns.startedRun(store);
      long before = store.state(run).lastSequence();
      EventDraft bad =
          EventDraft.of(
                  EventTypes.STEP_COMPLETED,
                  Payload.of(Map.of("output", 1, "output_redacted", "yes")))
              .withStep("s")
              .withAttempt(1);

      assertThatThrownBy(() -> store.append(run, bad))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("output_redacted");
      assertThat(store.state(run).lastSequence()).isEqualTo(before);
    }
  }

  private static EventDraft completed(Map<String, ?> output) {
    return EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of(Map.of("output", output)))
        .withStep("list")
        .withAttempt(1);
  }
}
