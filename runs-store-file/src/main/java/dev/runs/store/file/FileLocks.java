package dev.runs.store.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Exclusive locks on lock files, across threads and processes: a JVM-wide lock per file first (so
 * only one thread of this JVM ever holds a {@link FileLock} on a file, which also keeps two stores
 * opened on one directory in one JVM from tripping over each other), then {@link
 * FileChannel#lock()} for other processes.
 *
 * <p>One channel per lock file is kept open for the whole JVM and reused, so a lock costs one
 * {@code fcntl} call and no open/close. POSIX releases every lock a process holds on a file when
 * any descriptor of it is closed; a cached channel is therefore closed (to bound open files) only
 * while its JVM-wide lock is held, when no thread of this JVM can hold the file's lock. A thread
 * holds at most one of these lock files at a time (the locks are not reentrant), which rules out
 * real deadlocks. The one lock taken while holding one of them, a run's {@code stages.lock} in
 * {@link SharedFileLocks} under its {@code run.lock}, never waits there: whoever holds it alone
 * holds that {@code run.lock} too. The store lock is the exception: deletion holds it while it
 * takes a run's lock, and nothing takes the store lock while holding a run's, so the order is
 * fixed. Likewise creation, import and deletion take {@code runs.index.lock} while holding the
 * store lock to append to the listing index, and nothing takes the store lock (or a run's lock)
 * while holding {@code runs.index.lock}.
 *
 * <p><b>Moved lock files.</b> A run's lock file lies in the run's directory, which a deletion moves
 * away and an import may put back as a new directory with a new lock file. A lock on the old file
 * would then exclude nobody, so after locking, the path is checked to still name the locked file
 * (same file key); if not, the channel is closed and the file at the path locked instead, and if
 * the path's directory is gone, {@link NoSuchFileException} tells the caller so. While a channel is
 * open its file cannot be freed, so its file key cannot be reused by a newer file.
 */
final class FileLocks {
  /** Lock files kept open at most; beyond it idle ones are closed. */
  static final int MAX_OPEN = 512;

  private static final ConcurrentHashMap<Path, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static final AtomicInteger OPEN = new AtomicInteger();

  private FileLocks() {}

  private static final class Entry {
    final ReentrantLock jvm = new ReentrantLock();

    /** Threads holding or waiting; guarded by the map's compute. */
    int users;

    /** Guarded by {@link #jvm}. */
    @Nullable FileChannel channel;

    /**
     * The file key of the file {@link #channel} has open, or null when unknown (the platform has
     * none, or the file was replaced while being opened); guarded by {@link #jvm}.
     */
    @Nullable Object fileKey;
  }

  /** A held lock; close it to release. */
  static final class Held implements AutoCloseable {
    private final Path file;
    private final Entry entry;
    private final FileLock lock;
    private boolean released;

    private Held(Path file, Entry entry, FileLock lock) {
      this.file = file;
      this.entry = entry;
      this.lock = lock;
    }

    /** Releases the process lock and the JVM lock. */
    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      try {
        lock.release();
      } catch (IOException e) {
        // the descriptor is unusable: close it, which drops the lock in any case
        closeChannel(entry);
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
    Entry e =
        ENTRIES.compute(
            key,
            (k, v) -> {
              Entry x = v == null ? new Entry() : v;
              x.users++;
              return x;
            });
    if (e.jvm.isHeldByCurrentThread()) {
      deref(key, e);
      throw new IllegalStateException("this thread already holds the lock " + key);
    }
    e.jvm.lock();
    try {
      for (int attempt = 1; ; attempt++) {
        FileChannel ch = e.channel;
        if (ch == null || !ch.isOpen()) {
          ch = openChannel(key, e);
        }
        FileLock lock = lockRetryingFalseDeadlocks(ch);
        BasicFileAttributes now = DurableFs.attributesOrNull(key);
        if (now != null && (now.fileKey() == null || now.fileKey().equals(e.fileKey))) {
          return new Held(key, e, lock);
        }
        // the path names another file now (or none): this lock would exclude nobody
        closeChannel(e);
        if (attempt == 10) {
          throw new IOException(key + " keeps being replaced while it is locked");
        }
      }
    } catch (IOException | RuntimeException | Error ex) {
      closeChannel(e);
      e.jvm.unlock();
      deref(key, e);
      throw ex;
    }
  }

  /**
   * Opens the lock file (creating it) and records which file was opened: the path's file key after
   * opening, unless the path named another file just before (then it is unknown, and the lock taken
   * through the channel is not trusted).
   *
   * @throws NoSuchFileException when the file's directory does not exist
   */
  private static FileChannel openChannel(Path key, Entry e) throws IOException {
    BasicFileAttributes before = DurableFs.attributesOrNull(key);
    FileChannel ch =
        FileChannel.open(
            key, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    OPEN.incrementAndGet();
    e.channel = ch;
    BasicFileAttributes after = DurableFs.attributesOrNull(key);
    Object k = after == null ? null : after.fileKey();
    e.fileKey = before == null || k == null || k.equals(before.fileKey()) ? k : null;
    return ch;
  }

  /**
   * POSIX record locks belong to processes, not threads, so the kernel's deadlock check sees a
   * cycle when thread 1 of process A holds run X's lock and waits for run Y's while a thread of
   * process B holds Y and waits for X, although A's two threads are independent. Each thread here
   * holds at most one lock file at a time, so no real cycle exists: back off briefly and retry.
   */
  private static FileLock lockRetryingFalseDeadlocks(FileChannel ch) throws IOException {
    long backoffNanos = 50_000;
    while (true) {
      try {
        return ch.lock();
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

  /** Closes an entry's channel; the caller holds its JVM lock. */
  private static void closeChannel(Entry e) {
    FileChannel ch = e.channel;
    e.channel = null;
    e.fileKey = null;
    if (ch != null) {
      OPEN.decrementAndGet();
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
    }
  }

  private static void deref(Path key, Entry e) {
    ENTRIES.computeIfPresent(
        key,
        (k, v) -> {
          if (v == e) {
            v.users--;
          }
          return v;
        });
    if (OPEN.get() > MAX_OPEN) {
      trim();
    }
  }

  /** Closes the idle lock files below a directory (a store being closed). */
  static void release(Path root) {
    Path base = root.toAbsolutePath().normalize();
    for (Path key : ENTRIES.keySet()) {
      if (key.startsWith(base)) {
        closeIdle(key);
      }
    }
  }

  private static void closeIdle(Path key) {
    ENTRIES.computeIfPresent(
        key,
        (k, v) -> {
          if (v.users > 0 || !v.jvm.tryLock()) {
            return v;
          }
          try {
            closeChannel(v);
          } finally {
            v.jvm.unlock();
          }
          return null;
        });
  }

  /** Closes idle lock files until at most three quarters of {@link #MAX_OPEN} are open. */
  private static void trim() {
    for (Path key : ENTRIES.keySet()) {
      if (OPEN.get() <= MAX_OPEN * 3 / 4) {
        return;
      }
      closeIdle(key);
    }
  }
}
