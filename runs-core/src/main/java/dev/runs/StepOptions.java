package dev.runs;

import java.time.Duration;
import java.util.Objects;

/**
 * How a step is executed: how many attempts it gets per execution, the backoff between them, and
 * whether a cancel interrupts its thread.
 *
 * <pre>{@code
 * ctx.step("fetch", Page.class,
 *     StepOptions.retry(3, Duration.ofMillis(200)).withInterruptOnCancel(true),
 *     () -> client.fetch(url));
 * }</pre>
 *
 * @param maxAttempts attempts per execution of the run, at least 1 (a resume grants new ones)
 * @param backoff wait before the second attempt; zero for none
 * @param backoffMultiplier factor applied to the wait before each further attempt, at least 1
 * @param interruptOnCancel when true, a cancel interrupts the thread running the step's body
 */
public record StepOptions(
    int maxAttempts, Duration backoff, double backoffMultiplier, boolean interruptOnCancel) {

  /** Longest wait between two attempts, whatever the multiplier. */
  public static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  private static final StepOptions DEFAULTS = new StepOptions(1, Duration.ZERO, 1.0, false);

  /**
   * Validates the options.
   *
   * @throws IllegalArgumentException for attempts below 1, a negative backoff or a multiplier below
   *     1
   */
  public StepOptions {
    Objects.requireNonNull(backoff, "backoff");
    if (maxAttempts < 1 || maxAttempts > 1000) {
      throw new IllegalArgumentException("maxAttempts must be 1 to 1000 but was " + maxAttempts);
    }
    if (backoff.isNegative()) {
      throw new IllegalArgumentException("backoff must not be negative but was " + backoff);
    }
    if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
      throw new IllegalArgumentException(
          "backoffMultiplier must be a finite number >= 1 but was " + backoffMultiplier);
    }
  }

  /**
   * @return one attempt, no interrupt on cancel
   */
  public static StepOptions defaults() {
    return DEFAULTS;
  }

  /**
   * @param maxAttempts attempts per execution
   * @param backoff wait before the second attempt, doubled before each further one
   * @return retrying options
   */
  public static StepOptions retry(int maxAttempts, Duration backoff) {
    return new StepOptions(maxAttempts, backoff, 2.0, false);
  }

  /**
   * @param value whether a cancel interrupts the step's thread
   * @return a copy with the flag set
   */
  public StepOptions withInterruptOnCancel(boolean value) {
    return new StepOptions(maxAttempts, backoff, backoffMultiplier, value);
  }

  /**
   * @param value the backoff multiplier, at least 1
   * @return a copy with the multiplier set
   */
  public StepOptions withBackoffMultiplier(double value) {
    return new StepOptions(maxAttempts, backoff, value, interruptOnCancel);
  }

  /**
   * The wait after a failed attempt.
   *
   * @param failedAttempts how many attempts of this execution failed so far, at least 1
   * @return the wait before the next attempt, at most {@link #MAX_BACKOFF}
   */
  public Duration delayAfter(int failedAttempts) {
    if (failedAttempts < 1) {
      throw new IllegalArgumentException(
          "failedAttempts must be at least 1 but was " + failedAttempts);
    }
    double millis = backoff.toMillis() * Math.pow(backoffMultiplier, failedAttempts - 1);
    if (millis >= MAX_BACKOFF.toMillis()) {
      return MAX_BACKOFF;
    }
    return Duration.ofMillis((long) millis);
  }
}
