package dev.runs.internal.support;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pools of daemon threads for the core's background helpers (checking bundle lines, forcing and
 * hashing behind a writer): fixed size, an unbounded queue, and threads that end after an idle
 * time, so a pool nobody uses holds no thread and never keeps the JVM alive. Thread names end with
 * a number unique in the process.
 */
public final class DaemonPools {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private DaemonPools() {}

  /**
   * Creates a pool.
   *
   * @param name the threads' name before their number, such as {@code runs-hash-behind}
   * @param threads how many threads at most
   * @param idle how long a thread waits for work before it ends
   * @return the pool; its threads start as work arrives
   */
  public static ThreadPoolExecutor create(String name, int threads, Duration idle) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            idle.toMillis(),
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
