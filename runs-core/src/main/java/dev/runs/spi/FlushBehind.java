package dev.runs.spi;

import dev.runs.internal.support.DaemonPools;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import org.jspecify.annotations.Nullable;

/**
 * Forces a file's data to the disk in the background while its writer goes on writing, so that the
 * writer's own final force finds little left to write: the disk works while the writer reads,
 * hashes and copies the next bytes. Every {@link #EVERY} bytes written, a {@code force(false)} of
 * the channel is handed to a shared flusher thread, unless the previous one is still running.
 *
 * <p>This never replaces the writer's final force: a background force covers only what was written
 * before it began. Its failure is kept and thrown by the next {@link #written} or by {@link
 * #await}, because Linux reports a write-back error to one {@code fsync} of a file description
 * only, which may be the background one; a file whose background force failed is never reported as
 * written.
 *
 * <p>The flusher thread is never interrupted. A writer interrupted while it waits keeps waiting for
 * the force in flight (one force's time at most), then returns with its interrupt status set.
 *
 * <p>For engines and the core alike: bundle export writes its file through one, and the file store
 * its imported logs, where the force goes through the store's own durability setting.
 *
 * <p>Not thread-safe: one writer per instance. The flusher is shared by every instance.
 */
public final class FlushBehind {
  /** Bytes written between two background forces. */
  public static final long EVERY = 8L << 20;

  /** What forcing the file means to its writer (for example skipped when durability is off). */
  @FunctionalInterface
  public interface Force {
    /**
     * Forces what was written so far to the disk.
     *
     * @throws IOException when the force fails
     */
    void force() throws IOException;
  }

  /** One daemon thread, created when first needed and ended after a minute without work. */
  private static final ThreadPoolExecutor FLUSHER =
      DaemonPools.create("runs-flush-behind", 1, Duration.ofMinutes(1));

  private final Force force;
  private final String what;
  private long unforced;
  private @Nullable Future<?> inFlight;

  /**
   * Forces with {@code channel.force(false)}.
   *
   * @param channel the file being written; stays open until {@link #await} returned
   * @param what the file's name for messages
   */
  public FlushBehind(FileChannel channel, String what) {
    this(what, () -> channel.force(false));
  }

  /**
   * @param what the file's name for messages
   * @param force forces the file; what it forces stays open until {@link #await} returned
   */
  public FlushBehind(String what, Force force) {
    this.force = force;
    this.what = what;
  }

  /**
   * Counts bytes just written, and starts a background force when {@link #EVERY} bytes have been
   * written since the last one began and none is running.
   *
   * @param bytes how many
   * @throws IOException when an earlier background force failed
   */
  public void written(long bytes) throws IOException {
    unforced += bytes;
    if (unforced < EVERY) {
      return;
    }
    Future<?> f = inFlight;
    if (f != null) {
      if (!f.isDone()) {
        return; // the disk is busy with the previous bytes already
      }
      inFlight = null;
      check(f);
    }
    unforced = 0;
    inFlight =
        FLUSHER.submit(
            () -> {
              force.force();
              return null;
            });
  }

  /**
   * Waits for the background force in flight, if any.
   *
   * @throws IOException when a background force failed
   */
  public void await() throws IOException {
    Future<?> f = inFlight;
    if (f == null) {
      return;
    }
    inFlight = null;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true; // the force ends on its own; the channel must outlive it
        } catch (ExecutionException e) {
          throw failed(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void check(Future<?> done) throws IOException {
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + what);
    } catch (ExecutionException e) {
      throw failed(e.getCause());
    }
  }

  private IOException failed(@Nullable Throwable cause) {
    return new IOException(
        "cannot force " + what + " to the disk: " + (cause == null ? "unknown" : cause), cause);
  }
}
