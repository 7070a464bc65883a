package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.SubscribeOptions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Does a subscriber that stops requesting slow the writers? One producer pipelines appends (256 in
 * flight) to one run of the in-memory store (no disk, so any cost of delivery shows), with: no
 * subscriber; one subscriber that requested one event and then nothing (its buffer is large enough
 * that it is not cut off during the measurement, so it stays attached and stalled throughout); and
 * one subscriber that takes everything.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@State(Scope.Thread)
public class WritersWithSubscribersBenchmark {
  @Param({"none", "stalled", "active"})
  public String subscriber;

  RunStore store;
  RunId run;
  final ArrayDeque<CompletableFuture<List<RunEvent>>> inFlight = new ArrayDeque<>();
  final List<EventDraft> one = List.of(Bench.EVENT);
  Flow.Subscription subscription;

  /** Opens the store, starts a run and attaches the subscriber. */
  @Setup(Level.Trial)
  public void open() {
    store = RunStores.open("memory:");
    run = store.create(SqliteBench.record()).record().id();
    store.append(run, EventDraft.of(EventTypes.RUN_STARTED));
    if (subscriber.equals("none")) {
      return;
    }
    long initial = subscriber.equals("stalled") ? 1 : Long.MAX_VALUE;
    store
        .subscribe(run, 0, SubscribeOptions.defaults().withBufferSize(10_000_000))
        .subscribe(
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(initial);
              }

              @Override
              public void onNext(RunEvent item) {}

              @Override
              public void onError(Throwable t) {
                throw new IllegalStateException("the subscriber was ended: " + t, t);
              }

              @Override
              public void onComplete() {}
            });
  }

  /** Waits for what is in flight and closes the store. */
  @TearDown(Level.Trial)
  public void close() {
    while (!inFlight.isEmpty()) {
      inFlight.poll().join();
    }
    if (subscription != null) {
      subscription.cancel();
    }
    store.close();
  }

  /**
   * @return the oldest append once 256 are in flight
   */
  @Benchmark
  public Object append() {
    Object done = null;
    if (inFlight.size() == 256) {
      done = inFlight.poll().join();
    }
    inFlight.add(store.appendAsync(run, one, ExpectedSequence.any()));
    return done;
  }
}
