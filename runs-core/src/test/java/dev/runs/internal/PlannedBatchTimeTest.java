package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The times a batch gives its events and the run's head. */
final class PlannedBatchTimeTest {

  @Test
  void append_clockWithNanoseconds_headTimeEqualsTheLastEventsTime() {
    Clock nanos = Clock.fixed(Instant.parse("2026-12-05T10:00:00.123456789Z"), ZoneOffset.UTC);
    try (RunStore store =
        RunStores.open("memory:", RunStoreOptions.builder().clock(nanos).build())) {
      RunId id = startedRun(store);
      RunEvent last = store.append(id, line(1));

      assertThat(last.time()).isEqualTo(Instant.parse("2026-12-05T10:00:00.123456Z"));
      assertThat(store.entry(id).orElseThrow().updatedAt()).isEqualTo(last.time());
    }
  }
}
