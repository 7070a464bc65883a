package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a run of {@link Bench#events()} events and reads it back, reporting the heap's high-water
 * mark during the read. Meant to run in a JVM with a small heap ({@code -Xmx64m}): that the read
 * completes at all shows it streams in bounded memory. The peak is the sum of the heap pools' peak
 * usage since just before the read (pools peak at different moments, so this over-estimates).
 *
 * <p>{@code java -Xmx64m -cp runs-bench/target/benchmarks.jar dev.runs.bench.HeapCheck sqlite|file}
 */
public final class HeapCheck {
  private HeapCheck() {}

  /**
   * @param args the store kind: {@code sqlite} or {@code file}
   * @throws Exception when the check fails
   */
  public static void main(String[] args) throws Exception {
    String kind = args.length > 0 ? args[0] : "sqlite";
    int events = Bench.events();
    Path dir = Bench.scratch("heap-check-");
    try {
      String uri =
          kind.equals("file") ? "file:" + dir.resolve("runs") : "sqlite:" + dir.resolve("runs.db");
      String fill = uri + (kind.equals("file") ? "?durability=none" : "?durability=normal");
      RunId id;
      try (RunStore writer = RunStores.open(fill)) {
        id = writer.create(SqliteBench.record()).record().id();
        writer.append(id, EventDraft.of(EventTypes.RUN_STARTED));
        List<EventDraft> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          batch.add(Bench.EVENT);
        }
        List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
        for (int written = 2; written < events; written += 1000) {
          List<EventDraft> b = written + 1000 > events ? batch.subList(0, events - written) : batch;
          pending.add(writer.appendAsync(id, b, ExpectedSequence.any()));
          if (pending.size() >= 4) {
            pending.remove(0).join();
          }
        }
        pending.forEach(CompletableFuture::join);
      }
      List<MemoryPoolMXBean> heap = new ArrayList<>();
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
        if (p.getType() == MemoryType.HEAP) {
          heap.add(p);
        }
      }
      System.gc();
      heap.forEach(MemoryPoolMXBean::resetPeakUsage);
      long start = System.nanoTime();
      long n = 0;
      try (RunStore reader = RunStores.open(uri);
          EventStream s = reader.read(id, 0)) {
        while (s.hasNext()) {
          if (s.next().sequence() != ++n) {
            throw new IllegalStateException("sequence " + n + " missing");
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long peak = 0;
      for (MemoryPoolMXBean p : heap) {
        peak += p.getPeakUsage().getUsed();
      }
      if (n != events) {
        throw new IllegalStateException("read " + n + " of " + events + " events");
      }
      System.out.printf(
          Locale.ROOT,
          "heap-check store=%s events=%d seconds=%.2f peak_heap_mb=%.1f max_heap_mb=%.0f%n",
          kind,
          n,
          seconds,
          peak / 1048576.0,
          Runtime.getRuntime().maxMemory() / 1048576.0);
    } finally {
      Bench.delete(dir);
    }
  }
}
