package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.CommitReport;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.StoreIoException;
import dev.runs.StoreObserver;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

final class StoreObserverTest {

  /** Records what it is told. */
  static final class Recording implements StoreObserver {
    final List<CommitReport> commits = new CopyOnWriteArrayList<>();
    final List<RuntimeException> failures = new CopyOnWriteArrayList<>();

    @Override
    public void committed(CommitReport commit) {
      commits.add(commit);
    }

    @Override
    public void commitFailed(RuntimeException error, int appends) {
      failures.add(error);
    }
  }

  /**
   * Observers are told right after the appenders are released (a report of the run's earlier
   * run.started commit may still arrive after registering): wait with a deadline for the reports
   * holding console lines, the tests' own appends.
   */
  private static List<CommitReport> awaitLines(Recording seen, int size) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (lines(seen).size() < size && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(lines(seen)).hasSize(size);
    return lines(seen);
  }

  private static List<CommitReport> lines(Recording seen) {
    return seen.commits.stream()
        .filter(c -> c.events().stream().anyMatch(e -> e.type().name().equals("console.line")))
        .toList();
  }

  private static void awaitSize(List<?> list, int size) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(list).hasSize(size);
  }

  @Test
  void observe_append_reportsTheCommitWithItsEventsAndLatency() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      Recording seen = new Recording();
      RunStore.Registration registration = store.observe(seen);
      List<RunEvent> written = store.append(id, List.of(line(1), line(2)));
      CommitReport c = awaitLines(seen, 1).get(0);
      assertThat(c.appends()).isEqualTo(1);
      assertThat(c.runs()).isEqualTo(1);
      assertThat(c.events()).isEqualTo(written);
      assertThat(c.latency()).isPositive();
      registration.close();
      Recording other = new Recording();
      store.observe(other);
      store.append(id, line(3));
      awaitLines(other, 1);
      assertThat(lines(seen)).as("closed registration hears nothing").hasSize(1);
    }
  }

  @Test
  void observe_throwingObserver_neitherFailsTheAppendNorSilencesOthers() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      store.observe(
          new StoreObserver() {
            @Override
            public void committed(CommitReport commit) {
              throw new IllegalStateException("observer bug");
            }
          });
      Recording seen = new Recording();
      store.observe(seen);
      for (int i = 0; i < 3; i++) {
        assertThat(store.append(id, line(i)).sequence()).isEqualTo(3 + i);
      }
      awaitLines(seen, 3);
    }
  }

  @Test
  void observe_failedCommit_reportsTheErrorTheAppenderGets() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      Recording seen = new Recording();
      store.observe(seen);
      engine.throwOnCommit = true;
      assertThatThrownBy(() -> store.append(id, line(1))).isInstanceOf(StoreIoException.class);
      awaitSize(seen.failures, 1);
      assertThat(seen.failures).singleElement().isInstanceOf(StoreIoException.class);
      assertThat(lines(seen)).isEmpty();
    }
  }

  @Test
  void observe_create_reportsTheRecordAndItsRunCreatedEventBeforeReturning() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      List<String> seen = new CopyOnWriteArrayList<>();
      store.observe(
          new StoreObserver() {
            @Override
            public void created(dev.runs.RunRecord record, RunEvent created) {
              seen.add(record.id() + " " + created.type() + " " + created.sequence());
            }
          });
      RunId id = startedRun(store);
      assertThat(seen).containsExactly(id + " run.created 1");
      dev.runs.RunRecord again = store.get(id).orElseThrow();
      assertThat(store.create(again).created()).isFalse();
      assertThat(seen).as("a create that found the run is not reported").hasSize(1);
    }
  }

  @Test
  void observe_closedStore_throws() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"));
    store.close();
    assertThatThrownBy(() -> store.observe(new Recording()))
        .isInstanceOf(dev.runs.StoreClosedException.class);
  }
}
