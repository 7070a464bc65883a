package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DurableFsTest {
  @TempDir Path dir;

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void writeFully_writesAHeapBufferLargerThanASlice_atItsOffset_andRestoresItsLimit()
      throws Exception {
    byte[] bytes = randomBytes(3 * DurableFs.WRITE_SLICE + 17, 7);
    Path f = dir.resolve("log");
    ByteBuffer buf = ByteBuffer.wrap(bytes, 5, bytes.length - 10);
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      DurableFs.writeFully(ch, buf, 100);
    }
    assertThat(buf.position()).isEqualTo(bytes.length - 5);
    assertThat(buf.limit()).isEqualTo(bytes.length - 5);
    byte[] file = Files.readAllBytes(f);
    assertThat(file).hasSize(100 + bytes.length - 10);
    assertThat(Arrays.copyOfRange(file, 0, 100)).containsOnly(0);
    assertThat(Arrays.copyOfRange(file, 100, file.length))
        .isEqualTo(Arrays.copyOfRange(bytes, 5, bytes.length - 5));
  }

  @Test
  void writeFully_ofALargeHeapBuffer_leavesTheThreadAtMostASliceOfDirectMemory() throws Exception {
    BufferPoolMXBean direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(p -> p.getName().equals("direct"))
            .findFirst()
            .orElseThrow();
    byte[] bytes = randomBytes(16 * DurableFs.WRITE_SLICE, 11); // 4 MiB, one commit's batch
    Path f = dir.resolve("big");
    // on a new thread: the JDK keeps a thread's temporary direct buffer until the thread ends
    long grown =
        CompletableFuture.supplyAsync(
                () -> {
                  try (FileChannel ch =
                      FileChannel.open(
                          f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long before = direct.getMemoryUsed();
                    DurableFs.writeFully(ch, ByteBuffer.wrap(bytes), 0);
                    return direct.getMemoryUsed() - before;
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                },
                r -> new Thread(r, "writer").start())
            .get(30, TimeUnit.SECONDS);
    assertThat(Files.size(f)).isEqualTo(bytes.length);
    assertThat(grown)
        .as("direct memory kept after writing %d bytes", bytes.length)
        .isLessThanOrEqualTo(2L * DurableFs.WRITE_SLICE);
  }
}
