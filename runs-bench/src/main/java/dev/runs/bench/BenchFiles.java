package dev.runs.bench;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.UUID;

/** Shared pieces of the file store benchmarks: scratch directories and a ~300-byte event. */
final class BenchFiles {
  private BenchFiles() {}

  /** A console line whose payload is 300 bytes of JSON. */
  static final EventDraft EVENT = EventDraft.of(EventTypes.CONSOLE_LINE,
      Payload.of(Map.of("stream", "stdout", "text", "x".repeat(300 - 30))));

  /** @return a new scratch directory under {@code -Druns.bench.dir} (default: the temp directory) */
  static Path scratch(String prefix) {
    try {
      Path base = Path.of(System.getProperty("runs.bench.dir", System.getProperty("java.io.tmpdir")));
      Files.createDirectories(base);
      return Files.createTempDirectory(base, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RunId startedRun(RunStore store, String namespace) {
    RunId id = store.create(RunRecord.builder(WorkflowRef.of("bench", "1"), ConfigSnapshot.empty(),
        Trigger.of(TriggerSource.TEST, "bench-" + UUID.randomUUID())).namespace(namespace).build()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  static void delete(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
