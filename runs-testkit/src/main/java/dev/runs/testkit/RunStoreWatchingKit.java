package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunChange;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watching: creations and appends reach watchers until they unregister. The contract's {@code
 * Watching} group binds these tests to the store under test.
 */
abstract class RunStoreWatchingKit extends RunStoreKit {
  RunStoreWatchingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("watchers are told of creations and appends once durable, until they unregister")
  @Timeout(30)
  void watch_createAndAppend() {
    ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
    RunStore.Registration reg = store().watch(seen::add);
    RunId id = startedRun();
    store().append(id, List.of(line(1), line(2)));

    assertThat(seen)
        .anySatisfy(
            c -> {
              assertThat(c.runId()).isEqualTo(id);
              assertThat(c.created()).isTrue();
            });
    assertThat(seen)
        .anySatisfy(
            c -> {
              assertThat(c.lastSequence()).isEqualTo(4);
              assertThat(c.status()).isEqualTo(RunStatus.RUNNING);
            });
    reg.close();
    int count = seen.size();
    store().append(id, line(3));
    assertThat(seen).hasSize(count);
  }
}
