package dev.runs.testkit;

import dev.runs.RunEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Flow.Subscriber} for tests: requests a fixed number of events up front (or everything),
 * collects what it receives, and lets a test wait for a count or for the end with a deadline.
 * Thread-safe.
 */
public final class CollectingSubscriber implements Flow.Subscriber<RunEvent> {
  private final long initialRequest;
  private final List<RunEvent> events = new ArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Flow.@Nullable Subscription subscription;
  private volatile @Nullable Throwable error;
  private volatile boolean completed;

  /**
   * @param initialRequest how many events to request on subscribe ({@code Long.MAX_VALUE} for all)
   */
  public CollectingSubscriber(long initialRequest) {
    this.initialRequest = initialRequest;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    this.subscription = s;
    if (initialRequest > 0) {
      s.request(initialRequest);
    }
  }

  @Override
  public void onNext(RunEvent item) {
    synchronized (events) {
      events.add(item);
      events.notifyAll();
    }
  }

  @Override
  public void onError(Throwable throwable) {
    error = throwable;
    done.countDown();
  }

  @Override
  public void onComplete() {
    completed = true;
    done.countDown();
  }

  /**
   * @param n more events to request
   */
  public void request(long n) {
    subscribed().request(n);
  }

  /** Cancels the subscription. */
  public void cancel() {
    subscribed().cancel();
  }

  private Flow.Subscription subscribed() {
    Flow.@Nullable Subscription s = subscription;
    if (s == null) {
      throw new IllegalStateException(
          "not subscribed yet: pass this subscriber to subscribe first");
    }
    return s;
  }

  /**
   * @return a copy of the events received so far
   */
  public List<RunEvent> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /**
   * @return the sequences received so far
   */
  public List<Long> sequences() {
    List<Long> out = new ArrayList<>();
    for (RunEvent e : events()) {
      out.add(e.sequence());
    }
    return out;
  }

  /**
   * @return the error that ended the stream, or {@code null} (read as {@code isNull()})
   */
  public @Nullable Throwable error() {
    return error;
  }

  /**
   * @return true when the stream completed normally
   */
  public boolean completed() {
    return completed;
  }

  /**
   * @return true when the stream ended (completed or failed)
   */
  public boolean isDone() {
    return done.getCount() == 0;
  }

  /**
   * Waits until at least {@code count} events arrived.
   *
   * @param count the count
   * @param timeout the deadline
   * @throws InterruptedException when interrupted
   * @throws AssertionError when the deadline passes first
   */
  public void awaitCount(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (events.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "expected "
                  + count
                  + " events within "
                  + timeout
                  + " but got "
                  + events.size()
                  + (error != null ? " and error " + error : ""));
        }
        TimeUnit.NANOSECONDS.timedWait(events, left);
      }
    }
  }

  /**
   * Waits until the stream ends.
   *
   * @param timeout the deadline
   * @throws InterruptedException when interrupted
   * @throws AssertionError when the deadline passes first
   */
  public void awaitDone(Duration timeout) throws InterruptedException {
    if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError(
          "stream did not end within " + timeout + "; received " + sequences().size() + " events");
    }
  }
}
