package dev.runs.mcp;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition with a deadline. */
final class Waits {
  private Waits() {}

  static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
