package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.testkit.OrchestratorContract.Scored;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Other emitters: decisions, custom and typed payloads, tool call handles that end once. The
 * contract's {@code OtherEmitters} group binds these tests to the store under test.
 */
abstract class OrchestratorOtherEmittersKit extends OrchestratorKit {
  OrchestratorOtherEmittersKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("decisions, custom and typed payloads, and a tool call handle that ends once")
  void decisionsCustomTypedAndToolHandles() throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    RunOrchestrator o =
        orchestrator(
            "misc",
            ctx -> {
              ctx.decision("route", "fast", "the question is short");
              ctx.custom("x.kit.note", Map.of("text", "hello"));
              ctx.emit(new Scored("b", 7));
              dev.runs.ToolCall call = ctx.toolCall("calc", "1", List.of(1, 2));
              call.completed(3);
              try {
                call.failed(new IllegalStateException("late"));
              } catch (IllegalStateException e) {
                errors.add(e);
              }
              return null;
            });
    RunHandle h = o.start(request("misc").build());

    assertThat(await(h)).isEqualTo(RunStatus.COMPLETED);
    assertThat(types(h.runId()))
        .containsExactly(
            "run.created",
            "run.queued",
            "run.started",
            "decision.recorded",
            "x.kit.note",
            "x.kit.scored",
            "tool.call.started",
            "tool.call.completed",
            "run.completed");
    List<RunEvent> ev = events(h.runId());
    assertThat(ev.get(3).payload().text("rationale")).contains("the question is short");
    assertThat(ev.get(5).payload().toJsonNode().get("score").asInt()).isEqualTo(7);
    assertThat(ev.get(7).parentEventId()).contains(ev.get(6).eventId());
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0)).hasMessageContaining("already ended");
  }
}
