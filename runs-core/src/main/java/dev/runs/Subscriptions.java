package dev.runs;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Ways to consume a run's events without writing a {@link Flow.Subscriber}: a blocking iterator,
 * and a callback per event.
 *
 * <pre>{@code
 * try (EventStream events = Subscriptions.iterate(store.subscribe(runId, 0))) {
 *   while (events.hasNext()) {            // blocks until the next event or the end of the run
 *     System.out.println(events.next().type());
 *   }
 * }
 * }</pre>
 */
public final class Subscriptions {
  private Subscriptions() {}

  /**
   * Turns a publisher into a blocking iterator that requests {@code prefetch} events at a time.
   * {@code hasNext()} blocks until an event arrives or the stream ends; an error that ended the
   * stream (such as {@link SlowSubscriberException}) is thrown from {@code hasNext()}. Closing
   * cancels the subscription. Not thread-safe: one consumer thread.
   *
   * @param publisher the events
   * @param prefetch events requested ahead, 1 or more
   * @return the iterator
   */
  public static EventStream iterate(Flow.Publisher<RunEvent> publisher, int prefetch) {
    Objects.requireNonNull(publisher, "publisher");
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be at least 1 but was " + prefetch);
    }
    BlockingIterator it = new BlockingIterator(prefetch);
    publisher.subscribe(it);
    return it;
  }

  /**
   * {@link #iterate(Flow.Publisher, int)} with a prefetch of 256.
   *
   * @param publisher the events
   * @return the iterator
   */
  public static EventStream iterate(Flow.Publisher<RunEvent> publisher) {
    return iterate(publisher, 256);
  }

  /**
   * Calls {@code onEvent} for every event, then {@code onEnd} once with {@code null} when the
   * stream completed or with the error that ended it. Callbacks run on a store delivery thread, one
   * at a time; keep them short. Closing the returned handle cancels.
   *
   * @param publisher the events
   * @param onEvent called per event
   * @param onEnd called once at the end, with the error or {@code null}
   * @return a handle that cancels the subscription when closed
   */
  public static RunStore.Registration forEach(
      Flow.Publisher<RunEvent> publisher, Consumer<RunEvent> onEvent, Consumer<Throwable> onEnd) {
    Objects.requireNonNull(publisher, "publisher");
    Objects.requireNonNull(onEvent, "onEvent");
    Objects.requireNonNull(onEnd, "onEnd");
    CallbackSubscriber s = new CallbackSubscriber(onEvent, onEnd);
    publisher.subscribe(s);
    return s::cancel;
  }

  private static final class CallbackSubscriber implements Flow.Subscriber<RunEvent> {
    private final Consumer<RunEvent> onEvent;
    private final Consumer<Throwable> onEnd;
    private volatile Flow.@Nullable Subscription subscription;
    private volatile boolean cancelled;

    CallbackSubscriber(Consumer<RunEvent> onEvent, Consumer<Throwable> onEnd) {
      this.onEvent = onEvent;
      this.onEnd = onEnd;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(RunEvent item) {
      onEvent.accept(item);
    }

    @Override
    public void onError(Throwable throwable) {
      onEnd.accept(throwable);
    }

    @Override
    public void onComplete() {
      onEnd.accept(null);
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  private static final class BlockingIterator implements EventStream, Flow.Subscriber<RunEvent> {
    private final int prefetch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<RunEvent> queue = new ArrayDeque<>();
    private Flow.@Nullable Subscription subscription;
    private boolean ended;
    private @Nullable Throwable error;
    private boolean closed;
    private int consumedSinceRequest;

    BlockingIterator(int prefetch) {
      this.prefetch = prefetch;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      lock.lock();
      try {
        subscription = s;
        if (closed) {
          s.cancel();
          return;
        }
      } finally {
        lock.unlock();
      }
      s.request(prefetch);
    }

    @Override
    public void onNext(RunEvent item) {
      signal(() -> queue.addLast(item));
    }

    @Override
    public void onError(Throwable throwable) {
      signal(
          () -> {
            error = throwable;
            ended = true;
          });
    }

    @Override
    public void onComplete() {
      signal(() -> ended = true);
    }

    private void signal(Runnable change) {
      lock.lock();
      try {
        change.run();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public boolean hasNext() {
      lock.lock();
      try {
        while (queue.isEmpty() && !ended && !closed) {
          changed.awaitUninterruptibly();
        }
        if (!queue.isEmpty()) {
          return true;
        }
        if (error != null && !closed) {
          Throwable e = error;
          error = null;
          if (e instanceof RuntimeException re) {
            throw re;
          }
          throw new RunsException("subscription failed: " + e, e);
        }
        return false;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e;
      Flow.@Nullable Subscription s;
      boolean request = false;
      lock.lock();
      try {
        e = queue.pollFirst();
        s = subscription;
        if (++consumedSinceRequest >= Math.max(1, prefetch / 2)) {
          request = true;
        }
      } finally {
        lock.unlock();
      }
      if (request && s != null) {
        int n;
        lock.lock();
        try {
          n = consumedSinceRequest;
          consumedSinceRequest = 0;
        } finally {
          lock.unlock();
        }
        s.request(n);
      }
      return e;
    }

    @Override
    public void close() {
      Flow.Subscription s;
      lock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
        queue.clear();
        s = subscription;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (s != null) {
        s.cancel();
      }
    }
  }
}
