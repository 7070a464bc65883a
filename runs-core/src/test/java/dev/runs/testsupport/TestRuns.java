package dev.runs.testsupport;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.util.Map;
import java.util.UUID;

/** Small builders shared by core tests (core cannot use the testkit, which depends on it). */
public final class TestRuns {
  private TestRuns() {}

  /**
   * @param store a store
   * @return a new run in status running (events: run.created, run.started)
   */
  public static RunId startedRun(RunStore store) {
    RunRecord r =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
            .build();
    store.create(r);
    store.append(r.id(), EventDraft.of(EventTypes.RUN_STARTED));
    return r.id();
  }

  /**
   * @param n a number for the text
   * @return a console.line draft
   */
  public static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "l" + n)));
  }
}
