package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SharedFileLocksTest {
  @TempDir Path tmp;

  /** Whether this process could lock the file itself right now (no lock of this JVM remains). */
  private static boolean freeInThisProcess(Path file) throws Exception {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      return l != null;
    }
  }

  @Test
  @DisplayName("nobody takes the lock alone while a thread shares it; the last release frees it")
  void shared_excludesAlone_untilTheLastHolderLeaves() throws Exception {
    Path file = tmp.resolve("stages.lock");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      SharedFileLocks.Held first = SharedFileLocks.acquireShared(file);
      SharedFileLocks.Held second =
          pool.submit(() -> SharedFileLocks.acquireShared(file)).get(10, TimeUnit.SECONDS);
      assertThat(SharedFileLocks.tryAcquireAlone(file)).isNull();
      first.close();
      first.close(); // twice is harmless
      assertThat(SharedFileLocks.tryAcquireAlone(file)).isNull();
      second.close();
      assertThat(freeInThisProcess(file)).isTrue();

      SharedFileLocks.Held alone = SharedFileLocks.tryAcquireAlone(file);
      assertThat(alone).isNotNull();
      assertThat(SharedFileLocks.tryAcquireAlone(file)).isNull();
      Future<SharedFileLocks.Held> waiting = pool.submit(() -> SharedFileLocks.acquireShared(file));
      alone.close();
      waiting.get(10, TimeUnit.SECONDS).close();
      assertThat(freeInThisProcess(file)).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }
}
