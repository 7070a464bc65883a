package dev.runs.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Opens real channels, wrapped so that writes, forces or truncations of chosen files fail on demand
 * the way a full disk or a failing device makes them fail.
 */
final class FaultyOpener implements ChannelOpener {
  /** Paths whose channels fail; others pass through. */
  volatile Predicate<Path> target = p -> true;

  /**
   * Bytes a write may still put down before it fails with "No space left on device"; -1: no limit.
   */
  volatile long writeBudget = -1;

  volatile boolean failForce;

  /** Fails only the n-th force of a target file from now, counting from 1; 0: never. */
  volatile int failNthForce;

  /**
   * How long a force of a target file takes before it reaches the device, in nanoseconds: a slow
   * disk. An interrupt that arrives meanwhile closes the channel when the real force starts.
   */
  volatile long forceDelayNanos;

  volatile boolean failTruncate;

  /**
   * When set, a write to a target file first counts down {@link #gateReached} and then waits until
   * this latch opens: a writer held in the middle of its work, alive.
   */
  volatile @Nullable CountDownLatch gate;

  /** Counted down by each write that reaches the {@link #gate}. */
  volatile CountDownLatch gateReached = new CountDownLatch(1);

  /** Fails the n-th new file (CREATE_NEW) opened from now, counting from 1; 0: never. */
  volatile int failNthNewFile;

  final AtomicInteger newFiles = new AtomicInteger();
  final AtomicInteger forces = new AtomicInteger();

  void reset() {
    target = p -> true;
    writeBudget = -1;
    failForce = false;
    failNthForce = 0;
    failTruncate = false;
    forceDelayNanos = 0;
    failNthNewFile = 0;
    gate = null;
    newFiles.set(0);
  }

  @Override
  public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
    FileChannel real = FileChannel.open(path, options);
    if (!target.test(path)) {
      return real;
    }
    boolean doomed = false;
    if (options.contains(StandardOpenOption.CREATE_NEW)
        && failNthNewFile > 0
        && newFiles.incrementAndGet() == failNthNewFile) {
      doomed = true;
    }
    return new Faulty(real, doomed);
  }

  private final class Faulty extends FileChannel {
    private final FileChannel d;
    private final boolean doomed;

    Faulty(FileChannel d, boolean doomed) {
      this.d = d;
      this.doomed = doomed;
    }

    private ByteBuffer allowance(ByteBuffer src) throws IOException {
      CountDownLatch g = gate;
      if (g != null) {
        gateReached.countDown();
        try {
          g.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted at the gate (injected)");
        }
      }
      if (doomed) {
        throw new IOException("No space left on device (injected)");
      }
      long budget = writeBudget;
      if (budget < 0) {
        return src;
      }
      if (budget == 0) {
        throw new IOException("No space left on device (injected)");
      }
      if (src.remaining() <= budget) {
        writeBudget = budget - src.remaining();
        return src;
      }
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + (int) budget);
      return part;
    }

    private int written(ByteBuffer src, ByteBuffer part, int n) {
      @SuppressWarnings(
          "ReferenceEquality") // part is src or a slice of it: identity is the question
      boolean sliced = part != src;
      if (sliced) {
        src.position(src.position() + n);
        writeBudget = 0;
      }
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      ByteBuffer part = allowance(src);
      return written(src, part, d.write(part));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      ByteBuffer part = allowance(src);
      return written(src, part, d.write(part, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += write(srcs[i]);
      }
      return n;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      int n = forces.incrementAndGet();
      if (failForce || n == failNthForce) {
        throw new IOException("Input/output error (injected)");
      }
      long deadline = System.nanoTime() + forceDelayNanos;
      while (System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(deadline - System.nanoTime()); // returns early when interrupted
      }
      d.force(metaData);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      if (failTruncate) {
        throw new IOException("Input/output error (injected truncate)");
      }
      d.truncate(size);
      return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      throw new IOException("not supported by the test channel");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new IOException("not supported by the test channel");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
