package dev.runs.store.file;

import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Runs a step of a commit on a thread of its own that nothing can interrupt, while the calling
 * thread, which may be interrupted at any moment, waits for it. A {@link
 * java.nio.channels.FileChannel} closes itself when the thread using it is interrupted, so a step
 * that an interrupt cut once is redone here, where it runs to its end: a disk slower than the
 * interrupts cannot make it fail again and again.
 *
 * <p>The step may use what the calling thread holds (its locks stay held while it waits): the
 * calling thread does nothing else meanwhile, and starting and joining the thread order the step's
 * reads and writes with the caller's.
 */
final class Uninterruptible {
  private Uninterruptible() {}

  /**
   * Runs {@code step} on a new thread and waits for it to end, however often this thread is
   * interrupted meanwhile; an interrupt that arrives is kept: the thread's flag is set again on
   * return.
   *
   * @param name the thread's name
   * @param step what to run
   * @return what it returned
   * @throws RuntimeException what the step threw, unchecked ones as they are, checked ones wrapped
   */
  static <T> T call(String name, Callable<T> step) {
    Object[] outcome = new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread worker =
        new Thread(
            () -> {
              try {
                outcome[0] = step.call();
              } catch (Throwable t) {
                failure[0] = t;
              }
            },
            name);
    worker.setDaemon(true);
    worker.start();
    boolean interrupted = false;
    while (true) {
      try {
        worker.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable t = failure[0];
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException(name + " failed: " + t, t);
    }
    @SuppressWarnings("unchecked")
    T result = (T) outcome[0];
    return castNonNull(result);
  }

  private static <T> T castNonNull(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException("an uninterruptible step returned nothing");
    }
    return value;
  }
}
