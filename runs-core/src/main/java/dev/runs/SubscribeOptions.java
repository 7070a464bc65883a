package dev.runs;

import java.time.Duration;
import java.util.Objects;

/**
 * How a subscription behaves.
 *
 * @param bufferSize how far a subscriber may fall behind: when more newer events than this wait and
 *     it has no outstanding demand, it is ended with {@link SlowSubscriberException} (default
 *     10,000); also the most events buffered in memory for it
 * @param followResumed when true the stream stays open after {@code run.failed}, {@code
 *     run.cancelled} or {@code run.interrupted} and follows a later {@code run.resumed}, completing
 *     only after {@code run.completed} (which is final); when false (default) it completes after
 *     the first terminal event
 * @param pollInterval for changes made by other processes: how often the store is checked when
 *     nothing arrives (default 200 ms); changes made in this process arrive at once
 */
public record SubscribeOptions(int bufferSize, boolean followResumed, Duration pollInterval) {
  private static final SubscribeOptions DEFAULTS =
      new SubscribeOptions(10_000, false, Duration.ofMillis(200));

  /**
   * @return the defaults: a buffer of 10,000 events, not following resumes, polling every 200 ms
   */
  public static SubscribeOptions defaults() {
    return DEFAULTS;
  }

  /** Validates the options. */
  public SubscribeOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    if (bufferSize < 1 || bufferSize > 10_000_000) {
      throw new IllegalArgumentException(
          "bufferSize must be 1 to 10,000,000 but was " + bufferSize);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive but was " + pollInterval);
    }
  }

  /**
   * @param value buffer size
   * @return a copy with it changed
   */
  public SubscribeOptions withBufferSize(int value) {
    return new SubscribeOptions(value, followResumed, pollInterval);
  }

  /**
   * @param value whether to follow resumed runs
   * @return a copy with it changed
   */
  public SubscribeOptions withFollowResumed(boolean value) {
    return new SubscribeOptions(bufferSize, value, pollInterval);
  }

  /**
   * @param value the poll interval
   * @return a copy with it changed
   */
  public SubscribeOptions withPollInterval(Duration value) {
    return new SubscribeOptions(bufferSize, followResumed, value);
  }
}
