package dev.runs.internal;

import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunsException;
import dev.runs.SlowSubscriberException;
import dev.runs.StoreClosedException;
import dev.runs.StoreIoException;
import dev.runs.SubscribeOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber's view of one run. The source of truth is the store: {@code knownHead} is the
 * highest sequence known to be durable, {@code delivered} the last one handed to the subscriber.
 * Events between them come from the buffer (filled by the commit path, contiguous after {@code
 * delivered}) or, when the buffer does not have them, from a store read. So the hand-over from
 * catch-up to live cannot lose or repeat an event: every delivery is exactly {@code delivered + 1}.
 *
 * <p>Signals to the subscriber are serialized by a work-in-progress counter (only one drain runs at
 * a time) and happen on the hub's delivery pool.
 */
final class RunSubscription implements Flow.Subscription {
  private static final int READ_PAGE = 512;

  private final SubscriptionHub hub;
  private final RunId runId;
  private final long afterSequence;
  private final SubscribeOptions options;
  private final Flow.Subscriber<? super RunEvent> subscriber;
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();

  // guarded by this
  private final ArrayDeque<RunEvent> buffer = new ArrayDeque<>();
  private long delivered;
  private long knownHead;

  /** Events up to here existed when the subscription started: catching up on them is not lag. */
  private long liveBase;

  private boolean started;
  private boolean completeNow;
  private @Nullable Throwable error;
  private boolean finished;

  private final dev.runs.SubscriptionView view = new View();

  RunSubscription(
      SubscriptionHub hub,
      RunId runId,
      long afterSequence,
      SubscribeOptions options,
      Flow.Subscriber<? super RunEvent> subscriber) {
    this.hub = hub;
    this.runId = runId;
    this.afterSequence = afterSequence;
    this.options = options;
    this.subscriber = subscriber;
    this.delivered = afterSequence;
    this.knownHead = afterSequence;
    this.liveBase = afterSequence;
  }

  RunId runId() {
    return runId;
  }

  SubscribeOptions options() {
    return options;
  }

  /** The view observers see: reads only, never the subscription itself (it can cancel). */
  dev.runs.SubscriptionView view() {
    return view;
  }

  private final class View implements dev.runs.SubscriptionView {
    @Override
    public RunId runId() {
      return runId;
    }

    @Override
    public long deliveredSequence() {
      synchronized (RunSubscription.this) {
        return delivered;
      }
    }

    @Override
    public long lag() {
      synchronized (RunSubscription.this) {
        return Math.max(0, knownHead - delivered);
      }
    }

    @Override
    public String toString() {
      return "subscription to run " + runId;
    }
  }

  /** Registers for live events first, then learns the head: nothing can fall between the two. */
  void start() {
    try {
      subscriber.onSubscribe(this);
    } catch (RuntimeException e) {
      return; // a subscriber that throws from onSubscribe gets nothing more (rule 2.13)
    }
    try {
      hub.register(this);
      RunEntry entry = hub.store().entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
      synchronized (this) {
        knownHead = Math.max(knownHead, entry.lastSequence());
        liveBase = Math.max(afterSequence, entry.lastSequence());
        boolean ended =
            entry.status() == dev.runs.RunStatus.COMPLETED
                || (entry.status().isTerminal() && !options.followResumed());
        if (ended && entry.lastSequence() <= afterSequence) {
          completeNow = true;
        }
        started = true;
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        error = e;
        started = true;
      }
    }
    schedule();
  }

  @Override
  public void request(long n) {
    if (n <= 0) {
      synchronized (this) {
        if (error == null) {
          error = new IllegalArgumentException("request(" + n + "): rule 3.9 requires n > 0");
        }
      }
    } else {
      demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
    }
    schedule();
  }

  @Override
  public void cancel() {
    synchronized (this) {
      finished = true;
      buffer.clear();
    }
    hub.unregister(this);
  }

  /** Events just made durable by this process's commit path (commit thread: keep cheap). */
  void offer(List<RunEvent> events) {
    synchronized (this) {
      if (finished) {
        return;
      }
      long tail = buffer.isEmpty() ? delivered : buffer.peekLast().sequence();
      for (RunEvent e : events) {
        long s = e.sequence();
        if (s > knownHead) {
          knownHead = s;
        }
        if (s == tail + 1 && buffer.size() < options.bufferSize()) {
          buffer.addLast(e);
          tail = s;
        }
      }
      checkLag();
    }
    schedule();
  }

  /** The run's head is at least {@code lastSequence} (another process, or a poll). */
  void hint(long lastSequence) {
    synchronized (this) {
      if (finished || lastSequence <= knownHead) {
        return;
      }
      knownHead = lastSequence;
      checkLag();
    }
    schedule();
  }

  void storeClosed() {
    synchronized (this) {
      if (error == null && !finished) {
        error =
            new StoreClosedException(
                "store is closed; the subscription to run "
                    + runId
                    + " ended after sequence "
                    + delivered);
      }
    }
    schedule();
  }

  /**
   * Ends the subscription when the subscriber is the one not keeping up: more than {@code
   * bufferSize} events appeared since it joined that it has not taken, and it has no demand left. A
   * subscriber with outstanding demand is never cut off for our own delivery delays (a starved
   * delivery thread, a store read): it keeps receiving, and memory stays bounded because events
   * beyond the buffer are read again from the store.
   */
  private void checkLag() {
    long lag = knownHead - Math.max(delivered, liveBase);
    if (lag > options.bufferSize() && error == null && demand.get() == 0) {
      error = new SlowSubscriberException(runId, delivered, options.bufferSize());
      buffer.clear();
    }
  }

  private void schedule() {
    if (wip.getAndIncrement() == 0) {
      try {
        hub.deliveryExecutor().execute(this::drainLoop);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        wip.set(0); // the store is closing; nothing more is delivered
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    while (true) {
      drain();
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void drain() {
    while (true) {
      @Nullable RunEvent next = null;
      boolean read = false;
      Throwable fail = null;
      boolean complete = false;
      synchronized (this) {
        if (finished || !started) {
          return;
        }
        if (error != null) {
          fail = error;
          finished = true;
          buffer.clear();
        } else if (completeNow) {
          complete = true;
          finished = true;
        } else if (demand.get() == 0) {
          checkLag();
          if (error == null) {
            return;
          }
          continue;
        } else if (!buffer.isEmpty()) {
          next = buffer.pollFirst();
        } else if (knownHead > delivered) {
          read = true;
        } else {
          return;
        }
      }
      if (fail != null || complete) {
        hub.unregister(this);
        if (fail != null) {
          subscriber.onError(fail);
        } else {
          subscriber.onComplete();
        }
        return;
      }
      if (read) {
        if (!readFromStore()) {
          return;
        }
        continue;
      }
      deliver(Objects.requireNonNull(next, "a non-empty buffer gave an event"));
    }
  }

  private void deliver(RunEvent e) {
    synchronized (this) {
      if (e.sequence() != delivered + 1) {
        // cannot happen: the buffer is kept contiguous after delivered
        error =
            new IllegalStateException(
                "run "
                    + runId
                    + ": expected sequence "
                    + (delivered + 1)
                    + " but the buffer held "
                    + e.sequence());
        return;
      }
      delivered = e.sequence();
      // completed is final: even a subscription following resumed runs ends there
      if (e.isTerminal()
          && (!options.followResumed() || e.type().equals(EventTypes.RUN_COMPLETED))) {
        completeNow = true;
      }
    }
    demand.decrementAndGet();
    try {
      subscriber.onNext(e);
    } catch (RuntimeException ex) {
      // rule 2.13: a subscriber that throws is treated as cancelled
      cancel();
    }
  }

  /** Reads the events after {@code delivered} that the buffer lacks; false when none came back. */
  private boolean readFromStore() {
    long from;
    int want;
    synchronized (this) {
      from = delivered;
      want = (int) Math.min(knownHead - delivered, READ_PAGE);
    }
    List<RunEvent> page = new ArrayList<>(want);
    try (EventStream s = hub.store().read(runId, from)) {
      while (page.size() < want && s.hasNext()) {
        page.add(s.next());
      }
    } catch (RunsException | IllegalStateException e) {
      synchronized (this) {
        if (error == null) {
          error =
              e instanceof IllegalStateException
                  ? e
                  : new StoreIoException(
                      "run "
                          + runId
                          + ": reading events after "
                          + from
                          + " failed: "
                          + e.getMessage(),
                      e);
        }
      }
      return true;
    }
    synchronized (this) {
      if (delivered != from || page.isEmpty()) {
        return !page.isEmpty();
      }
      ArrayDeque<RunEvent> merged = new ArrayDeque<>(page.size() + buffer.size());
      long tail = delivered;
      for (RunEvent e : page) {
        if (e.sequence() == tail + 1) {
          merged.addLast(e);
          tail = e.sequence();
        }
      }
      for (RunEvent e : buffer) {
        if (e.sequence() == tail + 1) {
          merged.addLast(e);
          tail = e.sequence();
        }
      }
      buffer.clear();
      buffer.addAll(merged);
      if (tail > knownHead) {
        knownHead = tail;
      }
      return true;
    }
  }
}
