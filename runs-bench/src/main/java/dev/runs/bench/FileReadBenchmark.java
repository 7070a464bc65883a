package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reads of the {@code file:} store: streaming a 1,000,000-event log (events per second; events
 * carry 300 bytes of payload, ~520 bytes per line) and listing among 10,000 runs (milliseconds per
 * call), warm (records and heads cached) and right after opening the store (every run.json read).
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class FileReadBenchmark {
  static final int EVENTS = 1_000_000;
  static final int RUNS = 10_000;

  /** A store holding one run with {@value #EVENTS} events. */
  @State(Scope.Benchmark)
  public static class BigLog {
    Path dir;
    RunStore store;
    RunId id;

    @Setup(Level.Trial)
    public void fill() {
      dir = Bench.scratch("file-read-");
      store = RunStores.open("file:" + dir.resolve("store") + "?durability=none");
      id = BenchFiles.startedRun(store, "bench");
      List<EventDraft> batch = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        batch.add(BenchFiles.EVENT);
      }
      List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
      for (int written = 2; written < Bench.events(); written += batch.size()) {
        List<EventDraft> b =
            written + batch.size() > Bench.events()
                ? batch.subList(0, Bench.events() - written)
                : batch;
        pending.add(store.appendAsync(id, b, ExpectedSequence.any()));
        if (pending.size() == 8) {
          pending.forEach(CompletableFuture::join);
          pending.clear();
        }
      }
      pending.forEach(CompletableFuture::join);
      if (store.entry(id).orElseThrow().lastSequence() != Bench.events()) {
        throw new IllegalStateException("expected " + Bench.events() + " events");
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
      Bench.delete(dir);
    }
  }

  /**
   * A store holding {@value #RUNS} runs in 10 namespaces; 1 in 100 is running, the rest created.
   */
  @State(Scope.Benchmark)
  public static class ManyRuns {
    Path dir;
    String uri;
    RunStore store;

    @Setup(Level.Trial)
    public void fill() {
      dir = Bench.scratch("file-list-");
      uri = "file:" + dir.resolve("store") + "?durability=none";
      store = RunStores.open(uri);
      for (int i = 0; i < Bench.listRuns(); i++) {
        String ns = "ns-" + (i % 10);
        if (i % 100 == 0) {
          BenchFiles.startedRun(store, ns);
        } else {
          store.create(
              dev.runs.RunRecord.builder(
                      dev.runs.WorkflowRef.of("bench", "1"),
                      dev.runs.ConfigSnapshot.empty(),
                      dev.runs.Trigger.of(dev.runs.TriggerSource.TEST, "bench-" + i))
                  .namespace(ns)
                  .build());
        }
      }
      store.list(RunQuery.all());
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
      Bench.delete(dir);
    }
  }

  /** A store opened afresh for every call: nothing cached. */
  @State(Scope.Thread)
  public static class Cold {
    RunStore store;

    @Setup(Level.Invocation)
    public void open(ManyRuns m) {
      store = RunStores.open(m.uri);
    }

    @TearDown(Level.Invocation)
    public void close() {
      store.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(EVENTS)
  public long read_1MEvents(BigLog s, Blackhole bh) {
    long n = 0;
    try (EventStream es = s.store.read(s.id, 0)) {
      while (es.hasNext()) {
        bh.consume(es.next());
        n++;
      }
    }
    if (n != Bench.events()) {
      throw new IllegalStateException("read " + n);
    }
    return n;
  }

  /**
   * Seeks: reads the events after sequence (events - 1,000) of the same log, so the last 1,000
   * (milliseconds per call; the sparse index of line offsets skips the first 999,000).
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long read_after999000(BigLog s, Blackhole bh) {
    long n = 0;
    try (EventStream es = s.store.read(s.id, Bench.events() - 1_000L)) {
      while (es.hasNext()) {
        bh.consume(es.next());
        n++;
      }
    }
    if (n != Math.min(1_000, Bench.events())) {
      throw new IllegalStateException("read " + n);
    }
    return n;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RunPage list_newest50_of10k(ManyRuns m) {
    return m.store.list(RunQuery.builder().limit(50).build());
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RunPage list_namespace50_of1k(ManyRuns m) {
    return m.store.list(RunQuery.builder().namespace("ns-3").limit(50).build());
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RunPage list_running_of10k(ManyRuns m) {
    return m.store.list(RunQuery.builder().status(RunStatus.RUNNING).limit(200).build());
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RunPage list_newest50_of10k_afterOpen(Cold c) {
    return c.store.list(RunQuery.builder().limit(50).build());
  }
}
