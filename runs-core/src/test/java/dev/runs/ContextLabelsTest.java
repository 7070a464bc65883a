package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.spi.ContextLabels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link ContextLabels}: labels of the starting thread's context on every run an orchestrator
 * creates.
 */
final class ContextLabelsTest {
  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  /** Labels held per thread, as a tracing context is. */
  private static final ThreadLocal<Map<String, String>> CONTEXT =
      ThreadLocal.withInitial(HashMap::new);

  private static final ContextLabels FROM_THREAD = () -> CONTEXT.get();

  private static RunRecord start(List<ContextLabels> sources, RunRequest.Builder request) {
    try (RunStore store = RunStores.open("memory:");
        RunOrchestrator o =
            RunOrchestrator.builder(store)
                .workflow("w", "1", ctx -> "done")
                .contextLabels(sources)
                .build()) {
      RunHandle h = o.start(request.workflow("w", "1").build());
      assertThat(h.completion().join()).isEqualTo(RunStatus.COMPLETED);
      return store.get(h.runId()).orElseThrow();
    } finally {
      CONTEXT.remove();
    }
  }

  private static RunRequest.Builder request(String trigger) {
    return RunRequest.builder().trigger(Trigger.of(TriggerSource.TEST, trigger));
  }

  @Test
  void theStartingThreadsLabels_areOnTheRecord() {
    CONTEXT.get().put(RunRecord.TRACEPARENT_LABEL, TRACEPARENT);
    CONTEXT.get().put("tenant", "acme");
    RunRecord r = start(List.of(FROM_THREAD), request("t-1"));
    assertThat(r.traceparent()).contains(TRACEPARENT);
    assertThat(r.labels()).containsEntry("tenant", "acme");
  }

  @Test
  void aLabelTheRequestNames_isNeverReplaced() {
    CONTEXT.get().put("tenant", "from-context");
    RunRecord r = start(List.of(FROM_THREAD), request("t-2").label("tenant", "from-request"));
    assertThat(r.labels()).containsEntry("tenant", "from-request");
  }

  @Test
  void anEarlierSourceWins_overALaterOneForTheSameKey() {
    RunRecord r =
        start(
            List.of(() -> Map.of("tenant", "first"), () -> Map.of("tenant", "second", "b", "2")),
            request("t-3"));
    assertThat(r.labels()).containsEntry("tenant", "first").containsEntry("b", "2");
  }

  @Test
  void labelsTheRecordRefuses_areLeftOut_andTheRunStillStarts() {
    RunRecord r =
        start(
            List.of(
                () -> Map.of(RunRecord.TRACEPARENT_LABEL, "not-a-traceparent"),
                () -> Map.of("Bad Key", "x"),
                () -> Map.of("long", "v".repeat(501)),
                () -> Map.of("ok", "yes")),
            request("t-4"));
    assertThat(r.labels()).containsOnlyKeys("ok");
  }

  @Test
  void aSourceThatThrowsOrReturnsNull_isSkipped_andTheOthersApply() {
    ContextLabels throwing =
        () -> {
          throw new IllegalStateException("no context here");
        };
    Map<String, String> withNull = new HashMap<>();
    withNull.put("k", null);
    RunRecord r =
        start(List.of(throwing, () -> withNull, () -> Map.of("ok", "yes")), request("t-5"));
    assertThat(r.labels()).containsOnlyKeys("ok");
  }

  @Test
  void labelsBeyondTheLimit_areLeftOut() {
    RunRequest.Builder req = request("t-6");
    for (int i = 0; i < RunRecord.MAX_LABELS - 1; i++) {
      req.label("r" + i, "v");
    }
    // Map.of iterates in an order that changes from one JVM to the next; the smaller key wins
    RunRecord r =
        start(List.of(() -> Map.of("c3", "v", "c1", "v", "c2", "v"), () -> Map.of("b", "v")), req);
    assertThat(r.labels()).hasSize(RunRecord.MAX_LABELS);
    assertThat(r.labels()).containsEntry("c1", "v").doesNotContainKeys("c2", "c3", "b");
  }

  @Test
  void noSources_addNothing_andSourcesAreAskedOncePerRun_onTheStartingThread() {
    assertThat(start(List.of(), request("t-7")).labels()).isEmpty();
    AtomicInteger calls = new AtomicInteger();
    List<String> threads = new ArrayList<>();
    ContextLabels counting =
        () -> {
          calls.incrementAndGet();
          threads.add(Thread.currentThread().getName());
          return Map.of();
        };
    start(List.of(counting), request("t-8"));
    assertThat(calls).hasValue(1);
    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void aRerun_takesTheLabelsOfTheThreadThatStartsIt_besideThoseItInherits() {
    try (RunStore store = RunStores.open("memory:");
        RunOrchestrator o =
            RunOrchestrator.builder(store)
                .workflow("w", "1", ctx -> "done")
                .contextLabels(List.of(FROM_THREAD))
                .build()) {
      CONTEXT.get().put("first", "1");
      RunHandle h = o.start(request("t-9").workflow("w", "1").build());
      h.completion().join();
      CONTEXT.get().clear();
      CONTEXT.get().put("second", "2");
      RunHandle again = o.rerun(h.runId(), Map.of(), Trigger.of(TriggerSource.TEST, "t-9-rerun"));
      again.completion().join();
      assertThat(store.get(again.runId()).orElseThrow().labels())
          .containsEntry("first", "1")
          .containsEntry("second", "2");
    } finally {
      CONTEXT.remove();
    }
  }
}
