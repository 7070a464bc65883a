package dev.runs.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand, for deterministic event times and creation order. Each {@link
 * #instant()} call may also advance the clock by a fixed tick, so that runs created in a row get
 * distinct, increasing creation times. Thread-safe.
 */
public final class TestClock extends Clock {
  private final AtomicReference<Instant> now;
  private final Duration tick;

  private TestClock(Instant start, Duration tick) {
    this.now = new AtomicReference<>(start);
    this.tick = tick;
  }

  /**
   * @param start the first instant
   * @return a clock that stands still until moved
   */
  public static TestClock at(Instant start) {
    return new TestClock(start, Duration.ZERO);
  }

  /**
   * @param start the first instant
   * @param tick how far each read advances the clock
   * @return a clock that advances by {@code tick} on every read
   */
  public static TestClock ticking(Instant start, Duration tick) {
    return new TestClock(start, Objects.requireNonNull(tick, "tick"));
  }

  /**
   * Moves the clock.
   *
   * @param amount how far; may be negative to test a clock stepping back
   */
  public void advance(Duration amount) {
    now.updateAndGet(t -> t.plus(amount));
  }

  /**
   * Sets the clock.
   *
   * @param instant the new time
   */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public Instant instant() {
    if (tick.isZero()) {
      return Objects.requireNonNull(now.get(), "now");
    }
    return now.getAndUpdate(t -> t.plus(tick));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    if (!ZoneOffset.UTC.equals(zone)) {
      throw new UnsupportedOperationException("TestClock is UTC only");
    }
    return this;
  }
}
