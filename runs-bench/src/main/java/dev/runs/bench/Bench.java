package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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
   * @return this process's CPU time so far, in nanoseconds, or -1 when the JVM does not say
   */
  static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }

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
   * Writes every file system's dirty pages to disk and waits ({@code sync}), so a benchmark that
   * filled its store without forcing does not time the kernel writing that fill back. Where there
   * is no {@code sync} command the fill's write-back may overlap the measurement; that is printed.
   */
  static void syncFileSystems() {
    try {
      int exit = new ProcessBuilder("sync").inheritIO().start().waitFor();
      if (exit != 0) {
        System.err.println("sync exited with " + exit + "; the fill may still be written back");
      }
    } catch (IOException e) {
      System.err.println("cannot run sync (" + e + "); the fill may still be written back");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for sync", e);
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
