package dev.runs.internal;

import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.StoreClosedException;
import dev.runs.SubscribeOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live delivery for {@link RunStore#subscribe}. Each run with subscribers has a channel. The commit
 * path hands the channel the events it just made durable (no store read needed); changes made by
 * other processes arrive as hints (from the engine, or from a poll of the run's head every {@link
 * SubscribeOptions#pollInterval()}), after which subscribers read the missing events from the
 * store. Subscriptions deliver on a shared pool, never on the commit thread.
 */
final class SubscriptionHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SubscriptionHub.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final RunStore store;
  private final Lifecycle lifecycle;
  private final Map<RunId, Channel> channels = new ConcurrentHashMap<>();
  private final ForkJoinPool delivery;
  private final ScheduledExecutorService poller;
  private volatile boolean closed;

  /** Told as subscriptions open and close (the store's observers). Must not throw or block. */
  interface Lifecycle {
    /**
     * @param s a subscription just registered
     */
    void opened(RunSubscription s);

    /**
     * @param s a registered subscription that just ended (told once)
     */
    void closed(RunSubscription s);
  }

  /**
   * @param store the store subscriptions read from
   * @param lifecycle told as subscriptions open and close
   */
  SubscriptionHub(RunStore store, Lifecycle lifecycle) {
    this.store = store;
    this.lifecycle = lifecycle;
    this.delivery =
        new ForkJoinPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            pool -> {
              ForkJoinWorkerThread t =
                  ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
              t.setName("runs-deliver-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            null,
            true);
    ScheduledThreadPoolExecutor p =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "runs-poll-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    p.setRemoveOnCancelPolicy(true);
    this.poller = p;
  }

  Executor deliveryExecutor() {
    return delivery;
  }

  RunStore store() {
    return store;
  }

  /** A run's subscriptions and its poll task. */
  private final class Channel {
    final RunId runId;
    final CopyOnWriteArrayList<RunSubscription> subs = new CopyOnWriteArrayList<>();
    @Nullable ScheduledFuture<?> poll;
    @Nullable Duration pollInterval;

    Channel(RunId runId) {
      this.runId = runId;
    }

    void poll() {
      if (subs.isEmpty()) {
        return;
      }
      try {
        RunEntry e = store.entry(runId).orElse(null);
        if (e != null) {
          for (RunSubscription s : subs) {
            s.hint(e.lastSequence());
          }
        }
      } catch (StoreClosedException closedStore) {
        // store closing; the hub closes the subscriptions
      } catch (RuntimeException ex) {
        log.debug("run {} - polling for new events failed", runId, ex);
      }
    }
  }

  void register(RunSubscription s) {
    if (closed) {
      throw new StoreClosedException("store is closed");
    }
    channels.compute(
        s.runId(),
        (id, ch) -> {
          Channel c = ch != null ? ch : new Channel(id);
          c.subs.add(s);
          Duration interval = s.options().pollInterval();
          if (c.poll == null || interval.compareTo(c.pollInterval) < 0) {
            if (c.poll != null) {
              c.poll.cancel(false);
            }
            c.pollInterval = interval;
            long ms = Math.max(1, interval.toMillis());
            c.poll = poller.scheduleWithFixedDelay(c::poll, ms, ms, TimeUnit.MILLISECONDS);
          }
          return c;
        });
    lifecycle.opened(s);
  }

  void unregister(RunSubscription s) {
    boolean[] removed = {false};
    channels.computeIfPresent(
        s.runId(),
        (id, c) -> {
          removed[0] = c.subs.remove(s);
          if (c.subs.isEmpty()) {
            if (c.poll != null) {
              c.poll.cancel(false);
            }
            return null;
          }
          return c;
        });
    if (removed[0]) {
      lifecycle.closed(s);
    }
  }

  /** Called on the commit thread with events that just became durable. */
  void committed(RunId runId, List<RunEvent> written) {
    Channel c = channels.get(runId);
    if (c == null || written.isEmpty()) {
      return;
    }
    for (RunSubscription s : c.subs) {
      s.offer(written);
    }
  }

  /** A change seen by the engine in another process. */
  void externalChange(RunChange change) {
    Channel c = channels.get(change.runId());
    if (c == null) {
      return;
    }
    for (RunSubscription s : c.subs) {
      s.hint(change.lastSequence());
    }
  }

  int subscriberCount(RunId runId) {
    Channel c = channels.get(runId);
    return c == null ? 0 : c.subs.size();
  }

  @Override
  public void close() {
    closed = true;
    for (Channel c : channels.values()) {
      for (RunSubscription s : c.subs) {
        s.storeClosed();
      }
    }
    for (RunId id : List.copyOf(channels.keySet())) {
      Channel c = channels.remove(id);
      if (c != null) {
        for (RunSubscription s : c.subs) {
          lifecycle.closed(s);
        }
      }
    }
    poller.shutdownNow();
    delivery.shutdown();
    try {
      if (!delivery.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("event delivery threads did not stop within 5 s; a subscriber may be blocking");
        delivery.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
