package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.util.UUID;

/** Shared pieces of the file store benchmarks: the event and started runs. */
final class BenchFiles {
  private BenchFiles() {}

  static final EventDraft EVENT = Bench.EVENT;

  static RunId startedRun(RunStore store, String namespace) {
    RunId id =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("bench", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "bench-" + UUID.randomUUID()))
                    .namespace(namespace)
                    .build())
            .record()
            .id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }
}
