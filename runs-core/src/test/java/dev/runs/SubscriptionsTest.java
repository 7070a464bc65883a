package dev.runs;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class SubscriptionsTest {

  @Test
  @Timeout(60)
  void iterate_blocksForLiveEvents_andEndsAfterTerminal() throws Exception {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 1000; i++) {
                  store.append(id, line(i));
                }
                store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
              });
      List<Long> seqs = new ArrayList<>();
      try (EventStream events = Subscriptions.iterate(store.subscribe(id, 0), 7)) {
        while (events.hasNext()) {
          seqs.add(events.next().sequence());
        }
      }
      writer.get(30, TimeUnit.SECONDS);
      assertThat(seqs).hasSize(1003).startsWith(1L, 2L, 3L).endsWith(1003L).isSorted();
    }
  }

  @Test
  @Timeout(60)
  void iterate_throwsTheErrorThatEndedTheStream() {
    try (RunStore store = RunStores.memory()) {
      try (EventStream events = Subscriptions.iterate(store.subscribe(RunId.of("missing"), 0))) {
        assertThatThrownBy(events::hasNext).isInstanceOf(RunNotFoundException.class);
      }
    }
  }

  @Test
  @Timeout(60)
  void forEach_deliversEveryEvent_thenEnd() throws Exception {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      List<Long> seqs = new CopyOnWriteArrayList<>();
      CompletableFuture<Throwable> end = new CompletableFuture<>();
      RunStore.Registration handle =
          Subscriptions.forEach(
              store.subscribe(id, 0), e -> seqs.add(e.sequence()), t -> end.complete(t));
      try {
        store.append(id, line(1));
        store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
        assertThat(end.get(30, TimeUnit.SECONDS)).isNull();
      } finally {
        handle.close();
      }
      assertThat(seqs).containsExactly(1L, 2L, 3L, 4L);
    }
  }

  @Test
  @Timeout(60)
  void followResumed_followsAResumedRun_andEndsAtCompleted() {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      store.append(
          id, EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"x\"}}")));
      List<String> types = new ArrayList<>();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                store.append(id, List.of(EventDraft.of(EventTypes.RUN_RESUMED), line(1)));
                store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
              });
      try (EventStream events =
          Subscriptions.iterate(
              store.subscribe(id, 0, SubscribeOptions.defaults().withFollowResumed(true)))) {
        while (events.hasNext()) {
          types.add(events.next().type().name());
        }
      }
      writer.join();
      assertThat(types)
          .containsExactly(
              "run.created",
              "run.started",
              "run.failed",
              "run.resumed",
              "console.line",
              "run.completed");
      try (EventStream after =
          Subscriptions.iterate(
              store.subscribe(id, 6, SubscribeOptions.defaults().withFollowResumed(true)))) {
        assertThat(after.hasNext()).isFalse();
      }
    }
  }

  @Test
  void iterate_rejectsBadPrefetch() {
    try (RunStore store = RunStores.memory()) {
      assertThatThrownBy(() -> Subscriptions.iterate(store.subscribe(RunId.of("x"), 0), 0))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
