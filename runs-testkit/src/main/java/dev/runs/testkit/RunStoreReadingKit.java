package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.ValidationException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reading events: paging, bounded memory, the folded state. The contract's {@code Reading} group
 * binds these tests to the store under test.
 */
abstract class RunStoreReadingKit extends RunStoreKit {
  RunStoreReadingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("reads start after the given sequence and pages stop at the limit")
  void read_afterAndLimit() {
    RunId id = startedRun();
    for (int i = 0; i < 10; i++) {
      store().append(id, line(i));
    }
    assertThat(store().read(id, 5, 3)).extracting(RunEvent::sequence).containsExactly(6L, 7L, 8L);
    assertThat(store().read(id, 12, 10)).isEmpty();
    try (EventStream s = store().read(id, 10)) {
      assertThat(s.stream().map(RunEvent::sequence)).containsExactly(11L, 12L);
    }
    assertThatThrownBy(() -> store().read(id, -1)).isInstanceOf(ValidationException.class);
  }

  @Test
  @DisplayName("reading 100,000 events streams in bounded memory")
  @Timeout(300)
  void read_100kEvents_boundedMemory() {
    RunId id = startedRun();
    String text = "y".repeat(900);
    int total = 100_000;
    List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
    for (int i = 0; i < total; i += 1000) {
      List<EventDraft> batch = new ArrayList<>(1000);
      for (int j = 0; j < 1000; j++) {
        batch.add(
            EventDraft.of(
                EventTypes.CONSOLE_LINE,
                Payload.of(Map.of("stream", "stdout", "text", text, "n", i + j))));
      }
      pending.add(store().appendAsync(id, batch, ExpectedSequence.any()));
    }
    for (CompletableFuture<List<RunEvent>> f : pending) {
      f.join();
    }
    pending.clear();

    long heapAtTenth = 0;
    long expected = 1;
    try (EventStream s = store().read(id, 0)) {
      while (s.hasNext()) {
        RunEvent e = s.next();
        assertThat(e.sequence()).isEqualTo(expected);
        expected++;
        if (expected == 10_000) {
          heapAtTenth = usedHeapAfterGc();
        }
      }
      long heapAtEnd = usedHeapAfterGc();
      // holding 90,000 read events of ~1 KB would take well over 90 MB
      assertThat(heapAtEnd - heapAtTenth)
          .as("heap growth while reading")
          .isLessThan(48L * 1024 * 1024);
    }
    assertThat(expected - 1).isEqualTo(total + 2);
  }

  private long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  @DisplayName("the fold of the events gives status, steps, usage and counts")
  void state_foldsEvents() {
    RunId id = startedRun();
    store()
        .append(
            id,
            List.of(
                EventDraft.of(EventTypes.STEP_STARTED).withStep("plan").withAttempt(1),
                EventDraft.of(
                    EventTypes.MODEL_GENERATION_COMPLETED,
                    Payload.of(
                        "{\"provider\":\"acme\",\"model\":\"m-1\","
                            + "\"usage\":{\"input_tokens\":100,\"output_tokens\":20},"
                            + "\"cost\":0.25}")),
                EventDraft.of(
                        EventTypes.STEP_COMPLETED, Payload.of("{\"output\":{\"plan\":[1,2]}}"))
                    .withStep("plan")
                    .withAttempt(1),
                EventDraft.of(
                    EventTypes.CHECKPOINT_SAVED, Payload.of("{\"checkpoint_id\":\"after-plan\"}")),
                EventDraft.of(EventTypes.RUN_COMPLETED)));

    RunState s = store().state(id);
    assertThat(s.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(s.lastSequence()).isEqualTo(7);
    assertThat(s.step("plan").orElseThrow().isCompleted()).isTrue();
    assertThat(
            s.step("plan")
                .orElseThrow()
                .completion()
                .orElseThrow()
                .payload()
                .get("output")
                .orElseThrow()
                .get("plan")
                .size())
        .isEqualTo(2);
    assertThat(s.usage().inputTokens()).isEqualTo(100);
    assertThat(s.usage().outputTokens()).isEqualTo(20);
    assertThat(s.cost()).isEqualByComparingTo("0.25");
    assertThat(s.checkpoints()).containsEntry("after-plan", 6L);
    assertThat(s.count(EventTypes.STEP_STARTED)).isEqualTo(1);
    assertThat(store().verify(id).ok()).isTrue();
  }
}
