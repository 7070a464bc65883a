package dev.runs.internal.move;

import dev.runs.StoreCorruptedException;
import dev.runs.internal.support.DaemonPools;
import dev.runs.spi.Sha256;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A SHA-256 of a byte stream computed on a background thread while its writer goes on: bytes are
 * gathered into blocks of {@link #BLOCK} bytes, and full blocks are queued to a hasher that hashes
 * them in order while the writer fills the next ones. A bundle export reads, copies and writes a
 * run's lines and hashes them; SHA-256 costs as much as the rest together, and here it runs on a
 * second processor instead of in between.
 *
 * <p>Up to {@link #AHEAD} full blocks wait for the hasher, so the writer waits only when it stays
 * ahead of the hasher for that long (and neither side wakes the other for every block). Memory is
 * at most {@code AHEAD + 2} blocks. Input shorter than a block never leaves the writer's thread.
 * Each instance's blocks are hashed by one task at a time on a pool of daemon threads, one per
 * processor, shared by every instance; idle threads end after a minute.
 *
 * <p>A writer interrupted while it waits keeps waiting (for one block's hashing at most), then
 * returns with its interrupt status set. Not thread-safe: one writer per instance. An instance
 * given up half-way (its writer failed) needs no closing: its hasher ends after the blocks queued.
 */
final class HashBehind {
  /** Bytes per block handed to the hasher. */
  static final int BLOCK = 256 << 10;

  /** Full blocks queued for the hasher at most. */
  static final int AHEAD = 4;

  private static final ThreadPoolExecutor HASHERS =
      DaemonPools.create(
          "runs-hash-behind",
          Math.max(1, Runtime.getRuntime().availableProcessors()),
          Duration.ofMinutes(1));

  /** What else reads the stream's bytes, in order, where they are hashed. */
  interface BlockSink {
    /**
     * Takes the next bytes of the stream (a block, cut anywhere).
     *
     * @param b the buffer; not to be kept after the call
     * @param offset where the bytes start
     * @param length how many
     */
    void accept(byte[] b, int offset, int length);
  }

  private final MessageDigest digest = Sha256.newDigest();
  private final @Nullable BlockSink sink;

  /** Blocks for the hasher, in order; guarded by {@code this}. */
  private final ArrayDeque<byte[]> queued = new ArrayDeque<>();

  /** Blocks the hasher is done with; guarded by {@code this}. */
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();

  /** Whether a hasher task is running for this instance; guarded by {@code this}. */
  private boolean draining;

  /** What a hasher task failed with; guarded by {@code this}. */
  private @Nullable Throwable failure;

  private byte @Nullable [] block;
  private int filled;

  /** A hasher of the stream alone. */
  HashBehind() {
    this(null);
  }

  /**
   * @param sink also given every byte, in order, on the thread that hashes it (the hasher for full
   *     blocks, the writer's for the rest in {@link #finish}); what it throws fails the stream like
   *     a failed hash, and {@link #finish} or the next {@link #update} throws it
   */
  HashBehind(@Nullable BlockSink sink) {
    this.sink = sink;
  }

  /**
   * Adds bytes to the stream.
   *
   * @param bytes the bytes
   */
  void update(byte[] bytes) {
    update(bytes, 0, bytes.length);
  }

  /**
   * Adds bytes to the stream.
   *
   * @param bytes the buffer
   * @param offset where the bytes start
   * @param length how many
   */
  void update(byte[] bytes, int offset, int length) {
    int at = offset;
    int left = length;
    while (left > 0) {
      byte[] b = block();
      int n = Math.min(left, b.length - filled);
      System.arraycopy(bytes, at, b, filled, n);
      filled += n;
      at += n;
      left -= n;
      if (filled == b.length) {
        handOff(b);
      }
    }
  }

  /**
   * Adds one byte to the stream.
   *
   * @param value the byte
   */
  void update(byte value) {
    byte[] b = block();
    b[filled++] = value;
    if (filled == b.length) {
      handOff(b);
    }
  }

  /**
   * Ends the stream: waits until the hasher has hashed every queued block, then hashes the rest
   * here.
   *
   * @return the stream's SHA-256 as 64 lowercase hex digits; the instance starts a new stream
   */
  String finish() {
    synchronized (this) {
      awaitLocked(() -> !draining);
    }
    byte[] b = block;
    int n = filled;
    filled = 0;
    if (b != null && n > 0) {
      digest.update(b, 0, n);
      if (sink != null) {
        sink.accept(b, 0, n);
      }
    }
    return Sha256.hex(digest);
  }

  private byte[] block() {
    byte[] b = block;
    if (b == null) {
      synchronized (this) {
        b = free.pollFirst();
      }
      if (b == null) {
        b = new byte[BLOCK];
      }
      block = b;
    }
    return b;
  }

  /** Queues a full block for the hasher, waiting while {@link #AHEAD} are queued already. */
  private void handOff(byte[] full) {
    block = null;
    filled = 0;
    boolean start;
    synchronized (this) {
      awaitLocked(() -> queued.size() < AHEAD);
      queued.addLast(full);
      start = !draining;
      draining = true;
    }
    if (start) {
      try {
        HASHERS.execute(this::drain);
      } catch (RejectedExecutionException e) {
        drain(); // cannot happen with an unbounded queue; hash here
      }
    }
  }

  /** The hasher: hashes queued blocks in order until none is left. */
  private void drain() {
    while (true) {
      byte[] next;
      synchronized (this) {
        next = queued.pollFirst();
        if (next == null) {
          draining = false;
          notifyAll();
          return;
        }
      }
      try {
        digest.update(next, 0, next.length);
        if (sink != null) {
          sink.accept(next, 0, next.length);
        }
      } catch (RuntimeException | Error e) {
        synchronized (this) {
          failure = e;
          queued.clear();
          draining = false;
          notifyAll();
        }
        if (e instanceof Error err) {
          throw err;
        }
        return; // the writer throws it; nothing for the pool thread's handler
      }
      synchronized (this) {
        free.addLast(next);
        notifyAll();
      }
    }
  }

  /** Waits, holding the monitor, until the condition holds; throws what the hasher failed with. */
  private void awaitLocked(BooleanSupplier until) {
    boolean interrupted = false;
    try {
      while (failure == null && !until.getAsBoolean()) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true; // the hasher owns the digest until it is done
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Throwable f = failure;
    if (f instanceof StoreCorruptedException c) {
      throw new StoreCorruptedException(String.valueOf(c.getMessage()), c); // what the sink found
    }
    if (f != null) {
      throw new IllegalStateException("hashing a block failed: " + f, f);
    }
  }
}
