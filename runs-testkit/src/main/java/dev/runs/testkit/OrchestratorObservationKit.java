package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventType;
import dev.runs.OrchestratorListener;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import dev.runs.WorkflowRef;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Summaries and observation: the stored summary matches a rebuilt one; listeners and subscribers.
 * The contract's {@code Observation} group binds these tests to the store under test.
 */
abstract class OrchestratorObservationKit extends OrchestratorKit {
  OrchestratorObservationKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("the summary in the final event matches a summary rebuilt from the events")
  void summary_matchesRebuild() throws Exception {
    RunOrchestrator o = orchestrator("three", threeSteps());
    RunHandle h = o.start(request("three").build());
    await(h);
    await(o.resume(h.runId(), trigger()));

    RunSummary stored = o.summary(h.runId()).orElseThrow();
    RunSummary rebuilt = RunSummary.from(o.get(h.runId()).orElseThrow(), events(h.runId()));
    assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(stored.countsByType()).isEqualTo(rebuilt.countsByType());
    assertThat(stored.steps()).isEqualTo(rebuilt.steps());
    assertThat(stored.errors()).isEqualTo(rebuilt.errors());
    assertThat(stored.output()).isEqualTo(rebuilt.output());
    assertThat(stored.step("c").orElseThrow().attempts()).isEqualTo(2);
    assertThat(stored.errors())
        .extracting(RunSummary.ErrorSummary::eventType)
        .containsExactly("step.failed", "run.failed");
  }

  @Test
  @DisplayName(
      "listeners see runs start and finish and every append; subscribers see the whole log")
  void listenerAndSubscription() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicInteger appends = new AtomicInteger();
    OrchestratorListener l =
        new OrchestratorListener() {
          @Override
          public void runStarted(RunId runId, WorkflowRef workflow, int attempt) {
            seen.add("started " + workflow + " #" + attempt);
          }

          @Override
          public void runFinished(RunId runId, RunStatus status, Duration duration) {
            seen.add("finished " + status.wireName());
          }

          @Override
          public void appended(RunId runId, EventType type, Duration latency) {
            appends.incrementAndGet();
          }
        };
    RunOrchestrator o =
        orchestrator(
            b ->
                b.listener(l)
                    .workflow(
                        "greeter", "1", ctx -> ctx.step("greet", String.class, () -> "hello")));
    RunHandle h = o.start(request("greeter").build());
    await(h);
    waitUntil("the listener saw the run finish", () -> seen.size() == 2);

    assertThat(seen).containsExactly("started greeter@1 #1", "finished completed");
    assertThat(appends.get()).isEqualTo(2);
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    o.subscribe(h.runId(), 0).subscribe(sub);
    sub.awaitDone(Duration.ofSeconds(30));
    assertThat(sub.events()).extracting(e -> e.type().name()).isEqualTo(types(h.runId()));
    assertThat(o.events(h.runId(), 2, 2)).extracting(RunEvent::sequence).containsExactly(3L, 4L);
    assertThat(o.workflows()).containsExactly(WorkflowRef.of("greeter", "1"));
  }
}
