package dev.runs.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.ModelGeneration;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.ToolCall;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.tck.MeterRegistryAssert;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class RunsMetricsTest {
  private final RunStore store = RunStores.open("memory:");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() {
    store.close();
  }

  /** Runs one agent workflow: a step with a model call and a tool call, and a failing step. */
  private RunStatus runDemo(RunsMetrics metrics, String workflow, String triggerId) {
    try (RunOrchestrator runs =
        RunOrchestrator.builder(store)
            .listener(metrics)
            .workflow(
                workflow,
                "1",
                ctx -> {
                  ctx.step(
                      "plan",
                      String.class,
                      () -> {
                        ModelGeneration gen = ctx.model("openai", "gpt-4o").started();
                        gen.completed(
                            gen.completion()
                                .usage(100, 20)
                                .cost(new BigDecimal("0.25"))
                                .latencyMs(1500)
                                .build());
                        ToolCall tool = ctx.toolCall("search", "1", Map.of("q", "x"));
                        tool.completed(Map.of("hits", 3));
                        return "ok";
                      });
                  return ctx.step("write", String.class, () -> "done");
                })
            .build()) {
      RunHandle h =
          runs.start(
              RunRequest.builder()
                  .workflow(workflow, "1")
                  .config(ConfigSnapshot.empty())
                  .trigger(Trigger.of(TriggerSource.TEST, triggerId))
                  .build());
      return h.completion().join();
    }
  }

  @Test
  void bindTo_demoRun_recordsRunStepGenAiAndStoreMeters() {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    assertThat(runDemo(metrics, "research", "t-1")).isEqualTo(RunStatus.COMPLETED);
    metrics.close();

    MeterRegistryAssert.assertThat(registry)
        .hasMeterWithNameAndTags("runs.started", Tags.of("workflow", "research"))
        .hasMeterWithNameAndTags(
            "runs.ended", Tags.of("workflow", "research", "status", "completed"))
        .hasTimerWithNameAndTags(
            "runs.run.duration", Tags.of("workflow", "research", "status", "completed"))
        .hasTimerWithNameAndTags("runs.step.duration", Tags.of("outcome", "success"))
        .hasTimerWithNameAndTags("runs.append.latency", Tags.of("family", "step"))
        .hasMeterWithNameAndTags("runs.events.appended", Tags.of("family", "model"))
        .hasMeterWithName("runs.store.commit.batch.size")
        .hasTimerWithName("runs.store.commit.latency")
        .hasTimerWithNameAndTags(
            "gen_ai.client.operation.duration",
            Tags.of(
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "error.type", "none"))
        .hasTimerWithNameAndTags(
            "gen_ai.client.operation.duration",
            Tags.of("gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "search"));
    assertThat(registry.get("runs.step.duration").timer().count()).isEqualTo(2);
    assertThat(registry.get("runs.active").gauge().value()).isZero();
    assertThat(
            registry
                .get("gen_ai.client.token.usage")
                .tag("gen_ai.token.type", "input")
                .summary()
                .totalAmount())
        .isEqualTo(100);
    assertThat(
            registry
                .get("gen_ai.client.token.usage")
                .tag("gen_ai.token.type", "output")
                .summary()
                .totalAmount())
        .isEqualTo(20);
    assertThat(
            registry
                .get("gen_ai.client.operation.duration")
                .tag("gen_ai.operation.name", "chat")
                .timer()
                .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isEqualTo(1500);
    assertThat(registry.get("runs.model.cost").counter().count()).isEqualTo(0.25);
    dev.runs.RunId id = store.list(dev.runs.RunQuery.all()).runs().get(0).record().id();
    long runEvents =
        store.read(id, 1, 1000).stream().filter(e -> e.type().name().startsWith("run.")).count();
    assertThat(registry.get("runs.events.appended").tag("family", "run").counter().count())
        .as("every run.* event after run.created (which the store writes on create)")
        .isEqualTo((double) runEvents);
  }

  @Test
  void tags_neverHoldRunIds_andStayBounded() {
    RunsMetrics metrics = RunsMetrics.builder(store).maxTagValues(2).build();
    metrics.bindTo(registry);
    for (int i = 0; i < 4; i++) {
      runDemo(metrics, "wf-" + i, "t-" + i);
    }
    metrics.close();
    assertThat(
            registry.find("runs.started").counters().stream()
                .map(c -> c.getId().getTag("workflow"))
                .sorted())
        .containsExactly("other", "wf-0", "wf-1");
    assertThat(registry.get("runs.started").tag("workflow", "other").counter().count())
        .isEqualTo(2);
    for (Meter m : registry.getMeters()) {
      for (io.micrometer.core.instrument.Tag t : m.getId().getTags()) {
        assertThat(t.getKey()).isNotIn("run.id", "run_id", "runId");
        assertThat(t.getValue()).doesNotContain("-7"); // UUIDv7 run ids have version digit 7
      }
    }
  }

  @Test
  void observations_runAndStep_areObservedWithTheStepUnderTheRun() {
    List<String> seen = new CopyOnWriteArrayList<>();
    ObservationRegistry observations = ObservationRegistry.create();
    observations
        .observationConfig()
        .observationHandler(
            new ObservationHandler<Observation.Context>() {
              @Override
              public void onStart(Observation.Context c) {
                Observation.ContextView parent =
                    c.getParentObservation() == null
                        ? null
                        : c.getParentObservation().getContextView();
                seen.add(
                    "start "
                        + c.getName()
                        + " "
                        + c.getContextualName()
                        + (parent == null ? "" : " under " + parent.getName()));
              }

              @Override
              public void onStop(Observation.Context c) {
                seen.add(
                    "stop "
                        + c.getName()
                        + " "
                        + c.getLowCardinalityKeyValues().stream()
                            .map(kv -> kv.getKey() + "=" + kv.getValue())
                            .sorted()
                            .toList());
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return true;
              }
            });
    RunsMetrics metrics = RunsMetrics.builder(store).observations(observations).build();
    metrics.bindTo(registry);
    runDemo(metrics, "research", "t-obs");
    metrics.close();
    assertThat(seen)
        .containsExactly(
            "start runs.run run research",
            "start runs.step step plan under runs.run",
            "stop runs.step [outcome=success, workflow=research]",
            "start runs.step step write under runs.run",
            "stop runs.step [outcome=success, workflow=research]",
            "stop runs.run [status=completed, workflow=research]");
  }

  @Test
  void jfr_recording_holdsRunStepModelCallAndCommitEvents(@TempDir Path dir) throws Exception {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    Path file = dir.resolve("runs.jfr");
    try (Recording recording = new Recording()) {
      for (String name :
          List.of("dev.runs.Run", "dev.runs.Step", "dev.runs.ModelCall", "dev.runs.Commit")) {
        recording.enable(name).withThreshold(Duration.ZERO);
      }
      recording.start();
      runDemo(metrics, "research", "t-jfr");
      recording.stop();
      recording.dump(file);
    }
    metrics.close();
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    Map<String, List<RecordedEvent>> byType =
        events.stream()
            .collect(java.util.stream.Collectors.groupingBy(e -> e.getEventType().getName()));
    assertThat(byType.get("dev.runs.Run"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getString("workflow")).isEqualTo("research");
              assertThat(e.getString("status")).isEqualTo("completed");
              assertThat(e.getInt("execution")).isEqualTo(1);
            });
    assertThat(byType.get("dev.runs.Step"))
        .extracting(e -> e.getString("stepId"))
        .containsExactly("plan", "write");
    assertThat(byType.get("dev.runs.ModelCall"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getString("model")).isEqualTo("gpt-4o");
              assertThat(e.getLong("inputTokens")).isEqualTo(100);
              assertThat(e.getLong("outputTokens")).isEqualTo(20);
            });
    assertThat(byType.get("dev.runs.Commit")).isNotEmpty();
    assertThat(byType.get("dev.runs.Commit").stream().mapToInt(e -> e.getInt("events")).sum())
        .as("every appended event is in exactly one commit")
        .isEqualTo(
            store
                    .read(store.list(dev.runs.RunQuery.all()).runs().get(0).record().id(), 0, 1000)
                    .size()
                - 1);
  }

  @Test
  void bindTo_twice_throws_andBuilderRejectsBadBounds() {
    RunsMetrics metrics = RunsMetrics.builder(store).build();
    metrics.bindTo(registry);
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bound");
    assertThatThrownBy(() -> RunsMetrics.builder(store).maxTagValues(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTagValues");
    metrics.close();
  }
}
