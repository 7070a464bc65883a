package dev.runs.http;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits on a condition with a deadline, never on a fixed sleep. */
final class Waits {
  private Waits() {}

  /**
   * Polls until the supplier returns non-null.
   *
   * @param probe returns the value once the condition holds, else null
   * @param timeout the deadline
   * @param what what is waited for, for the failure message
   * @param <T> the value type
   * @return the value
   */
  static <T> T until(Supplier<T> probe, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 1;
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
      pause = Math.min(pause * 2, 50);
    }
  }
}
