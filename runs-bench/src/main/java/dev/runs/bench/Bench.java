package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Data sizes shared by the benchmarks. The defaults are the sizes the scenarios name; the
 * CI smoke mode shrinks them through system properties so every benchmark runs once quickly (its
 * figures are then meaningless and are not reported).
 */
final class Bench {
  private Bench() {}

  /**
   * A console line whose JSON payload is exactly 300 bytes: the event every append benchmark
   * writes.
   */
  static final Payload PAYLOAD = Payload.of(Map.of("stream", "stdout", "text", "x".repeat(271)));

  /** The draft of that event. */
  static final EventDraft EVENT = EventDraft.of(EventTypes.CONSOLE_LINE, PAYLOAD);

  /**
   * @param prefix directory name prefix
   * @return a new scratch directory under {@code -Druns.bench.dir} (default: the temp directory)
   */
  static Path scratch(String prefix) {
    try {
      Path base =
          Path.of(System.getProperty("runs.bench.dir", System.getProperty("java.io.tmpdir")));
      return Files.createTempDirectory(Files.createDirectories(base), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Deletes a scratch directory and everything in it; nothing for {@code null}.
   *
   * @param dir the directory
   */
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

  /**
   * @return events in the big run the read benchmarks read ({@code runs.bench.events}, default
   *     1,000,000)
   */
  static int events() {
    return Integer.getInteger("runs.bench.events", 1_000_000);
  }

  /**
   * @return runs in the store the list benchmark lists ({@code runs.bench.runs}, default 100,000)
   */
  static int runs() {
    return Integer.getInteger("runs.bench.runs", 100_000);
  }

  /**
   * @return runs in the file store's listing benchmarks ({@code runs.bench.listRuns}, default
   *     10,000)
   */
  static int listRuns() {
    return Integer.getInteger("runs.bench.listRuns", 10_000);
  }
}
