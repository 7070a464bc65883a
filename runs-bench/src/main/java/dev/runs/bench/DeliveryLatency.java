package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.SubscribeOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Delivery latency of live subscriptions: from the moment an append is acknowledged (its future
 * completes) to the moment each subscriber's {@code onNext} sees the event, at a fixed append rate,
 * for several subscriber counts. Percentiles are over every (event, subscriber) delivery. The store
 * tells subscriptions of a commit before it completes the appends' futures, so a delivery can come
 * before its ack; it counts as 0 µs.
 *
 * <p>This is an open-loop measurement (a fixed-rate producer), which JMH's closed-loop modes cannot
 * express; it runs as a plain program: {@code java -cp runs-bench/target/benchmarks.jar
 * dev.runs.bench.DeliveryLatency [store-uri] [events-per-second] [seconds] [subscriber counts...]}.
 */
public final class DeliveryLatency {
  /** Microsecond buckets up to 1 s; later deliveries land in the last bucket. */
  private static final int BUCKETS = 1_000_000;

  private DeliveryLatency() {}

  /** One measured configuration. */
  public record Result(
      int subscribers,
      int eventsPerSecond,
      long deliveries,
      double p50Micros,
      double p99Micros,
      double maxMicros,
      long slowSubscribers) {
    /**
     * @return a table row
     */
    public String row() {
      return String.format(
          Locale.ROOT,
          "| %,d | %,d | %,d | %.0f µs | %.0f µs | %.0f µs | %d |",
          subscribers,
          eventsPerSecond,
          deliveries,
          p50Micros,
          p99Micros,
          maxMicros,
          slowSubscribers);
    }
  }

  /**
   * Measures one configuration.
   *
   * @param uri store URI
   * @param subscribers subscriber count
   * @param eventsPerSecond append rate
   * @param seconds duration
   * @return the percentiles
   * @throws InterruptedException when interrupted
   */
  public static Result measure(String uri, int subscribers, int eventsPerSecond, double seconds)
      throws InterruptedException {
    int events = (int) (eventsPerSecond * seconds);
    AtomicLongArray ackNanos = new AtomicLongArray(events + 4);
    AtomicLongArray histogram = new AtomicLongArray(BUCKETS);
    long[] maxNanos = new long[subscribers];
    CountDownLatch done = new CountDownLatch(subscribers);
    long[] slow = new long[1];
    try (RunStore store = RunStores.open(uri)) {
      RunRecord r =
          RunRecord.builder(
                  WorkflowRef.of("latency", "1"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
              .build();
      store.create(r);
      RunId id = r.id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      long firstMeasured = 3;
      for (int s = 0; s < subscribers; s++) {
        int index = s;
        store
            .subscribe(id, 2, SubscribeOptions.defaults().withBufferSize(10_000_000))
            .subscribe(
                new Flow.Subscriber<RunEvent>() {
                  @Override
                  public void onSubscribe(Flow.Subscription sub) {
                    sub.request(Long.MAX_VALUE);
                  }

                  @Override
                  public void onNext(RunEvent e) {
                    long now = System.nanoTime();
                    long seq = e.sequence();
                    if (seq < firstMeasured || seq >= firstMeasured + events) {
                      return;
                    }
                    // The store tells subscriptions of a commit before it completes the
                    // appends' futures, so an event can arrive before its ack is recorded: its
                    // ack, taken later, is after now, and its latency is 0. Counting it so,
                    // rather than spinning until the ack appears, keeps the measurement from
                    // taking a core from the commit thread it waits for.
                    long ack = ackNanos.get((int) seq);
                    long latency = ack == 0 ? 0 : Math.max(0, now - ack);
                    histogram.incrementAndGet((int) Math.min(BUCKETS - 1, latency / 1000));
                    if (latency > maxNanos[index]) {
                      maxNanos[index] = latency;
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    synchronized (slow) {
                      slow[0]++;
                    }
                    done.countDown();
                  }

                  @Override
                  public void onComplete() {
                    done.countDown();
                  }
                });
      }
      String text = "x".repeat(250);
      long start = System.nanoTime();
      long interval = 1_000_000_000L / eventsPerSecond;
      List<CompletableFuture<RunEvent>> pending = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        pending.add(
            store
                .appendAsync(
                    id,
                    EventDraft.of(
                        EventTypes.CONSOLE_LINE,
                        Payload.of(Map.of("stream", "stdout", "text", text, "i", i))))
                .whenComplete(
                    (e, t) -> {
                      if (e != null) {
                        ackNanos.set((int) e.sequence(), System.nanoTime());
                      }
                    }));
        if (pending.size() > 10_000) {
          pending.subList(0, 5_000).forEach(CompletableFuture::join);
          pending.subList(0, 5_000).clear();
        }
      }
      pending.forEach(CompletableFuture::join);
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      if (!done.await(5 + ((long) seconds) * 20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("subscribers did not finish");
      }
    }
    long total = 0;
    for (int b = 0; b < BUCKETS; b++) {
      total += histogram.get(b);
    }
    long max = 0;
    for (long m : maxNanos) {
      max = Math.max(max, m);
    }
    return new Result(
        subscribers,
        eventsPerSecond,
        total,
        percentile(histogram, total, 0.50),
        percentile(histogram, total, 0.99),
        max / 1000.0,
        slow[0]);
  }

  private static double percentile(AtomicLongArray h, long total, double q) {
    long target = (long) Math.ceil(total * q);
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += h.get(b);
      if (seen >= target && target > 0) {
        return b + 0.5;
      }
    }
    return Double.NaN;
  }

  /**
   * Runs the measurement and prints a Markdown table.
   *
   * @param args [store-uri] [events-per-second] [seconds] [subscriber counts...]
   * @throws InterruptedException when interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    String uri = args.length > 0 ? args[0] : "memory:";
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
    List<Integer> counts = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      counts.add(Integer.parseInt(args[i]));
    }
    if (counts.isEmpty()) {
      counts = List.of(1, 100, 1000);
    }
    measure(uri, 1, rate, 1); // warm-up
    System.out.println("| subscribers | events/s | deliveries | p50 | p99 | max | ended as slow |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    for (int n : counts) {
      System.out.println(measure(uri, n, rate, seconds).row());
    }
  }
}
