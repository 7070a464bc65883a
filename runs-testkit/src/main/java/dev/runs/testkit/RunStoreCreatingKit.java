package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventTypes;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Creating runs: the first event, trigger-id deduplication, unknown runs. The contract's {@code
 * Creating} group binds these tests to the store under test.
 */
abstract class RunStoreCreatingKit extends RunStoreKit {
  RunStoreCreatingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("a created run can be read back, with run.created at sequence 1 and status created")
  void create_thenGet_returnsRecordAndFirstEvent() {
    RunRecord r =
        recordBuilder().namespace("acme/etl").threadKey("thread-7").label("team", "data").build();
    CreateResult result = store().create(r);

    assertThat(result.created()).isTrue();
    RunRecord stored = store().get(r.id()).orElseThrow();
    assertThat(stored.id()).isEqualTo(r.id());
    assertThat(stored.namespace()).isEqualTo("acme/etl");
    assertThat(stored.threadKey()).contains("thread-7");
    assertThat(stored.labels()).containsEntry("team", "data");
    assertThat(stored.config().sha256()).isEqualTo(r.config().sha256());
    assertThat(stored.trigger().triggerId()).isEqualTo(r.trigger().triggerId());
    assertThat(stored).isEqualTo(result.record());
    List<RunEvent> events = all(store(), r.id());
    assertThat(events).hasSize(1);
    assertThat(events.get(0).type()).isEqualTo(EventTypes.RUN_CREATED);
    assertThat(events.get(0).sequence()).isEqualTo(1);
    assertThat(store().state(r.id()).status()).isEqualTo(RunStatus.CREATED);
    assertThat(store().entry(r.id()).orElseThrow().status()).isEqualTo(RunStatus.CREATED);
  }

  @Test
  @DisplayName("a second create with the same id and another trigger is refused")
  void create_sameIdOtherTrigger_throwsAlreadyExists() {
    RunRecord first = record();
    store().create(first);
    RunRecord second = recordBuilder().id(first.id()).build();

    assertThatThrownBy(() -> store().create(second))
        .isInstanceOf(RunAlreadyExistsException.class)
        .hasMessageContaining(first.id().value());
    assertThat(all(store(), first.id())).hasSize(1);
  }

  @Test
  @DisplayName("a create repeating a trigger id returns the existing run and writes nothing")
  void create_sameTriggerId_returnsExisting() {
    RunRecord first = record();
    store().create(first);
    RunRecord again = RunRecord.builder(first.workflow(), first.config(), first.trigger()).build();

    CreateResult result = store().create(again);

    assertThat(result.created()).isFalse();
    assertThat(result.record().id()).isEqualTo(first.id());
    assertThat(store().get(again.id())).isEmpty();
    assertThat(store().findByTrigger(first.trigger().triggerId()).orElseThrow().id())
        .isEqualTo(first.id());
    assertThat(store().list(RunQuery.all()).runs()).hasSize(1);
  }

  @Test
  @DisplayName("unknown runs are empty lookups, and reads of them fail with RunNotFoundException")
  void unknownRun_isEmptyOrNotFound() {
    RunId missing = RunId.of("no-such-run");
    assertThat(store().get(missing)).isEmpty();
    assertThat(store().entry(missing)).isEmpty();
    assertThat(store().findByTrigger("no-such-trigger")).isEmpty();
    assertThatThrownBy(() -> store().read(missing, 0)).isInstanceOf(RunNotFoundException.class);
    assertThatThrownBy(() -> store().state(missing)).isInstanceOf(RunNotFoundException.class);
    assertThatThrownBy(() -> store().append(missing, line(1)))
        .isInstanceOf(RunNotFoundException.class);
  }

  @Test
  @DisplayName("concurrent creates with one trigger id create exactly one run")
  void create_concurrentSameTrigger_createsOne() throws Exception {
    Trigger trigger = Trigger.of(TriggerSource.UI, "double-click-" + UUID.randomUUID());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<CreateResult>> results = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return store()
                      .create(
                          RunRecord.builder(
                                  WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), trigger)
                              .build());
                }));
      }
      go.countDown();
      Set<RunId> ids = new HashSet<>();
      int created = 0;
      for (Future<CreateResult> f : results) {
        CreateResult r = f.get(30, TimeUnit.SECONDS);
        ids.add(r.record().id());
        created += r.created() ? 1 : 0;
      }
      assertThat(ids).hasSize(1);
      assertThat(created).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
