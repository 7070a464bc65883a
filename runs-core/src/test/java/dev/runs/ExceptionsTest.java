package dev.runs;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exception families callers catch: conflicts (HTTP 409) and a closed store. */
final class ExceptionsTest {

  @Test
  void conflicts_shareConflictException_andSnapshotMismatchIsCorruption() {
    RunId id = RunId.random();
    List<RunsException> conflicts =
        List.of(
            new SequenceConflictException(id, 1, 2),
            new RunAlreadyExistsException(id, "t-1"),
            new StageExistsException(id, "fetch", 1),
            new RunBusyException(new Lease(id, "other", Instant.parse("2026-01-01T00:00:00Z"))),
            new IllegalTransitionException(id, RunStatus.COMPLETED, "step.started"));
    assertThat(conflicts).allSatisfy(e -> assertThat(e).isInstanceOf(ConflictException.class));
    assertThat(new SnapshotMismatchException(id, "a", "b"))
        .isInstanceOf(StoreCorruptedException.class)
        .isNotInstanceOf(ConflictException.class);
  }

  @Test
  void append_withStaleExpectedSequence_throwsAConflict() {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      assertThatThrownBy(() -> store.append(id, List.of(line(1)), ExpectedSequence.of(1)))
          .isInstanceOf(ConflictException.class)
          .isInstanceOf(SequenceConflictException.class);
    }
  }

  @Test
  void closedStore_throwsStoreClosedException_anIllegalStateException() {
    RunStore store = RunStores.memory();
    RunId id = startedRun(store);
    store.close();
    assertThatThrownBy(() -> store.append(id, line(1)))
        .isInstanceOf(StoreClosedException.class)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("memory:");
    assertThatThrownBy(() -> store.subscribe(id, 0)).isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> store.appendAsync(id, line(1)))
        .isInstanceOf(StoreClosedException.class);
  }
}
