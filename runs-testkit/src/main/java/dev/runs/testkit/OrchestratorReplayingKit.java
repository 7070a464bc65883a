package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigDiff;
import dev.runs.ConfigOverride;
import dev.runs.ConfigSnapshot;
import dev.runs.EventTypes;
import dev.runs.Lineage;
import dev.runs.ReplayPoint;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.SnapshotMismatchException;
import dev.runs.UnknownConfigPathException;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Replaying and rerunning: replays from a checkpoint, a step or the start, tampered snapshots,
 * reruns with their config diff. The contract's {@code Replaying} group binds these tests to the
 * store under test.
 */
abstract class OrchestratorReplayingKit extends OrchestratorKit {
  OrchestratorReplayingKit(OrchestratorContract contract) {
    super(contract);
  }

  @Test
  @DisplayName(
      "a replay from a checkpoint reuses earlier outputs, runs later steps, with lineage and the"
          + " same config hash")
  void replay_fromCheckpoint_reusesEarlierSteps() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    assertThat(await(src)).isEqualTo(RunStatus.COMPLETED);

    RunHandle replay = o.replay(src.runId(), ReplayPoint.checkpoint("mid"), trigger());

    assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
    assertThat(replay.runId()).isNotEqualTo(src.runId());
    assertThat(count("s1")).isEqualTo(1);
    assertThat(count("s2")).isEqualTo(1);
    assertThat(count("s3")).isEqualTo(2);
    assertThat(count("s4")).isEqualTo(2);
    RunRecord r = o.get(replay.runId()).orElseThrow();
    Lineage l = r.lineage().orElseThrow();
    assertThat(l.parentRunId()).isEqualTo(src.runId());
    assertThat(l.relation()).isEqualTo(Lineage.Relation.REPLAY);
    assertThat(l.sourceCheckpoint()).contains("checkpoint:mid");
    assertThat(r.config().sha256()).isEqualTo(o.get(src.runId()).orElseThrow().config().sha256());
    assertThat(events(replay.runId()).get(0).payload().text("config_sha256"))
        .contains(r.config().sha256());
    List<RunEvent> reused =
        ofType(replay.runId(), EventTypes.STEP_COMPLETED).stream()
            .filter(e -> e.payload().get("reused_from").isPresent())
            .toList();
    assertThat(reused).extracting(e -> e.stepId().orElseThrow()).containsExactly("s1", "s2");
    assertThat(reused.get(0).payload().toJsonNode().at("/reused_from/run_id").asText())
        .isEqualTo(src.runId().value());
    assertThat(ofType(replay.runId(), EventTypes.STEP_STARTED))
        .extracting(e -> e.stepId().orElseThrow())
        .containsExactly("s3", "s4");
    assertThat(o.summary(replay.runId()).orElseThrow().output().orElseThrow().asInt()).isEqualTo(4);
    assertThat(o.summary(replay.runId()).orElseThrow().step("s1").orElseThrow().reused()).isTrue();
  }

  @Test
  @DisplayName(
      "a replay runs a step whose recorded output the redactor masked, says why in its"
          + " step.started, and still reuses clean outputs")
  void replay_redactedOutput_runsStepAgain() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    RunOrchestrator o = orchestrator("paging", paging(seen));
    RunHandle src = o.start(request("paging").build());
    await(src);

    RunHandle replay = o.replay(src.runId(), ReplayPoint.checkpoint("paged"), trigger());

    assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
    assertThat(seen).containsExactly("abc", "abc");
    assertThat(count("list")).isEqualTo(2);
    assertThat(count("count")).isEqualTo(1);
    List<RunEvent> started = ofType(replay.runId(), EventTypes.STEP_STARTED);
    assertThat(started).extracting(e -> e.stepId().orElseThrow()).containsExactly("list");
    assertThat(started.get(0).payload().toJsonNode().at("/not_reused/run_id").asText())
        .isEqualTo(src.runId().value());
    assertThat(
            ofType(replay.runId(), EventTypes.STEP_COMPLETED).stream()
                .filter(e -> e.payload().get("reused_from").isPresent())
                .map(e -> e.stepId().orElseThrow()))
        .containsExactly("count");
  }

  @Test
  @DisplayName("a replay from a step id reuses the steps completed before it first started")
  void replay_fromStep_reusesEarlierSteps() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    await(src);

    RunHandle replay = o.replay(src.runId(), ReplayPoint.step("s3"), trigger());

    assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
    assertThat(count("s2")).isEqualTo(1);
    assertThat(count("s3")).isEqualTo(2);
    assertThat(o.get(replay.runId()).orElseThrow().lineage().orElseThrow().sourceCheckpoint())
        .contains("step:s3");
  }

  @Test
  @DisplayName(
      "a replay from the start reuses nothing; an unknown checkpoint or step is refused and creates"
          + " nothing")
  void replay_fromStartAndUnknownPoints() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    await(src);

    RunHandle replay = o.replay(src.runId(), ReplayPoint.start(), trigger());
    assertThat(await(replay)).isEqualTo(RunStatus.COMPLETED);
    assertThat(count("s1")).isEqualTo(2);
    assertThat(count("s4")).isEqualTo(2);

    assertThatThrownBy(() -> o.replay(src.runId(), ReplayPoint.checkpoint("nope"), trigger()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("nope")
        .hasMessageContaining("mid");
    assertThatThrownBy(() -> o.replay(src.runId(), ReplayPoint.step("s9"), trigger()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("s9");
    assertThat(store().list(RunQuery.all()).runs()).hasSize(2);
  }

  @Test
  @DisplayName("a replay of a run whose snapshot no longer matches its run.created hash is refused")
  void replay_tamperedSnapshot_isRefused() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    await(src);
    RunStore tampering =
        tamperedConfigs(store(), ConfigSnapshot.parse("{\"model\":{\"name\":\"other\"}}"));
    RunOrchestrator onTampered =
        RunOrchestrator.builder(tampering)
            .clock(clock())
            .instanceId("tampered")
            .workflow("cp", "1", checkpointed())
            .build();
    orchestrators().add(onTampered);

    assertThatThrownBy(() -> onTampered.replay(src.runId(), ReplayPoint.start(), trigger()))
        .isInstanceOf(SnapshotMismatchException.class)
        .hasMessageContaining(src.runId().value())
        .hasMessageContaining("changed after creation");
    assertThat(store().list(RunQuery.all()).runs()).hasSize(1);
  }

  @Test
  @DisplayName("a rerun applies the overrides and records the diff with old and new values")
  void rerun_recordsDiff() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    await(src);
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("/model/params/temperature", 0.9);
    overrides.put("/policy/max_steps", null);
    List<ConfigOverride> all = new ArrayList<>(ConfigOverride.fromMap(overrides));
    all.add(ConfigOverride.add("/inputs/extra", "x"));

    RunHandle rerun = o.rerun(src.runId(), all, trigger());

    assertThat(await(rerun)).isEqualTo(RunStatus.COMPLETED);
    assertThat(count("s1")).isEqualTo(2);
    RunRecord r = o.get(rerun.runId()).orElseThrow();
    Lineage l = r.lineage().orElseThrow();
    assertThat(l.relation()).isEqualTo(Lineage.Relation.RERUN);
    assertThat(l.parentRunId()).isEqualTo(src.runId());
    List<ConfigDiff.Change> changes = l.configDiff().changes();
    assertThat(changes)
        .extracting(ConfigDiff.Change::path, ConfigDiff.Change::op)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("/inputs/extra", ConfigDiff.Op.ADDED),
            org.assertj.core.groups.Tuple.tuple("/model/params/temperature", ConfigDiff.Op.CHANGED),
            org.assertj.core.groups.Tuple.tuple("/policy/max_steps", ConfigDiff.Op.REMOVED));
    assertThat(changes.get(1).oldValue().orElseThrow().asDouble()).isEqualTo(0.2);
    assertThat(changes.get(1).newValue().orElseThrow().asDouble()).isEqualTo(0.9);
    assertThat(changes.get(2).oldValue().orElseThrow().asInt()).isEqualTo(10);
    assertThat(r.config().at("/model/params/temperature").orElseThrow().asDouble()).isEqualTo(0.9);
    assertThatThrownBy(() -> o.rerun(src.runId(), Map.of("no-slash", 1), trigger()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("JSON Pointer");
    assertThat(store().list(RunQuery.all()).runs()).hasSize(2);
  }

  @Test
  @DisplayName(
      "a rerun overriding a path the config lacks is refused naming the path and the nearest"
          + " keys, and writes nothing; add creates it, and the map form replaces existing paths")
  void rerun_unknownPath_refusedUnlessAdded() throws Exception {
    RunOrchestrator o = orchestrator("cp", checkpointed());
    RunHandle src = o.start(request("cp").build());
    await(src);

    assertThatThrownBy(() -> o.rerun(src.runId(), Map.of("/inputs/topik", "waves"), trigger()))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("/inputs/topik")
        .hasMessageContaining("topic")
        .satisfies(
            e -> assertThat(((UnknownConfigPathException) e).nearestKeys()).startsWith("topic"));
    assertThatThrownBy(
            () ->
                o.rerun(
                    src.runId(),
                    List.of(ConfigOverride.remove("/policy/max_tool_calls")),
                    trigger()))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("max_tool_calls");
    assertThat(store().list(RunQuery.all()).runs()).hasSize(1);

    RunHandle added =
        o.rerun(src.runId(), List.of(ConfigOverride.add("/inputs/topik", "waves")), trigger());
    RunHandle replaced = o.rerun(src.runId(), Map.of("/inputs/topic", "waves"), trigger());

    assertThat(await(added)).isEqualTo(RunStatus.COMPLETED);
    assertThat(await(replaced)).isEqualTo(RunStatus.COMPLETED);
    RunRecord a = o.get(added.runId()).orElseThrow();
    assertThat(a.config().at("/inputs/topik").orElseThrow().asText()).isEqualTo("waves");
    assertThat(a.config().at("/inputs/topic").orElseThrow().asText()).isEqualTo("tides");
    assertThat(a.lineage().orElseThrow().configDiff().changes())
        .extracting(ConfigDiff.Change::path, ConfigDiff.Change::op)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("/inputs/topik", ConfigDiff.Op.ADDED));
    RunRecord r = o.get(replaced.runId()).orElseThrow();
    assertThat(r.config().at("/inputs/topic").orElseThrow().asText()).isEqualTo("waves");
    assertThat(r.config().at("/inputs/topik")).isEmpty();
    assertThat(store().list(RunQuery.all()).runs()).hasSize(3);
  }

  private Workflow checkpointed() {
    return ctx -> {
      int one =
          ctx.step(
              "s1",
              Integer.class,
              () -> {
                ran("s1");
                return 1;
              });
      int two =
          ctx.step(
              "s2",
              Integer.class,
              () -> {
                ran("s2");
                return one + 1;
              });
      ctx.checkpoint("mid");
      int three =
          ctx.step(
              "s3",
              Integer.class,
              () -> {
                ran("s3");
                return two + 1;
              });
      return ctx.step(
          "s4",
          Integer.class,
          () -> {
            ran("s4");
            return three + 1;
          });
    };
  }
}
