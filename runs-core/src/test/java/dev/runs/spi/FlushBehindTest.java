package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class FlushBehindTest {
  @Test
  void forcesInTheBackground_onAnotherThread_everyEightMiB() throws Exception {
    Watched force = new Watched();
    FlushBehind behind = new FlushBehind("file a", force);
    behind.written(FlushBehind.EVERY - 1);
    assertThat(force.forces.get()).as("no force before 8 MiB were written").isZero();
    behind.written(1);
    behind.await();
    assertThat(force.forces.get()).isEqualTo(1);
    assertThat(force.forcingThreads).doesNotContain(Thread.currentThread().getName());
    assertThat(force.forcingThreads).allMatch(n -> n.startsWith("runs-flush-behind-"));
    behind.await(); // nothing in flight: returns at once
    assertThat(force.forces.get()).isEqualTo(1);
  }

  @Test
  void aForceStillRunning_isNotJoinedByAnother() throws Exception {
    Watched force = new Watched();
    force.gate = new CountDownLatch(1);
    FlushBehind behind = new FlushBehind("file b", force);
    behind.written(FlushBehind.EVERY);
    assertThat(force.entered.await(10, TimeUnit.SECONDS)).isTrue();
    behind.written(3 * FlushBehind.EVERY); // the disk is busy: counted, no second force queued
    force.gate.countDown();
    behind.await();
    assertThat(force.forces.get()).isEqualTo(1);
    behind.written(1); // the bytes counted meanwhile are due now
    behind.await();
    assertThat(force.forces.get()).isEqualTo(2);
  }

  @Test
  void aFailedBackgroundForce_isThrownByAwait_namingTheFile() throws Exception {
    Watched force = new Watched();
    force.failure = new IOException("Input/output error (injected)");
    FlushBehind behind = new FlushBehind("file c", force);
    behind.written(FlushBehind.EVERY);
    assertThatThrownBy(behind::await)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot force file c to the disk")
        .hasMessageContaining("Input/output error (injected)");
  }

  @Test
  void aFailedBackgroundForce_isThrownByTheNextWrite() throws Exception {
    Watched force = new Watched();
    force.failure = new IOException("No space left on device (injected)");
    FlushBehind behind = new FlushBehind("file d", force);
    behind.written(FlushBehind.EVERY);
    assertThat(waitUntil(() -> force.forces.get() == 1)).isTrue();
    assertThatThrownBy(() -> writeUntilChecked(behind))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot force file d")
        .hasMessageContaining("No space left on device (injected)");
  }

  @Test
  void anInterruptedWriter_waitsForTheForceInFlight_andKeepsItsInterrupt() throws Exception {
    Watched force = new Watched();
    force.gate = new CountDownLatch(1);
    FlushBehind behind = new FlushBehind("file e", force);
    behind.written(FlushBehind.EVERY);
    assertThat(force.entered.await(10, TimeUnit.SECONDS)).isTrue();
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
    force.gate.countDown();
    assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(thrown.get()).isNull();
    assertThat(interruptedAfter.get()).isTrue();
    assertThat(force.cut).as("the force was not cut by the writer's interrupt").isFalse();
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

  /** A force that counts its calls, can be held at a gate, or fail. */
  private static final class Watched implements FlushBehind.Force {
    final AtomicInteger forces = new AtomicInteger();
    final Set<String> forcingThreads = ConcurrentHashMap.newKeySet();
    final CountDownLatch entered = new CountDownLatch(1);
    volatile @Nullable CountDownLatch gate;
    volatile @Nullable IOException failure;
    volatile boolean cut;

    @Override
    public void force() throws IOException {
      forcingThreads.add(Thread.currentThread().getName());
      entered.countDown();
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await();
        } catch (InterruptedException e) {
          cut = true;
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("the flusher was interrupted");
        }
      }
      forces.incrementAndGet();
      IOException f = failure;
      if (f != null) {
        throw f;
      }
    }
  }
}
