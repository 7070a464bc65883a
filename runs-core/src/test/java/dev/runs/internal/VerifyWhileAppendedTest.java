package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunVerification;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import org.junit.jupiter.api.Test;

/**
 * {@link dev.runs.RunStore#verify} on a run appended to between its reads of the cached head and of
 * the log reports nothing, while a cached head that disagrees with its log is still reported. Each
 * append is made by the engine right after verify read the entry, so the interleaving is exact.
 */
final class VerifyWhileAppendedTest {

  @Test
  void anAppendBetweenTheEntryAndTheFold_isNotAProblem() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.afterEntry.add(() -> store.append(id, line(1)));
      RunVerification v = store.verify(id);
      assertThat(v.problems()).isEmpty();
      assertThat(v.cachedLastSequence()).isEqualTo(2);
      assertThat(v.foldedLastSequence()).isEqualTo(3);
    }
  }

  @Test
  void anAppendAfterTheLogWasRead_isNotAProblemEither() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.afterEntry.add(() -> store.append(id, line(1))); // between the entry and the fold
      engine.beforeEntry.add(() -> {}); // the first entry read
      engine.beforeEntry.add(() -> store.append(id, line(2))); // after the log, before the re-read
      RunVerification v = store.verify(id);
      assertThat(v.problems()).isEmpty();
      assertThat(v.cachedLastSequence()).isEqualTo(2);
      assertThat(v.foldedLastSequence()).isEqualTo(3);
      assertThat(engine.beforeEntry).isEmpty();
    }
  }

  @Test
  void aCachedHeadBehindTheLog_isReported() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      store.append(id, line(1));
      engine.entryView = e -> shifted(e, -1);
      assertThat(store.verify(id).problems())
          .contains("cached last sequence 2 but the log ends at 3");
    }
  }

  @Test
  void aCachedHeadAheadOfTheLog_isReported() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.entryView = e -> shifted(e, 4);
      assertThat(store.verify(id).problems())
          .contains("cached last sequence 6 but the log ends at 2");
    }
  }

  @Test
  void aCachedHeadBehindTheLogWhileTheRunIsAppendedTo_isReported() {
    GroupCommitTest.ControlledEngine engine = new GroupCommitTest.ControlledEngine();
    try (RunStore store = RunStoreFactory.create(engine, StoreLocation.parse("controlled:"))) {
      RunId id = startedRun(store);
      engine.entryView = e -> shifted(e, -1);
      for (int i = 0; i < 3; i++) {
        int n = i;
        engine.afterEntry.add(() -> store.append(id, line(n)));
      }
      assertThat(store.verify(id).problems())
          .anyMatch(p -> p.startsWith("cached last sequence ") && p.contains(" but the log ends"));
    }
  }

  private static RunEntry shifted(RunEntry e, long by) {
    return new RunEntry(e.record(), e.status(), e.lastSequence() + by, e.updatedAt());
  }
}
