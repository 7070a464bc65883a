package dev.runs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The peer's durable append throughput: Axon Framework 4's JDBC event storage engine on a SQLite
 * file in WAL mode with {@code synchronous=FULL} (see {@link AxonPeer} and {@code
 * docs/benchmarks-peer.md}). Scores are events per second.
 *
 * <ul>
 *   <li>{@code appendSyncOwnAggregate}: {@code threads} writers, each appending one event at a time
 *       to its own aggregate (one run each), each append returning only after its commit.
 *   <li>{@code appendSyncHotAggregate}: {@code threads} writers appending one event at a time to
 *       one shared aggregate the way Axon's repositories do in one JVM: the aggregate's lock, the
 *       cached last sequence number, a retry if the store refuses it.
 *   <li>{@code appendSyncHotAggregateOptimistic}: the same without the lock, with Axon's optimistic
 *       sequence numbers only: read the last sequence, append after it, retry on a duplicate-key
 *       conflict. The {@code conflicts} counter of both is the rate of refused appends.
 *   <li>{@code appendBatch256}: one producer appending 256 events per unit of work (one publish,
 *       one transaction) to one aggregate.
 * </ul>
 *
 * <p>JMH's own thread count is fixed per run, so {@code threads} is a parameter and the writers are
 * this benchmark's threads: one invocation is a round of {@value #EVENTS_PER_ROUND} events, split
 * evenly over the writers, which all start together and each append their share synchronously.
 * Every trial starts from a fresh temporary database.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class AxonAppendBenchmark {
  /** Events per invocation of the synchronous scenarios (divisible by every writer count). */
  static final int EVENTS_PER_ROUND = 256;

  /** Events per unit of work of the batch scenario. */
  static final int BATCH = 256;

  /**
   * Whether write transactions queue in process for SQLite's write lock (the default, Axon's best
   * on SQLite); {@code -jvmArgsAppend -Daxon.writeQueue=false} measures SQLite's busy handler
   * instead.
   */
  static final boolean WRITE_QUEUE = !"false".equals(System.getProperty("axon.writeQueue"));

  /** The synchronous writers, on one fresh database per trial. */
  @State(Scope.Benchmark)
  public static class Writers {
    /** How many writer threads append at once. */
    @Param({"1", "4", "16"})
    public int threads;

    private Path dir;
    AxonPeer peer;
    private ExecutorService pool;

    /** Per writer: the next sequence number of its own aggregate. */
    long[] next;

    /** Opens a fresh database and starts the writer threads. */
    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("axon-bench");
      peer = AxonPeer.open(dir.resolve("axon.db"), WRITE_QUEUE);
      AtomicInteger counter = new AtomicInteger();
      pool =
          Executors.newFixedThreadPool(
              threads,
              r -> {
                Thread t = new Thread(r, "axon-writer-" + counter.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      next = new long[threads];
    }

    /**
     * Runs one round: every writer at once, each running {@code work} for its share of the round.
     *
     * @return the sum of what the writers returned
     */
    long round(Work work) {
      int share = EVENTS_PER_ROUND / threads;
      CountDownLatch start = new CountDownLatch(threads);
      List<Future<Long>> writers = new ArrayList<>(threads);
      for (int w = 0; w < threads; w++) {
        int writer = w;
        writers.add(
            pool.submit(
                () -> {
                  start.countDown();
                  start.await(); // every writer starts together, each on its own thread
                  return work.run(writer, share);
                }));
      }
      long sum = 0;
      for (Future<Long> f : writers) {
        try {
          sum += f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a writer failed", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the writers", e);
        }
      }
      return sum;
    }

    /** Stops the writers, closes and deletes the database. */
    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
      peer.close();
      AxonPeer.deleteDatabase(peer.database());
      Files.deleteIfExists(dir);
    }
  }

  /** What one writer does in a round. */
  @FunctionalInterface
  interface Work {
    long run(int writer, int events) throws Exception;
  }

  /** Refused appends on the hot aggregate, reported beside the score as a rate. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Conflicts {
    /** Conflicts (duplicate sequence numbers refused by the store) in this iteration. */
    public long conflicts;

    /** Resets the counter. */
    @Setup(Level.Iteration)
    public void reset() {
      conflicts = 0;
    }
  }

  /** The single producer of the batch scenario, on one fresh database per trial. */
  @State(Scope.Benchmark)
  public static class Producer {
    private Path dir;
    AxonPeer peer;
    long next;

    /** Opens a fresh database. */
    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("axon-bench");
      peer = AxonPeer.open(dir.resolve("axon.db"), WRITE_QUEUE);
    }

    /** Closes and deletes the database. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
      peer.close();
      AxonPeer.deleteDatabase(peer.database());
      Files.deleteIfExists(dir);
    }
  }

  /**
   * Each writer appends its share one event at a time to its own aggregate.
   *
   * @param w the writers
   * @return the events appended
   */
  @Benchmark
  @OperationsPerInvocation(EVENTS_PER_ROUND)
  public long appendSyncOwnAggregate(Writers w) {
    return w.round(
        (writer, events) -> {
          String aggregate = "run-" + writer;
          for (int k = 0; k < events; k++) {
            w.next[writer] = w.peer.append(aggregate, w.next[writer], 1);
          }
          return events;
        });
  }

  /**
   * Each writer appends its share one event at a time to the one hot aggregate, as Axon's
   * repositories do in one JVM: under the aggregate's lock, after the cached last sequence number,
   * retrying on conflict (see {@link AxonPeer#appendLocked}).
   *
   * @param w the writers
   * @param c the conflict counter
   * @return the conflicts met
   */
  @Benchmark
  @OperationsPerInvocation(EVENTS_PER_ROUND)
  public long appendSyncHotAggregate(Writers w, Conflicts c) {
    long conflicts =
        w.round(
            (writer, events) -> {
              long met = 0;
              for (int k = 0; k < events; k++) {
                met += w.peer.appendLocked("run-hot");
              }
              return met;
            });
    c.conflicts += conflicts;
    return conflicts;
  }

  /**
   * Each writer appends its share one event at a time to the one hot aggregate with no lock: read
   * the last sequence number, append after it, retry on conflict (see {@link
   * AxonPeer#appendWithRetry}); what appenders in several processes would do.
   *
   * @param w the writers
   * @param c the conflict counter
   * @return the conflicts met
   */
  @Benchmark
  @OperationsPerInvocation(EVENTS_PER_ROUND)
  public long appendSyncHotAggregateOptimistic(Writers w, Conflicts c) {
    long conflicts =
        w.round(
            (writer, events) -> {
              long met = 0;
              for (int k = 0; k < events; k++) {
                met += w.peer.appendWithRetry("run-hot");
              }
              return met;
            });
    c.conflicts += conflicts;
    return conflicts;
  }

  /**
   * One producer appends {@value #BATCH} events in one unit of work.
   *
   * @param p the producer
   * @return the next sequence number
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long appendBatch256(Producer p) {
    p.next = p.peer.append("run-batch", p.next, BATCH);
    return p.next;
  }
}
