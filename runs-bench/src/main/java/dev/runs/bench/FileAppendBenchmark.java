package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable appends to the {@code file:} store (durability=fsync) beside their ceiling: raw {@link
 * FileChannel} append + force of the same NDJSON bytes with the same batch size. Scores are events
 * per second.
 *
 * <ul>
 *   <li>{@code append_ownRun_N}: N threads, each appending one event at a time (blocking) to its
 *       own run; ceiling {@code raw_ownFile_N}: N threads, each writing one line and forcing its
 *       own file.
 *   <li>{@code append_hotRun_N}: N threads appending to one run; the store can at best put the N
 *       waiting events into one commit, so the ceiling is {@code raw_groupOf_N}: one thread writing
 *       N lines per force.
 *   <li>{@code append_pipelined256}: one producer keeping 256 {@code appendAsync} in flight on one
 *       run; ceiling {@code raw_groupOf_256}.
 *   <li>{@code append_pipelined256_durabilityNone}: the same without fsync, which shows what the
 *       append path costs in CPU (validation, redaction, planning, encoding, the write).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class FileAppendBenchmark {

  /** One store per trial, plus the raw bytes of one event line. */
  @State(Scope.Benchmark)
  public static class Store {
    Path dir;
    RunStore store;
    RunId hot;
    byte[] line;

    @Setup(Level.Trial)
    public void open() {
      dir = Bench.scratch("file-append-");
      store = RunStores.open("file:" + dir.resolve("store"));
      hot = BenchFiles.startedRun(store, "bench");
      RunEvent sample = store.append(BenchFiles.startedRun(store, "bench"), BenchFiles.EVENT);
      line = (EventCodec.encode(sample) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
      Bench.delete(dir);
    }
  }

  /** A run of the calling thread. */
  @State(Scope.Thread)
  public static class OwnRun {
    RunId id;

    @Setup(Level.Trial)
    public void create(Store s) {
      id = BenchFiles.startedRun(s.store, "bench");
    }
  }

  /** A plain file of the calling thread, for the ceilings. */
  @State(Scope.Thread)
  public static class OwnFile {
    FileChannel channel;
    ByteBuffer one;
    ByteBuffer group4;
    ByteBuffer group16;
    ByteBuffer group256;

    @Setup(Level.Trial)
    public void open(Store s) throws IOException {
      channel =
          FileChannel.open(
              s.dir.resolve("raw-" + UUID.randomUUID() + ".ndjson"),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND);
      one = lines(s.line, 1);
      group4 = lines(s.line, 4);
      group16 = lines(s.line, 16);
      group256 = lines(s.line, 256);
    }

    private static ByteBuffer lines(byte[] line, int n) {
      ByteBuffer b = ByteBuffer.allocate(line.length * n);
      for (int i = 0; i < n; i++) {
        b.put(line);
      }
      return b.flip();
    }

    int writeAndForce(ByteBuffer lines) throws IOException {
      ByteBuffer b = lines.duplicate();
      int n = 0;
      while (b.hasRemaining()) {
        n += channel.write(b);
      }
      channel.force(false);
      return n;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      channel.close();
    }
  }

  /** One producer's window of asynchronous appends in flight. */
  public abstract static class Window {
    static final int WINDOW = 256;
    final ArrayDeque<CompletableFuture<List<RunEvent>>> inFlight = new ArrayDeque<>();
    final List<dev.runs.EventDraft> one = List.of(BenchFiles.EVENT);
    RunId id;

    Object next(RunStore store) {
      Object done = null;
      if (inFlight.size() == WINDOW) {
        done = inFlight.poll().join();
      }
      inFlight.add(store.appendAsync(id, one, ExpectedSequence.any()));
      return done;
    }

    @TearDown(Level.Iteration)
    public void drain() {
      while (!inFlight.isEmpty()) {
        inFlight.poll().join();
      }
    }
  }

  /** A window on the fsync store. */
  @State(Scope.Thread)
  public static class Pipeline extends Window {
    @Setup(Level.Trial)
    public void create(Store s) {
      id = BenchFiles.startedRun(s.store, "bench");
    }
  }

  // ---- the store
  // ---------------------------------------------------------------------------------

  @Benchmark
  @Threads(1)
  public RunEvent append_ownRun_1(Store s, OwnRun r) {
    return s.store.append(r.id, BenchFiles.EVENT);
  }

  @Benchmark
  @Threads(4)
  public RunEvent append_ownRun_4(Store s, OwnRun r) {
    return s.store.append(r.id, BenchFiles.EVENT);
  }

  @Benchmark
  @Threads(16)
  public RunEvent append_ownRun_16(Store s, OwnRun r) {
    return s.store.append(r.id, BenchFiles.EVENT);
  }

  @Benchmark
  @Threads(4)
  public RunEvent append_hotRun_4(Store s) {
    return s.store.append(s.hot, BenchFiles.EVENT);
  }

  @Benchmark
  @Threads(16)
  public RunEvent append_hotRun_16(Store s) {
    return s.store.append(s.hot, BenchFiles.EVENT);
  }

  @Benchmark
  @Threads(1)
  public Object append_pipelined256(Store s, Pipeline p) {
    return p.next(s.store);
  }

  /** A store without fsync: what the append path costs in CPU alone. */
  @State(Scope.Benchmark)
  public static class NoSync {
    Path dir;
    RunStore store;

    @Setup(Level.Trial)
    public void open() {
      dir = Bench.scratch("file-append-nosync-");
      store = RunStores.open("file:" + dir.resolve("store") + "?durability=none");
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
      Bench.delete(dir);
    }
  }

  /** A window on the store without fsync. */
  @State(Scope.Thread)
  public static class NoSyncPipeline extends Window {
    @Setup(Level.Trial)
    public void create(NoSync s) {
      id = BenchFiles.startedRun(s.store, "bench");
    }
  }

  @Benchmark
  @Threads(1)
  public Object append_pipelined256_durabilityNone(NoSync s, NoSyncPipeline p) {
    return p.next(s.store);
  }

  // ---- the ceilings
  // --------------------------------------------------------------------------------

  @Benchmark
  @Threads(1)
  public int raw_ownFile_1(OwnFile f) throws IOException {
    return f.writeAndForce(f.one);
  }

  @Benchmark
  @Threads(4)
  public int raw_ownFile_4(OwnFile f) throws IOException {
    return f.writeAndForce(f.one);
  }

  @Benchmark
  @Threads(16)
  public int raw_ownFile_16(OwnFile f) throws IOException {
    return f.writeAndForce(f.one);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(4)
  public int raw_groupOf_4(OwnFile f) throws IOException {
    return f.writeAndForce(f.group4);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(16)
  public int raw_groupOf_16(OwnFile f) throws IOException {
    return f.writeAndForce(f.group16);
  }

  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(256)
  public int raw_groupOf_256(OwnFile f) throws IOException {
    return f.writeAndForce(f.group256);
  }
}
