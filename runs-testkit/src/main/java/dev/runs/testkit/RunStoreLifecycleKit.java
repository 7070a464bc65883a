package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.StoreClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle: closed stores refuse calls, close commits queued appends, the location hides
 * credentials. The contract's {@code Lifecycle} group binds these tests to the store under test.
 */
abstract class RunStoreLifecycleKit extends RunStoreKit {
  RunStoreLifecycleKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("the store names its format and version, for operators")
  void format_namesTheFormatAndAVersion() {
    String format = store().format();
    assertThat(format).isNotBlank().isNotEqualTo("unknown format");
    if (!format.startsWith("memory")) {
      assertThat(format).as("a version number").containsPattern("[0-9]");
    }
  }

  @Test
  @DisplayName(
      "a closed store refuses every call with StoreClosedException, an IllegalStateException")
  void closed_refusesCalls() {
    RunId id = createRun();
    store().close();
    assertThatThrownBy(() -> store().append(id, line(1)))
        .isInstanceOf(StoreClosedException.class)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store().get(id)).isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> store().create(record())).isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> store().list(RunQuery.all())).isInstanceOf(StoreClosedException.class);
    store().close();
  }

  @Test
  @DisplayName("close commits appends already queued")
  void close_commitsQueued() {
    assumeTrue(isDurable(), "store is not durable");
    RunId id = startedRun();
    List<CompletableFuture<RunEvent>> futures = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      futures.add(store().appendAsync(id, line(i)));
    }
    store().close();
    long acknowledged = futures.stream().filter(f -> !f.isCompletedExceptionally()).count();
    assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
    useStore(newStore(dir(), options()));
    assertThat(all(store(), id)).hasSize((int) acknowledged + 2);
  }

  @Test
  @DisplayName("the location is reported without credentials")
  void location_isReported() {
    assertThat(store().location()).isNotBlank().doesNotContain("password=");
  }
}
