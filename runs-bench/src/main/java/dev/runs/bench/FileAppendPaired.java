package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Store against ceiling, measured in alternating windows: on a shared machine the disk and CPU load
 * drift over minutes, so {@link FileAppendBenchmark}'s store and ceiling benchmarks, run minutes
 * apart, can see different machines. Here each scenario alternates a window of the store and a
 * window of its ceiling, several rounds, and reports medians and the median per-round ratio.
 *
 * <pre>
 * java -cp runs-bench/target/benchmarks.jar dev.runs.bench.FileAppendPaired \
 *     [seconds per window] [rounds]
 * </pre>
 */
public final class FileAppendPaired {
  private FileAppendPaired() {}

  private interface Window {
    /** Runs until the deadline; returns events acknowledged by then. */
    long run(long deadlineNanos) throws Exception;
  }

  /**
   * Runs the comparison.
   *
   * @param args seconds per window (default 2), measured rounds (default 5)
   * @throws Exception when a run fails
   */
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Bench.scratch("file-paired-");
    dev.runs.RunStoreOptions.Builder options = dev.runs.RunStoreOptions.builder();
    if (System.getProperty("lanes") != null) {
      options.commitLanes(Integer.getInteger("lanes"));
    }
    try (RunStore store = RunStores.open("file:" + dir.resolve("store"), options.build())) {
      RunEvent sample = store.append(BenchFiles.startedRun(store, "bench"), BenchFiles.EVENT);
      byte[] line = (EventCodec.encode(sample) + "\n").getBytes(StandardCharsets.UTF_8);
      System.out.printf(
          Locale.ROOT,
          "%-24s %14s %14s %8s   (events/s, medians of %d rounds of %.1f s each)%n",
          "scenario",
          "store",
          "ceiling",
          "ratio",
          rounds,
          seconds);
      for (int n : new int[] {1, 4, 16}) {
        List<RunId> runs = new ArrayList<>();
        List<FileChannel> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          runs.add(BenchFiles.startedRun(store, "bench"));
          files.add(rawFile(dir));
        }
        compare(
            "own run x" + n,
            seconds,
            rounds,
            d -> threads(n, i -> blocking(store, runs.get(i), d)),
            d -> threads(n, i -> raw(files.get(i), line, 1, d)));
        closeAll(files);
      }
      for (int n : new int[] {4, 16}) {
        RunId hot = BenchFiles.startedRun(store, "bench");
        FileChannel f = rawFile(dir);
        compare(
            "hot run x" + n,
            seconds,
            rounds,
            d -> threads(n, i -> blocking(store, hot, d)),
            d -> raw(f, line, n, d));
        f.close();
      }
      RunId piped = BenchFiles.startedRun(store, "bench");
      FileChannel f = rawFile(dir);
      compare(
          "pipelined 256",
          seconds,
          rounds,
          d -> pipelined(store, piped, 256, d),
          d -> raw(f, line, 256, d));
      f.close();
    } finally {
      Bench.delete(dir);
    }
  }

  private static void compare(String name, double seconds, int rounds, Window store, Window ceiling)
      throws Exception {
    long window = (long) (seconds * 1e9);
    double[] s = new double[rounds];
    double[] c = new double[rounds];
    double[] r = new double[rounds];
    for (int round = -1; round < rounds; round++) { // round -1 warms up
      double storeRate = store.run(System.nanoTime() + window) / seconds;
      double ceilingRate = ceiling.run(System.nanoTime() + window) / seconds;
      if (round >= 0) {
        s[round] = storeRate;
        c[round] = ceilingRate;
        r[round] = storeRate / ceilingRate;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%-24s %14.0f %14.0f %8.2f   ratios %s%n",
        name,
        median(s),
        median(c),
        median(r),
        Arrays.toString(Arrays.stream(r).map(x -> Math.round(x * 100) / 100.0).toArray()));
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private interface PerThread {
    long run(int index) throws Exception;
  }

  private static long threads(int n, PerThread body) throws Exception {
    LongAdder total = new LongAdder();
    List<Thread> ts = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  total.add(body.run(index));
                } catch (Throwable e) {
                  synchronized (errors) {
                    errors.add(e);
                  }
                }
              });
      ts.add(t);
      t.start();
    }
    for (Thread t : ts) {
      t.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("a writer failed", errors.get(0));
    }
    return total.sum();
  }

  private static long blocking(RunStore store, RunId id, long deadline) {
    long n = 0;
    while (System.nanoTime() < deadline) {
      store.append(id, BenchFiles.EVENT);
      n++;
    }
    return n;
  }

  private static long pipelined(RunStore store, RunId id, int window, long deadline) {
    ArrayDeque<CompletableFuture<List<RunEvent>>> inFlight = new ArrayDeque<>();
    List<EventDraft> one = List.of(BenchFiles.EVENT);
    long n = 0;
    while (System.nanoTime() < deadline) {
      if (inFlight.size() == window) {
        inFlight.poll().join();
        n++;
      }
      inFlight.add(store.appendAsync(id, one, ExpectedSequence.any()));
    }
    while (!inFlight.isEmpty()) {
      inFlight.poll().join(); // acknowledged after the window: not counted
    }
    return n;
  }

  private static long raw(FileChannel ch, byte[] line, int perForce, long deadline)
      throws IOException {
    ByteBuffer lines = ByteBuffer.allocate(line.length * perForce);
    for (int i = 0; i < perForce; i++) {
      lines.put(line);
    }
    lines.flip();
    long n = 0;
    while (System.nanoTime() < deadline) {
      ByteBuffer b = lines.duplicate();
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(false);
      n += perForce;
    }
    return n;
  }

  private static FileChannel rawFile(Path dir) {
    try {
      return FileChannel.open(
          dir.resolve("raw-" + System.nanoTime() + ".ndjson"),
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeAll(List<FileChannel> files) throws IOException {
    for (FileChannel f : files) {
      f.close();
    }
  }
}
