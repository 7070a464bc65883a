package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.AuditEntry;
import dev.runs.ConfigDiff;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Lineage;
import dev.runs.RunActiveException;
import dev.runs.RunDeletedException;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunStatus;
import dev.runs.Tombstone;
import dev.runs.ValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Deletion: a terminal run goes entirely, a tombstone and an audit entry stay, live runs and bad
 * reasons are refused with the store unchanged. The contract's {@code Deleting} group binds these
 * tests to the store under test.
 */
abstract class RunStoreDeletingKit extends RunStoreKit {
  RunStoreDeletingKit(RunStoreContract contract) {
    super(contract);
  }

  private RunId endedRun() {
    return MovingRuns.write(store(), record(), 5, new Random(1), EventTypes.RUN_COMPLETED);
  }

  @Test
  @DisplayName("deleting a terminal run removes it entirely and leaves a tombstone and audit entry")
  void delete_terminalRun_removesEverything() {
    RunId keep = endedRun();
    RunId id = endedRun();
    String trigger = store().get(id).orElseThrow().trigger().triggerId();
    store().acquireLease(id, "worker-1", Duration.ofMinutes(5));

    Tombstone t = store().delete(id, "customer asked to be forgotten");

    assertThat(t.runId()).isEqualTo(id);
    assertThat(t.reason()).isEqualTo("customer asked to be forgotten");
    for (int pass = 0; pass < (isDurable() ? 2 : 1); pass++) {
      assertThat(store().get(id)).isEmpty();
      assertThat(store().entry(id)).isEmpty();
      assertThat(store().findByTrigger(trigger)).isEmpty();
      assertThat(store().lease(id)).isEmpty();
      assertThat(store().tombstone(id)).contains(t);
      assertThat(store().list(RunQuery.all()).runs()).extracting(e -> e.id()).containsExactly(keep);
      assertThatThrownBy(() -> store().read(id, 0))
          .isInstanceOf(RunDeletedException.class)
          .isInstanceOf(RunNotFoundException.class)
          .hasMessageContaining("customer asked to be forgotten");
      assertThatThrownBy(() -> store().stages(id)).isInstanceOf(RunNotFoundException.class);
      List<AuditEntry> audit = store().auditLog("", 100);
      assertThat(audit).extracting(AuditEntry::action).containsExactly("deleted");
      assertThat(audit.get(0).runId()).isEqualTo(id);
      assertThat(audit.get(0).detail()).contains("customer asked to be forgotten");
      if (isDurable()) {
        reopen();
      }
    }
    assertThat(all(store(), keep)).hasSize(9);
    assertThat(MovingRuns.stageFiles(store(), keep)).hasSize(4);
  }

  @Test
  @DisplayName("a live run is not deleted and stays as it was")
  void delete_liveRun_refused() {
    RunId id = startedRun();
    store().append(id, line(1));
    assertThatThrownBy(() -> store().delete(id, "too early"))
        .isInstanceOf(RunActiveException.class)
        .hasMessageContaining(id.value())
        .hasMessageContaining("running");
    assertThat(all(store(), id)).hasSize(3);
    assertThat(store().tombstone(id)).isEmpty();
    assertThat(store().auditLog("", 10)).isEmpty();
    store().append(id, line(2));
  }

  @Test
  @DisplayName("a malformed reason is refused and nothing is deleted")
  void delete_badReason_refused() {
    RunId id = endedRun();
    for (String bad : List.of("", "   ", "x".repeat(1001), "bell\u0007", "half \uD800 pair")) {
      assertThatThrownBy(() -> store().delete(id, bad))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("reason");
    }
    assertThat(store().entry(id)).isPresent();
    assertThat(store().tombstone(id)).isEmpty();
  }

  @Test
  @DisplayName("unknown runs are not found; deleting twice returns the first tombstone")
  void delete_unknownAndTwice() {
    assertThatThrownBy(() -> store().delete(RunId.of("no-such-run"), "why"))
        .isInstanceOf(RunNotFoundException.class);
    RunId id = endedRun();
    Tombstone first = store().delete(id, "first");
    assertThat(store().delete(id, "second")).isEqualTo(first);
    assertThat(store().auditLog("", 10)).hasSize(1);
  }

  @Test
  @DisplayName("a deleted id cannot be created again")
  void delete_thenCreateSameId_refused() {
    RunId id = RunId.of("kit/deleted-then-created");
    store().create(recordBuilder().id(id).build());
    store().append(id, MovingRuns.terminal(EventTypes.RUN_FAILED));
    store().delete(id, "gone");
    assertThatThrownBy(() -> store().create(recordBuilder().id(id).build()))
        .isInstanceOf(RunDeletedException.class)
        .hasMessageContaining("created again");
    assertThat(store().entry(id)).isEmpty();
  }

  @Test
  @DisplayName("a rerun keeps working when its parent is deleted, and reports the parent deleted")
  void delete_parent_childKeepsWorking() {
    RunId parent = endedRun();
    RunId child =
        MovingRuns.write(
            store(),
            recordBuilder()
                .lineage(
                    new Lineage(
                        parent, Lineage.Relation.RERUN, Optional.empty(), ConfigDiff.empty()))
                .build(),
            2,
            new Random(2),
            EventTypes.RUN_COMPLETED);
    store().delete(parent, "old");
    assertThat(store().state(child).status()).isEqualTo(RunStatus.COMPLETED);
    RunId named = store().get(child).orElseThrow().lineage().orElseThrow().parentRunId();
    assertThat(named).isEqualTo(parent);
    assertThat(store().tombstone(named)).isPresent();
    assertThat(store().verify(child).ok()).isTrue();
  }

  @Test
  @DisplayName("deleting by label removes only the selected runs, and none when one is live")
  void delete_bySelection() {
    RunId a =
        MovingRuns.write(
            store(),
            recordBuilder().label("customer", "c1").build(),
            1,
            new Random(3),
            EventTypes.RUN_COMPLETED);
    RunId b =
        MovingRuns.write(
            store(),
            recordBuilder().label("customer", "c1").build(),
            1,
            new Random(4),
            EventTypes.RUN_CANCELLED);
    RunId other =
        MovingRuns.write(
            store(),
            recordBuilder().label("customer", "c2").build(),
            1,
            new Random(5),
            EventTypes.RUN_COMPLETED);
    RunId live = store().create(recordBuilder().label("customer", "c3").build()).record().id();
    store().append(live, EventDraft.of(EventTypes.RUN_STARTED));

    assertThatThrownBy(
            () -> store().delete(RunSelection.all().withLabel("customer", "c3"), "forget c3"))
        .isInstanceOf(RunActiveException.class);
    assertThat(store().entry(live)).isPresent();

    List<Tombstone> gone =
        store().delete(RunSelection.all().withLabel("customer", "c1"), "forget c1");

    assertThat(gone).extracting(Tombstone::runId).containsExactlyInAnyOrder(a, b);
    assertThat(store().entry(a)).isEmpty();
    assertThat(store().entry(b)).isEmpty();
    assertThat(store().entry(other)).isPresent();
    assertThat(store().entry(live)).isPresent();
  }
}
