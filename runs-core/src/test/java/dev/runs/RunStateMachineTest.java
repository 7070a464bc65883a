package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

final class RunStateMachineTest {
  private static final RunId RUN = RunId.of("r");
  private static final List<EventType> TYPES =
      List.of(
          EventTypes.RUN_QUEUED,
          EventTypes.RUN_STARTED,
          EventTypes.RUN_CANCEL_REQUESTED,
          EventTypes.RUN_CANCELLED,
          EventTypes.RUN_INTERRUPTED,
          EventTypes.RUN_RESUMED,
          EventTypes.RUN_COMPLETED,
          EventTypes.RUN_FAILED,
          EventTypes.RUN_CREATED,
          EventTypes.CONSOLE_LINE,
          EventTypes.STEP_STARTED,
          EventType.of("x.acme.thing"));

  @Test
  void happyPath() {
    RunStatus s = RunStateMachine.next(Optional.empty(), EventTypes.RUN_CREATED).orElseThrow();
    s = RunStateMachine.apply(RUN, s, EventTypes.RUN_QUEUED);
    s = RunStateMachine.apply(RUN, s, EventTypes.RUN_STARTED);
    s = RunStateMachine.apply(RUN, s, EventTypes.CONSOLE_LINE);
    s = RunStateMachine.apply(RUN, s, EventTypes.RUN_CANCEL_REQUESTED);
    assertThat(RunStateMachine.apply(RUN, s, EventTypes.RUN_COMPLETED))
        .isEqualTo(RunStatus.COMPLETED);
    assertThat(RunStateMachine.apply(RUN, s, EventTypes.RUN_CANCELLED))
        .isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void illegal_namesStatusAndType() {
    assertThatThrownBy(
            () -> RunStateMachine.apply(RUN, RunStatus.COMPLETED, EventTypes.RUN_RESUMED))
        .isInstanceOfSatisfying(
            IllegalTransitionException.class,
            e -> {
              assertThat(e.currentStatus()).isEqualTo(RunStatus.COMPLETED);
              assertThat(e.refusedType()).isEqualTo("run.resumed");
            })
        .hasMessageContaining("completed")
        .hasMessageContaining("run.resumed");
    assertThat(RunStateMachine.next(Optional.empty(), EventTypes.RUN_STARTED)).isEmpty();
    assertThat(RunStateMachine.next(Optional.of(RunStatus.RUNNING), EventTypes.RUN_CREATED))
        .isEmpty();
  }

  /** Applies random types, keeping those the machine accepts: the accepted log's fold matches. */
  @SeededProperty(cases = 500)
  void randomSequences_neverReachIllegalStatus_andReplayToSameState(Cases cases) {
    List<EventType> attempts = typeList(cases);
    List<RunEvent> accepted = new ArrayList<>();
    accepted.add(event(1, EventTypes.RUN_CREATED));
    RunStatus status = RunStatus.CREATED;
    boolean completed = false;
    for (EventType t : attempts) {
      Optional<RunStatus> next = RunStateMachine.next(Optional.of(status), t);
      if (completed) {
        assertThat(next).as("nothing after completed: %s", t).isEmpty();
      }
      if (status.isTerminal() && !t.isLifecycle()) {
        assertThat(next).as("no work events in %s", status).isEmpty();
      }
      if (next.isPresent()) {
        accepted.add(event(accepted.size() + 1, t));
        status = next.get();
        completed |= status == RunStatus.COMPLETED;
      }
    }
    RunState first = RunState.fold(RUN, accepted);
    RunState second = RunState.fold(RUN, accepted);
    assertThat(first).isEqualTo(second);
    assertThat(first.status()).isEqualTo(status);
    assertThat(first.lastSequence()).isEqualTo(accepted.size());
    assertThat(first.eventCount()).isEqualTo(accepted.size());
  }

  @SeededProperty(cases = 200)
  void fold_refusesLogsTheMachineWouldRefuse(Cases cases) {
    List<EventType> types = typeList(cases);
    List<RunEvent> log = new ArrayList<>();
    log.add(event(1, EventTypes.RUN_CREATED));
    for (EventType t : types) {
      log.add(event(log.size() + 1, t));
    }
    RunStatus status = RunStatus.CREATED;
    boolean legal = true;
    for (EventType t : types) {
      Optional<RunStatus> next = RunStateMachine.next(Optional.of(status), t);
      if (next.isEmpty()) {
        legal = false;
        break;
      }
      status = next.get();
    }
    if (legal) {
      assertThat(RunState.fold(RUN, log).status()).isEqualTo(status);
    } else {
      assertThatThrownBy(() -> RunState.fold(RUN, log)).isInstanceOf(StoreCorruptedException.class);
    }
  }

  @Test
  void fold_refusesGapsAndForeignEvents() {
    List<RunEvent> gap =
        List.of(event(1, EventTypes.RUN_CREATED), event(3, EventTypes.RUN_STARTED));
    assertThatThrownBy(() -> RunState.fold(RUN, gap))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("expected sequence 2");
    assertThatThrownBy(
            () -> RunState.fold(RunId.of("other"), List.of(event(1, EventTypes.RUN_CREATED))))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("belongs to run");
  }

  private static List<EventType> typeList(Cases cases) {
    return cases.list(30, () -> cases.oneOf(TYPES));
  }

  private static RunEvent event(long seq, EventType type) {
    Payload p = Payload.empty();
    Optional<String> step = Optional.empty();
    OptionalInt attempt = OptionalInt.empty();
    if (type.equals(EventTypes.STEP_STARTED)) {
      step = Optional.of("s");
      attempt = OptionalInt.of(1);
    } else if (type.equals(EventTypes.CONSOLE_LINE)) {
      p = Payload.of(Map.of("stream", "stdout", "text", "x"));
    }
    return new RunEvent(
        RunEvent.SCHEMA,
        EventId.random(),
        RUN,
        seq,
        type,
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seq),
        step,
        attempt,
        Optional.empty(),
        "host",
        Optional.empty(),
        p,
        Map.of());
  }
}
