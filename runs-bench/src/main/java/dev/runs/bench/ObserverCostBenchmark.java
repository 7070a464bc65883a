package dev.runs.bench;

import dev.runs.CommitReport;
import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StoreObserver;
import dev.runs.micrometer.RunsMetrics;
import dev.runs.opentelemetry.RunTraceExporter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each observability module costs the commit path, isolated from the store: the time one
 * {@link StoreObserver#committed} call takes, single-threaded, for a one-event commit of an
 * agent-shaped run's events in turn (LiveExportKeepUp's 98 events: steps, model calls with usage,
 * the run's end). Throughput benchmarks of the whole append path cannot resolve this on a shared
 * machine; this one is CPU-bound and short, so its figure divided by a store's time per append is
 * the overhead bound. The observers are the ones the modules register ({@code RunsMetrics} bound to
 * a {@code SimpleMeterRegistry}; the live {@code RunTraceExporter} on a no-op OpenTelemetry, so
 * what is measured is its enqueue, not the fold on its own thread), captured from {@code
 * RunStore.observe}.
 *
 * <p>Run: {@code java -jar runs-bench/target/benchmarks.jar ObserverCostBenchmark -f 3 -wi 3 -i 5
 * -r 1s}. JMH measures wall time, which on a loaded machine includes the time the thread waited for
 * a CPU (several times the work on a 2-core machine with a load of 10); {@link #main} measures the
 * calling thread's CPU time per call instead, alternating the variants: {@code java -cp
 * runs-bench/target/benchmarks.jar dev.runs.bench.ObserverCostBenchmark [rounds] [calls per
 * round]}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ObserverCostBenchmark {

  /** The observers and a cycle of one-event commit reports. */
  @State(Scope.Thread)
  public static class Observers {
    RunStore store;
    RunsMetrics metrics;
    RunTraceExporter traces;
    StoreObserver metricsObserver;
    StoreObserver tracesObserver;
    List<CommitReport> commits = new ArrayList<>();
    int next;

    /** Builds the modules, captures their observers and makes the reports. */
    @Setup(Level.Trial)
    public void setUp() {
      store = RunStores.open("memory:");
      RunId run = store.create(SqliteBench.record()).record().id();
      for (EventDraft d : LiveExportKeepUp.runDrafts()) {
        RunEvent e = store.append(run, d);
        commits.add(new CommitReport(1, 1, Duration.ofNanos(50_000), List.of(e)));
      }
      metrics = RunsMetrics.builder(capturing(store, o -> metricsObserver = o)).build();
      metrics.bindTo(new SimpleMeterRegistry());
      traces =
          RunTraceExporter.builder(capturing(store, o -> tracesObserver = o), OpenTelemetry.noop())
              .build()
              .startLive();
    }

    /** Closes the modules and the store. */
    @TearDown(Level.Trial)
    public void tearDown() {
      traces.close();
      metrics.close();
      store.close();
    }

    CommitReport nextCommit() {
      CommitReport c = commits.get(next);
      next = next + 1 == commits.size() ? 0 : next + 1;
      return c;
    }
  }

  /** A view of the store whose {@code observe} hands the observer to the test as well. */
  static RunStore capturing(RunStore store, java.util.function.Consumer<StoreObserver> captured) {
    return (RunStore)
        Proxy.newProxyInstance(
            RunStore.class.getClassLoader(),
            new Class<?>[] {RunStore.class},
            (p, method, args) -> {
              if (method.getName().equals("observe")) {
                captured.accept((StoreObserver) args[0]);
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /**
   * Measures CPU nanoseconds per call of each variant, alternating them round by round.
   *
   * @param args rounds (default 7), calls per round and variant (default 500,000)
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    Observers o = new Observers();
    o.setUp();
    ObserverCostBenchmark b = new ObserverCostBenchmark();
    String[] names = {"baseline", "metrics", "traces"};
    double[][] ns = new double[names.length][rounds];
    long sink = 0;
    try {
      for (int r = -2; r < rounds; r++) { // two rounds warm up
        for (int v = 0; v < names.length; v++) {
          long cpu = threads.getCurrentThreadCpuTime();
          for (int i = 0; i < calls; i++) {
            CommitReport c =
                switch (v) {
                  case 0 -> b.baseline(o);
                  case 1 -> b.metrics(o);
                  default -> b.traces(o);
                };
            sink += c.appends();
          }
          if (r >= 0) {
            ns[v][r] = (double) (threads.getCurrentThreadCpuTime() - cpu) / calls;
          }
        }
      }
    } finally {
      o.tearDown();
    }
    for (int v = 0; v < names.length; v++) {
      double[] x = ns[v].clone();
      java.util.Arrays.sort(x);
      System.out.printf(
          java.util.Locale.ROOT,
          "%-8s %8.0f ns CPU per one-event commit (median of %d rounds; min %.0f, max %.0f)%n",
          names[v],
          x[rounds / 2],
          rounds,
          x[0],
          x[rounds - 1]);
    }
    System.out.println(sink == 0 ? "" : "(" + calls + " calls per round and variant)");
  }

  /**
   * @param o the observers
   * @return the report
   */
  @Benchmark
  public CommitReport baseline(Observers o) {
    return o.nextCommit();
  }

  /**
   * @param o the observers
   * @return the report
   */
  @Benchmark
  public CommitReport metrics(Observers o) {
    CommitReport c = o.nextCommit();
    o.metricsObserver.committed(c);
    return c;
  }

  /**
   * @param o the observers
   * @return the report
   */
  @Benchmark
  public CommitReport traces(Observers o) {
    CommitReport c = o.nextCommit();
    o.tracesObserver.committed(c);
    return c;
  }
}
