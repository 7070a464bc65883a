package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/** What the SQLite benchmarks share: the event they write and run records. */
final class SqliteBench {
  private SqliteBench() {}

  static final Payload PAYLOAD = Bench.PAYLOAD;

  static final EventDraft DRAFT = Bench.EVENT;

  /**
   * The envelope the store writes for {@link #DRAFT}, for the raw-insert ceilings: the same row
   * size without the store's work.
   *
   * @param runId the run
   * @param sequence the sequence
   * @return the envelope JSON
   */
  static String envelope(RunId runId, long sequence) {
    return EventCodec.encode(
        new RunEvent(
            RunEvent.SCHEMA,
            EventId.of(UUID.randomUUID()),
            runId,
            sequence,
            EventTypes.CONSOLE_LINE,
            Instant.now(),
            Optional.empty(),
            OptionalInt.empty(),
            Optional.empty(),
            EventDraft.DEFAULT_SOURCE,
            Optional.empty(),
            PAYLOAD,
            Map.of()));
  }

  static RunRecord record() {
    return RunRecord.builder(
            WorkflowRef.of("bench", "1"),
            ConfigSnapshot.builder().model("acme", "m-1").build(),
            Trigger.of(TriggerSource.API, "bench-" + UUID.randomUUID()))
        .build();
  }
}
