package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.ConfigSnapshot;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.stream.Stream;

/** What the SQLite benchmarks share: the event they write, scratch directories, records. */
final class SqliteBench {
  private SqliteBench() {}

  /** A console line whose JSON payload is exactly 300 bytes. */
  static final Payload PAYLOAD = Payload.of(Map.of("stream", "stdout", "text", "x".repeat(271)));

  static final EventDraft DRAFT = EventDraft.of(EventTypes.CONSOLE_LINE, PAYLOAD);

  /**
   * The envelope the store writes for {@link #DRAFT}, for the raw-insert ceilings: the same row
   * size without the store's work.
   *
   * @param runId the run
   * @param sequence the sequence
   * @return the envelope JSON
   */
  static String envelope(RunId runId, long sequence) {
    return EventCodec.encode(new RunEvent(RunEvent.SCHEMA, EventId.of(UUID.randomUUID()), runId, sequence,
        EventTypes.CONSOLE_LINE, Instant.now(), Optional.empty(), OptionalInt.empty(), Optional.empty(),
        EventDraft.DEFAULT_SOURCE, Optional.empty(), PAYLOAD, Map.of()));
  }

  static RunRecord record() {
    return RunRecord.builder(WorkflowRef.of("bench", "1"), ConfigSnapshot.builder().model("acme", "m-1").build(),
        Trigger.of(TriggerSource.API, "bench-" + UUID.randomUUID())).build();
  }

  static Path scratch(String prefix) {
    try {
      String base = System.getProperty("runs.bench.dir");
      return base == null ? Files.createTempDirectory(prefix)
          : Files.createTempDirectory(Files.createDirectories(Path.of(base)), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
