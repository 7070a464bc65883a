package dev.runs.store.file;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Lock files that many holders share, across threads and processes, and that one holder can take
 * alone when nobody shares it: the stage writers of a run share the run's {@code stages.lock} for
 * as long as they write, and the sweep that removes what dead writers left takes it alone, so it
 * never removes an attempt a live writer is still writing.
 *
 * <p>Within this JVM a count of sharing threads per file decides; the process holds one {@code
 * fcntl} lock per file through one channel: shared while any thread shares it, exclusive while a
 * thread holds it alone, none otherwise. The channel is opened by the first holder and closed by
 * the last (POSIX drops every lock a process holds on a file when any descriptor of it is closed,
 * so no other descriptor of these files is ever opened while one is held). Taking the lock alone
 * never waits. These files are never locked through {@link FileLocks}.
 *
 * <p>Thread-safe.
 */
final class SharedFileLocks {
  private static final ConcurrentHashMap<Path, State> STATES = new ConcurrentHashMap<>();

  private SharedFileLocks() {}

  private static final class State {
    /** Threads holding or waiting; guarded by the map's compute. */
    int users;

    // ---- guarded by this
    int sharing;
    boolean alone;
    @Nullable FileChannel channel;
  }

  /** A held lock; close it to release. Not thread-safe: the thread that took it closes it. */
  static final class Held implements AutoCloseable {
    private final Path file;
    private final State state;
    private final boolean alone;
    private boolean released;

    private Held(Path file, State state, boolean alone) {
      this.file = file;
      this.state = state;
      this.alone = alone;
    }

    /** Releases this hold; the process lock goes with the last holder of this JVM. */
    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      synchronized (state) {
        if (alone) {
          state.alone = false;
          closeChannel(state);
        } else if (--state.sharing == 0) {
          closeChannel(state);
        }
        state.notifyAll();
      }
      deref(file, state);
    }
  }

  /**
   * Blocks until this thread shares the lock on {@code file} (created if missing). It waits only
   * while someone holds the lock alone.
   *
   * @param file the lock file
   * @return the hold
   * @throws IOException when the lock file cannot be opened or locked, or the wait is interrupted
   */
  static Held acquireShared(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    State s = ref(key);
    try {
      synchronized (s) {
        while (s.alone) {
          try {
            s.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock " + key);
          }
        }
        if (s.sharing == 0) {
          FileChannel ch = open(key);
          try {
            lockRetryingFalseDeadlocks(ch);
          } catch (IOException | RuntimeException | Error e) {
            closeQuietly(ch);
            throw e;
          }
          s.channel = ch;
        }
        s.sharing++;
      }
      return new Held(key, s, false);
    } catch (IOException | RuntimeException | Error e) {
      deref(key, s);
      throw e;
    }
  }

  /**
   * Takes the lock on {@code file} (created if missing) alone if nobody, in any process, holds it;
   * never waits.
   *
   * @param file the lock file
   * @return the hold, or null when a thread of this or another process holds the lock
   * @throws IOException when the lock file cannot be opened or locked
   */
  static @Nullable Held tryAcquireAlone(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    State s = ref(key);
    boolean held = false;
    try {
      synchronized (s) {
        if (s.alone || s.sharing > 0) {
          return null;
        }
        FileChannel ch = open(key);
        FileLock lock;
        try {
          lock = ch.tryLock(0, Long.MAX_VALUE, false);
        } catch (IOException | RuntimeException | Error e) {
          closeQuietly(ch);
          throw e;
        }
        if (lock == null) {
          closeQuietly(ch);
          return null;
        }
        s.channel = ch;
        s.alone = true;
        held = true;
      }
      return new Held(key, s, true);
    } finally {
      if (!held) {
        deref(key, s);
      }
    }
  }

  private static FileChannel open(Path key) throws IOException {
    return FileChannel.open(
        key,
        StandardOpenOption.CREATE,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
  }

  /** As in {@link FileLocks}: Linux may report a false deadlock between two processes' threads. */
  private static void lockRetryingFalseDeadlocks(FileChannel ch) throws IOException {
    long backoffNanos = 50_000;
    while (true) {
      try {
        ch.lock(0, Long.MAX_VALUE, true);
        return;
      } catch (IOException e) {
        String m = e.getMessage();
        if (m == null || !m.toLowerCase(Locale.ROOT).contains("deadlock")) {
          throw e;
        }
      }
      LockSupport.parkNanos(
          ThreadLocalRandom.current().nextLong(backoffNanos / 2, backoffNanos + 1));
      backoffNanos = Math.min(backoffNanos * 2, 5_000_000);
    }
  }

  /** Closes the channel, which drops the process lock; the caller holds the state's monitor. */
  private static void closeChannel(State s) {
    FileChannel ch = s.channel;
    s.channel = null;
    if (ch != null) {
      closeQuietly(ch);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing drops the lock in any case
    }
  }

  private static State ref(Path key) {
    return STATES.compute(
        key,
        (k, v) -> {
          State x = v == null ? new State() : v;
          x.users++;
          return x;
        });
  }

  private static void deref(Path key, State s) {
    STATES.computeIfPresent(key, (k, v) -> v == s && --v.users == 0 ? null : v);
  }
}
