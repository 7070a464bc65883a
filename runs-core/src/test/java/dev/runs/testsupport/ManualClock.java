package dev.runs.testsupport;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test sets by hand (core tests cannot use the testkit's TestClock). */
public final class ManualClock extends Clock {
  private volatile Instant now;

  /**
   * @param start the first instant
   */
  public ManualClock(Instant start) {
    this.now = start;
  }

  /**
   * @param instant the new time
   */
  public void set(Instant instant) {
    this.now = instant;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
