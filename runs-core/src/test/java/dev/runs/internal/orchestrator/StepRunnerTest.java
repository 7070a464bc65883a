package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ReplayPoint;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reusing recorded step outputs on resume and replay: an output the store's redactor changed is
 * never handed back to the workflow; the step runs again and its {@code step.started} says why.
 */
final class StepRunnerTest {
  /** A page of a listing: {@code next_token} is a secret-like name the default redactor masks. */
  record Page(String nextToken, int n) {}

  /** A clean output, which the redactor leaves alone. */
  record Count(int n) {}

  private final RunStore store = RunStores.open("memory:");
  private final Map<String, AtomicInteger> ran = new ConcurrentHashMap<>();
  private final List<String> seenTokens = new CopyOnWriteArrayList<>();
  private final List<Optional<JsonNode>> recordedBeforeList = new CopyOnWriteArrayList<>();
  private final List<Optional<JsonNode>> recordedBeforeCount = new CopyOnWriteArrayList<>();
  private final RunOrchestrator orchestrator =
      RunOrchestrator.builder(store).workflow("paging", "1", paging()).build();

  @AfterEach
  void close() {
    orchestrator.close();
    store.close();
  }

  @Test
  void resume_stepWhoseOutputWasRedacted_runsAgainAndTheWorkflowSeesTheRealValue()
      throws Exception {
    RunHandle first = orchestrator.start(request());
    assertThat(await(first)).isEqualTo(RunStatus.FAILED);
    RunEvent redacted = completion(first.runId(), "list");
    assertThat(redacted.payload().toJsonNode().at("/output/next_token").asText())
        .isEqualTo("[REDACTED]");
    assertThat(redacted.payload().toJsonNode().get("output_redacted").booleanValue()).isTrue();
    assertThat(completion(first.runId(), "count").payload().get("output_redacted")).isEmpty();

    RunHandle resumed = orchestrator.resume(first.runId(), trigger());

    assertThat(await(resumed)).isEqualTo(RunStatus.COMPLETED);
    assertThat(seenTokens).containsExactly("abc", "abc");
    assertThat(ran("list")).isEqualTo(2);
    assertThat(ran("count")).isEqualTo(1);
    assertThat(recordedBeforeList.get(1)).isEmpty();
    assertThat(recordedBeforeCount.get(1))
        .hasValueSatisfying(n -> assertThat(n.get("n").asInt()).isEqualTo(1));
    List<RunEvent> starts = ofStep(first.runId(), "list", EventTypes.STEP_STARTED.name());
    assertThat(starts).extracting(e -> e.attempt().orElseThrow()).containsExactly(1, 2);
    assertThat(starts.get(0).payload().get("not_reused")).isEmpty();
    JsonNode why = starts.get(1).payload().get("not_reused").orElseThrow();
    assertThat(why.get("reason").asText()).isEqualTo("output_redacted");
    assertThat(why.get("run_id").asText()).isEqualTo(first.runId().value());
    assertThat(why.get("event_id").asText()).isEqualTo(redacted.eventId().value());
    assertThat(ofStep(first.runId(), "count", EventTypes.STEP_STARTED.name())).hasSize(1);
  }

  @Test
  void replay_stepWhoseOutputWasRedacted_runsAgain_andACleanOutputIsStillReused() throws Exception {
    RunHandle failed = orchestrator.start(request());
    await(failed);
    RunHandle source = orchestrator.resume(failed.runId(), trigger());
    assertThat(await(source)).isEqualTo(RunStatus.COMPLETED);
    // the checkpoint was saved once, in the first execution: only the first completion is before it
    RunEvent beforeCheckpoint =
        ofStep(source.runId(), "list", EventTypes.STEP_COMPLETED.name()).get(0);

    RunHandle replay =
        orchestrator.replay(source.runId(), ReplayPoint.checkpoint("paged"), trigger());

    assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
    assertThat(seenTokens).containsExactly("abc", "abc", "abc");
    assertThat(ran("list")).isEqualTo(3);
    assertThat(ran("count")).isEqualTo(1);
    RunEvent count = completion(replay.runId(), "count");
    assertThat(count.payload().toJsonNode().at("/reused_from/run_id").asText())
        .isEqualTo(source.runId().value());
    assertThat(count.payload().toJsonNode().at("/output/n").asInt()).isEqualTo(1);
    assertThat(ofStep(replay.runId(), "count", EventTypes.STEP_STARTED.name())).isEmpty();
    List<RunEvent> starts = ofStep(replay.runId(), "list", EventTypes.STEP_STARTED.name());
    assertThat(starts).hasSize(1);
    JsonNode why = starts.get(0).payload().get("not_reused").orElseThrow();
    assertThat(why.get("reason").asText()).isEqualTo("output_redacted");
    assertThat(why.get("run_id").asText()).isEqualTo(source.runId().value());
    assertThat(why.get("event_id").asText()).isEqualTo(beforeCheckpoint.eventId().value());
    assertThat(completion(replay.runId(), "list").payload().get("reused_from")).isEmpty();
  }

  // ---- fixtures --------------------------------------------------------------------------------

  /**
   * Lists a page (its token is masked in the log), counts, saves a checkpoint, then fails on the
   * first execution only; the test records the token each execution goes on with.
   */
  private Workflow paging() {
    return ctx -> {
      recordedBeforeList.add(ctx.recordedOutput("list"));
      recordedBeforeCount.add(ctx.recordedOutput("count"));
      Page page =
          ctx.step(
              "list",
              Page.class,
              () -> {
                ran.computeIfAbsent("list", k -> new AtomicInteger()).incrementAndGet();
                return new Page("abc", 1);
              });
      Count count =
          ctx.step(
              "count",
              Count.class,
              () -> {
                ran.computeIfAbsent("count", k -> new AtomicInteger()).incrementAndGet();
                return new Count(page.n());
              });
      ctx.checkpoint("paged");
      seenTokens.add(page.nextToken());
      if (ctx.attempt() == 1 && ctx.record().lineage().isEmpty()) {
        throw new IllegalStateException("first execution fails after paging");
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("n", count.n());
      return out;
    };
  }

  private int ran(String step) {
    AtomicInteger n = ran.get(step);
    return n == null ? 0 : n.get();
  }

  private static RunRequest request() {
    return RunRequest.builder().workflow("paging", "1").trigger(trigger()).build();
  }

  private static Trigger trigger() {
    return Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID());
  }

  private static RunStatus await(RunHandle h) throws Exception {
    return h.completion().get(30, TimeUnit.SECONDS);
  }

  /** The latest {@code step.completed} of a step. */
  private RunEvent completion(RunId run, String step) {
    List<RunEvent> all = ofStep(run, step, EventTypes.STEP_COMPLETED.name());
    assertThat(all).as("step.completed of " + step).isNotEmpty();
    return all.get(all.size() - 1);
  }

  private List<RunEvent> ofStep(RunId run, String step, String type) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(run, 0)) {
      s.forEachRemaining(
          e -> {
            if (e.type().name().equals(type) && e.stepId().filter(step::equals).isPresent()) {
              out.add(e);
            }
          });
    }
    return out;
  }
}
