package dev.runs.store.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive locks on lock files, across threads and processes: a JVM-wide lock per file first
 * (so only one thread of this JVM ever holds a {@link java.nio.channels.FileLock} on a file,
 * which also keeps two stores opened on one directory in one JVM from tripping over each other),
 * then {@link FileChannel#lock()} for other processes. The lock file is opened for each hold and
 * closed when released: POSIX releases every lock a process holds on a file when any channel to it
 * is closed, which is harmless here because only the holder has the file open. A thread holds at
 * most one lock file at a time (the locks are not reentrant), which rules out real deadlocks.
 */
final class FileLocks {
  private static final ConcurrentHashMap<Path, Entry> ENTRIES = new ConcurrentHashMap<>();

  private FileLocks() {}

  private static final class Entry {
    final ReentrantLock jvm = new ReentrantLock();
    int users;
  }

  /** A held lock; close it to release. */
  static final class Held implements AutoCloseable {
    private final Path file;
    private final Entry entry;
    private final FileChannel channel;
    private boolean released;

    private Held(Path file, Entry entry, FileChannel channel) {
      this.file = file;
      this.entry = entry;
      this.channel = channel;
    }

    /** Releases the process lock and the JVM lock. */
    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      try {
        channel.close(); // releases the FileLock
      } catch (IOException e) {
        // the kernel drops the lock with the descriptor in any case
      } finally {
        entry.jvm.unlock();
        deref(file, entry);
      }
    }
  }

  /**
   * Blocks until this thread holds the lock on {@code file} (created if missing).
   *
   * @param file the lock file
   * @return the hold
   * @throws IOException when the lock file cannot be opened or locked
   * @throws IllegalStateException when this thread already holds it (locks are not reentrant)
   */
  static Held acquire(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    Entry e = ENTRIES.compute(key, (k, v) -> {
      Entry x = v == null ? new Entry() : v;
      x.users++;
      return x;
    });
    if (e.jvm.isHeldByCurrentThread()) {
      deref(key, e);
      throw new IllegalStateException("this thread already holds the lock " + key);
    }
    e.jvm.lock();
    FileChannel ch = null;
    try {
      ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      lockRetryingFalseDeadlocks(ch);
      return new Held(key, e, ch);
    } catch (IOException | RuntimeException | Error ex) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException closing) {
          ex.addSuppressed(closing);
        }
      }
      e.jvm.unlock();
      deref(key, e);
      throw ex;
    }
  }

  /**
   * POSIX record locks belong to processes, not threads, so the kernel's deadlock check sees a
   * cycle when thread 1 of process A holds run X's lock and waits for run Y's while a thread of
   * process B holds Y and waits for X, although A's two threads are independent. Each thread here
   * holds at most one lock file at a time, so no real cycle exists: back off briefly and retry.
   */
  private static void lockRetryingFalseDeadlocks(FileChannel ch) throws IOException {
    long backoffNanos = 50_000;
    while (true) {
      try {
        ch.lock();
        return;
      } catch (IOException e) {
        String m = e.getMessage();
        if (m == null || !m.toLowerCase(java.util.Locale.ROOT).contains("deadlock")) {
          throw e;
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(
          java.util.concurrent.ThreadLocalRandom.current().nextLong(backoffNanos / 2, backoffNanos + 1));
      backoffNanos = Math.min(backoffNanos * 2, 5_000_000);
    }
  }

  private static void deref(Path key, Entry e) {
    ENTRIES.computeIfPresent(key, (k, v) -> v == e && --v.users == 0 ? null : v);
  }
}
