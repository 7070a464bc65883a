package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.ConfigSnapshot;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The same workflow started through the Java API and through HTTP writes the same event types. */
@Timeout(60)
final class RunsApiParityTest {
  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private List<String> typesOverHttp(RunId id) {
    List<String> types = new ArrayList<>();
    for (JsonNode e : f.http.get(Fixture.path(id) + "/events").json()) {
      types.add(e.path("type").asText());
    }
    return types;
  }

  private RunId startInJava(String workflow) {
    RunHandle h =
        f.orchestrator.start(
            RunRequest.builder()
                .workflow(workflow, "1")
                .namespace("acme/lab")
                .config(ConfigSnapshot.of(Map.of("inputs", Map.of("topic", "tides"))))
                .trigger(Trigger.of(TriggerSource.API, UUID.randomUUID().toString()))
                .build());
    return h.runId();
  }

  @Test
  void completedRun_sameEventTypesFromJavaAndHttp() {
    RunId viaJava = startInJava("research");
    RunId viaHttp = f.startRun("research");
    assertThat(f.awaitTerminal(viaJava)).isEqualTo(RunStatus.COMPLETED);
    assertThat(f.awaitTerminal(viaHttp)).isEqualTo(RunStatus.COMPLETED);
    List<String> java = typesOverHttp(viaJava);
    assertThat(java)
        .contains(
            "model.generation.completed",
            "tool.call.completed",
            "agent.handoff",
            "guardrail.checked",
            "artifact.created",
            "run.completed");
    assertThat(typesOverHttp(viaHttp)).isEqualTo(java);
    assertThat(f.orchestrator.events(viaHttp, 0, 1000).stream().map(e -> e.type().name()).toList())
        .isEqualTo(java);
  }

  @Test
  void failedThenResumedRun_sameEventTypesFromJavaAndHttp() {
    RunId viaJava = startInJava("flaky");
    RunId viaHttp = f.startRun("flaky");
    assertThat(f.awaitTerminal(viaJava)).isEqualTo(RunStatus.FAILED);
    assertThat(f.awaitTerminal(viaHttp)).isEqualTo(RunStatus.FAILED);
    f.orchestrator.resume(viaJava, Trigger.of(TriggerSource.API, UUID.randomUUID().toString()));
    assertThat(f.http.post(Fixture.path(viaHttp) + "/resume", Fixture.triggerBody()).status())
        .isEqualTo(200);
    assertThat(f.awaitTerminal(viaJava)).isEqualTo(RunStatus.COMPLETED);
    assertThat(f.awaitTerminal(viaHttp)).isEqualTo(RunStatus.COMPLETED);
    assertThat(typesOverHttp(viaHttp))
        .isEqualTo(typesOverHttp(viaJava))
        .contains("run.failed", "run.resumed");
  }
}
