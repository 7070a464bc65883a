package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Subscribing: catch-up then live, slow subscribers, finished and unknown runs. The contract's
 * {@code Subscribing} group binds these tests to the store under test.
 */
abstract class RunStoreSubscribingKit extends RunStoreKit {
  RunStoreSubscribingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a subscriber gets the stored events, then live ones, then completion after the terminal"
          + " event")
  @Timeout(60)
  void subscribe_catchUpThenLive() throws Exception {
    RunId id = startedRun();
    store().append(id, List.of(line(1), line(2)));
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    store().subscribe(id, 1).subscribe(sub);
    sub.awaitCount(3, Duration.ofSeconds(30));
    store().append(id, line(3));
    store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    sub.awaitDone(Duration.ofSeconds(30));
    assertThat(sub.sequences()).containsExactly(2L, 3L, 4L, 5L, 6L);
    assertThat(sub.error()).isNull();
    assertThat(sub.completed()).isTrue();
  }

  @Test
  @DisplayName("a subscriber that requests nothing is ended with the sequence to resume after")
  @Timeout(60)
  void subscribe_slowSubscriber_endedWithResumeSequence() throws Exception {
    RunId id = startedRun();
    CollectingSubscriber sub = new CollectingSubscriber(1);
    store()
        .subscribe(id, 0, dev.runs.SubscribeOptions.defaults().withBufferSize(10))
        .subscribe(sub);
    sub.awaitCount(1, Duration.ofSeconds(30));
    for (int i = 0; i < 30; i++) {
      store().append(id, line(i));
    }
    sub.awaitDone(Duration.ofSeconds(30));
    assertThat(sub.error())
        .isInstanceOfSatisfying(
            dev.runs.SlowSubscriberException.class,
            e -> assertThat(e.lastDeliveredSequence()).isEqualTo(1));
    assertThat(all(store(), id)).hasSize(32);
  }

  @Test
  @DisplayName("subscribing after the terminal event of a finished run completes at once")
  @Timeout(60)
  void subscribe_afterEnd_completes() throws Exception {
    RunId id = startedRun();
    store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    store().subscribe(id, 3).subscribe(sub);
    sub.awaitDone(Duration.ofSeconds(30));
    assertThat(sub.sequences()).isEmpty();
    assertThat(sub.completed()).isTrue();
  }

  @Test
  @DisplayName("subscribing to an unknown run signals RunNotFoundException")
  @Timeout(60)
  void subscribe_unknownRun_errors() throws Exception {
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    store().subscribe(RunId.of("missing"), 0).subscribe(sub);
    sub.awaitDone(Duration.ofSeconds(30));
    assertThat(sub.error()).isInstanceOf(RunNotFoundException.class);
  }
}
