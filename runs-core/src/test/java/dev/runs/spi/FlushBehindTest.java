package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlushBehindTest {
  @TempDir Path dir;

  @Test
  void forcesInTheBackground_onAnotherThread_everyEightMiB() throws Exception {
    try (Watched ch = watched("a")) {
      FlushBehind behind = new FlushBehind(ch, "file a");
      behind.written(FlushBehind.EVERY - 1);
      assertThat(ch.forces.get()).as("no force before 8 MiB were written").isZero();
      behind.written(1);
      behind.await();
      assertThat(ch.forces.get()).isEqualTo(1);
      assertThat(ch.forcingThreads).doesNotContain(Thread.currentThread().getName());
      assertThat(ch.forcingThreads).allMatch(n -> n.startsWith("runs-flush-behind-"));
      behind.await(); // nothing in flight: returns at once
      assertThat(ch.forces.get()).isEqualTo(1);
    }
  }

  @Test
  void aForceStillRunning_isNotJoinedByAnother() throws Exception {
    try (Watched ch = watched("b")) {
      ch.gate = new CountDownLatch(1);
      FlushBehind behind = new FlushBehind(ch, "file b");
      behind.written(FlushBehind.EVERY);
      assertThat(ch.entered.await(10, TimeUnit.SECONDS)).isTrue();
      behind.written(3 * FlushBehind.EVERY); // the disk is busy: counted, no second force queued
      ch.gate.countDown();
      behind.await();
      assertThat(ch.forces.get()).isEqualTo(1);
      behind.written(1); // the bytes counted meanwhile are due now
      behind.await();
      assertThat(ch.forces.get()).isEqualTo(2);
    }
  }

  @Test
  void aFailedBackgroundForce_isThrownByAwait_namingTheFile() throws Exception {
    try (Watched ch = watched("c")) {
      ch.failure = new IOException("Input/output error (injected)");
      FlushBehind behind = new FlushBehind(ch, "file c");
      behind.written(FlushBehind.EVERY);
      assertThatThrownBy(behind::await)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot force file c to the disk")
          .hasMessageContaining("Input/output error (injected)");
    }
  }

  @Test
  void aFailedBackgroundForce_isThrownByTheNextWrite() throws Exception {
    try (Watched ch = watched("d")) {
      ch.failure = new IOException("No space left on device (injected)");
      FlushBehind behind = new FlushBehind(ch, "file d");
      behind.written(FlushBehind.EVERY);
      assertThat(waitUntil(() -> ch.forces.get() == 1)).isTrue();
      assertThatThrownBy(() -> writeUntilChecked(behind))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot force file d")
          .hasMessageContaining("No space left on device (injected)");
    }
  }

  @Test
  void anInterruptedWriter_waitsForTheForceInFlight_andKeepsItsInterrupt() throws Exception {
    try (Watched ch = watched("e")) {
      ch.gate = new CountDownLatch(1);
      FlushBehind behind = new FlushBehind(ch, "file e");
      behind.written(FlushBehind.EVERY);
      assertThat(ch.entered.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
      AtomicReference<@Nullable Boolean> interruptedAfter = new AtomicReference<>();
      CountDownLatch returned = new CountDownLatch(1);
      Thread writer =
          new Thread(
              () -> {
                try {
                  behind.await();
                } catch (Throwable t) {
                  thrown.set(t);
                }
                interruptedAfter.set(Thread.currentThread().isInterrupted());
                returned.countDown();
              });
      writer.start();
      writer.interrupt();
      assertThat(returned.await(200, TimeUnit.MILLISECONDS))
          .as("the writer waits for the force in flight although interrupted")
          .isFalse();
      ch.gate.countDown();
      assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(thrown.get()).isNull();
      assertThat(interruptedAfter.get()).isTrue();
      assertThat(ch.isOpen()).as("the force was not cut: the channel stays open").isTrue();
    }
  }

  /** Counts bytes until a background force is started or its failure thrown. */
  private static void writeUntilChecked(FlushBehind behind) throws IOException {
    for (int i = 0; i < 1_000; i++) {
      behind.written(FlushBehind.EVERY);
    }
  }

  private static boolean waitUntil(java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  private Watched watched(String name) throws IOException {
    return new Watched(
        FileChannel.open(
            Files.createFile(dir.resolve(name)),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE));
  }

  /** A file channel that counts its forces, can hold them at a gate, or fail them. */
  private static final class Watched extends FileChannel {
    private final FileChannel d;
    final AtomicInteger forces = new AtomicInteger();
    final Set<String> forcingThreads = ConcurrentHashMap.newKeySet();
    final CountDownLatch entered = new CountDownLatch(1);
    volatile @Nullable CountDownLatch gate;
    volatile @Nullable IOException failure;

    Watched(FileChannel d) {
      this.d = d;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      forcingThreads.add(Thread.currentThread().getName());
      entered.countDown();
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("the flusher was interrupted");
        }
      }
      forces.incrementAndGet();
      IOException f = failure;
      if (f != null) {
        throw f;
      }
      d.force(metaData);
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
    public int write(ByteBuffer src) throws IOException {
      return d.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return d.write(srcs, offset, length);
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
    public FileChannel truncate(long size) throws IOException {
      d.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return d.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return d.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public @Nullable FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
