package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunBundles;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunHead;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.TestImportedRun;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports a run of 1,000,000 events in a child JVM with a 64 MB heap, the events made one at a time
 * as the engine asks for them: it must fit, read back whole and gapless, and report its speed
 * beside the raw ceiling of the same work (encoding the same events and writing them with one
 * force). Then, in the same heap, the run is exported to a bundle file and to a stream.
 */
final class FileBigImportIT {
  static final int EVENTS = 1_000_000;

  @TempDir Path tmp;

  @Test
  @Timeout(600)
  void import_millionEvents_inSmallHeap() throws Exception {
    Path dir = tmp.resolve("store");
    try (ChildJvm child =
        ChildJvm.builder(FileBigImportIT.class)
            .args(dir.toString(), String.valueOf(EVENTS))
            .jvmOptions("-Xmx64m")
            .stderrDirectory(tmp.resolve("logs"))
            .start()) {
      assertThat(child.awaitExit(Duration.ofMinutes(8))).as(child.describe()).isZero();
      List<String> lines = child.lines();
      assertThat(lines).anyMatch(l -> l.equals("read " + EVENTS));
      assertThat(lines).anyMatch(l -> l.equals("exported " + EVENTS));
      lines.forEach(l -> System.out.println("FileBigImportIT: " + l));
    }
  }

  /** A synthetic run: run.created, run.started, then console lines of about 300 bytes. */
  static final class Synthetic {
    final RunRecord record;
    final Instant start = Instant.parse("2026-01-01T00:00:00Z");
    final int count;
    final Payload payload = Payload.of(Map.of("stream", "stdout", "text", "x".repeat(260)));

    Synthetic(int count) {
      this.count = count;
      this.record =
          RunRecord.builder(
                  WorkflowRef.of("big", "1"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, "big-" + System.nanoTime()))
              .namespace("big")
              .createdAt(start)
              .build();
    }

    RunEvent event(long seq) {
      EventType type =
          seq == 1
              ? EventTypes.RUN_CREATED
              : seq == 2 ? EventTypes.RUN_STARTED : EventTypes.CONSOLE_LINE;
      return new RunEvent(
          RunEvent.SCHEMA,
          EventId.random(),
          record.id(),
          seq,
          type,
          start.plusNanos(seq * 1000),
          Optional.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          "host",
          Optional.empty(),
          seq <= 2 ? Payload.empty() : payload,
          Map.of());
    }

    EventStream events() {
      return new EventStream() {
        long next = 1;

        @Override
        public boolean hasNext() {
          return next <= count;
        }

        @Override
        public RunEvent next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return event(next++);
        }

        @Override
        public void close() {}
      };
    }

    TestImportedRun source() {
      RunHead head = new RunHead(count, RunStatus.RUNNING, start.plusNanos(count * 1000L));
      return TestImportedRun.of(record, head, this::events);
    }
  }

  /** The child: imports, reads back, measures the raw ceiling. Args: {@code <dir> <events>}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    Synthetic run = new Synthetic(count);
    StoreLocation loc = StoreLocation.parse("file:" + dir + "?poll_ms=0");
    try (FileEngine engine = FileRunStoreProvider.openEngine(loc, ChannelOpener.DEFAULT)) {
      long rawBefore = raw(run, dir.resolve("raw-1.ndjson")); // also warms the encoder up
      long t0 = System.nanoTime();
      engine.importRun(run.source());
      long importNanos = System.nanoTime() - t0;
      long rawNanos = Math.min(rawBefore, raw(run, dir.resolve("raw-2.ndjson")));
      RunId id = run.record.id();
      RunEntry entry = engine.entry(id).orElseThrow();
      if (entry.lastSequence() != count || entry.status() != RunStatus.RUNNING) {
        throw new AssertionError("entry " + entry);
      }
      long n = 0;
      try (EventStream s = engine.read(id, 0)) {
        while (s.hasNext()) {
          RunEvent e = s.next();
          if (e.sequence() != ++n) {
            throw new AssertionError("sequence " + e.sequence() + " at " + n);
          }
        }
      }
      FileStoreChild.say("read " + n);
      long size = Files.size(dir.resolve("runs").resolve(id.value()).resolve("events.ndjson"));
      FileStoreChild.say(
          String.format(
              "imported %d events (%d MB) in %d ms: %.0f events/s; raw ceiling %d ms: %.0f"
                  + " events/s; ratio %.2f; max heap %d MB",
              count,
              size >> 20,
              importNanos / 1_000_000,
              count / (importNanos / 1e9),
              rawNanos / 1_000_000,
              count / (rawNanos / 1e9),
              (double) rawNanos / importNanos,
              Runtime.getRuntime().maxMemory() >> 20));
    }
    exportInSmallHeap(dir, run.record.id(), count);
  }

  /**
   * Exports the imported run to a bundle file and to a stream, in the child's small heap, and
   * checks that each holds the header and every event line, the header naming the count.
   */
  static void exportInSmallHeap(Path dir, RunId id, int count) throws Exception {
    try (RunStore store = RunStores.open("file:" + dir + "?poll_ms=0")) {
      Path file = dir.resolve("big.bundle.ndjson");
      Path streamed = dir.resolve("big-streamed.bundle.ndjson");
      long t0 = System.nanoTime();
      long toFile = RunBundles.export(store, id, file);
      long t1 = System.nanoTime();
      long toStream;
      try (OutputStream out = Files.newOutputStream(streamed, StandardOpenOption.CREATE_NEW)) {
        toStream = RunBundles.export(store, id, out);
      }
      long t2 = System.nanoTime();
      for (Path bundle : List.of(file, streamed)) {
        long lines = 0;
        String header;
        try (BufferedReader r = Files.newBufferedReader(bundle, StandardCharsets.UTF_8)) {
          header = r.readLine();
          while (r.readLine() != null) {
            lines++;
          }
        }
        if (lines != count || header == null || !header.contains("\"event_count\":" + count)) {
          throw new AssertionError(bundle + ": " + lines + " event lines after the header");
        }
      }
      if (toFile != count || toStream != count) {
        throw new AssertionError("exported " + toFile + " and " + toStream + " events");
      }
      FileStoreChild.say(
          String.format(
              "exported %d events to a file in %d ms and to a stream in %d ms; max heap %d MB",
              count,
              (t1 - t0) / 1_000_000,
              (t2 - t1) / 1_000_000,
              Runtime.getRuntime().maxMemory() >> 20));
      FileStoreChild.say("exported " + count);
    }
  }

  /**
   * The ceiling: make the same events, encode them and write them through one buffer, one force.
   *
   * @return the nanoseconds it took
   */
  static long raw(Synthetic run, Path file) throws Exception {
    long t = System.nanoTime();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      try (EventStream s = run.events()) {
        while (s.hasNext()) {
          byte[] line = EventCodec.encodeUtf8(s.next());
          if (buf.remaining() < line.length + 1) {
            buf.flip();
            while (buf.hasRemaining()) {
              ch.write(buf);
            }
            buf.clear();
          }
          buf.put(line).put((byte) '\n');
        }
      }
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    }
    long took = System.nanoTime() - t;
    Files.delete(file);
    return took;
  }
}
