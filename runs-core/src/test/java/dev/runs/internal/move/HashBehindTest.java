package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.StoreCorruptedException;
import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import dev.runs.spi.Sha256;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HashBehind} gives the SHA-256 of exactly the bytes it was given, in their order, however
 * they arrive: one at a time, in pieces across block boundaries, many blocks ahead of the hasher.
 */
final class HashBehindTest {
  private static final int BLOCK = HashBehind.BLOCK;

  /** Random streams of up to (AHEAD + 3) blocks fed in random pieces, hashed twice in a row. */
  @SeededProperty(cases = 40)
  void anyStreamInAnyPieces_hashesAsOneDigest(Cases cases) {
    HashBehind hash = new HashBehind();
    for (int stream = 0; stream < 2; stream++) {
      int total =
          cases.oneOf(
              () -> cases.intBetween(0, 100),
              () -> BLOCK * cases.intBetween(1, HashBehind.AHEAD + 3), // ends on a block's end
              () -> cases.intBetween(BLOCK - 10, (HashBehind.AHEAD + 3) * BLOCK + 10));
      byte[] all = new byte[total];
      new Random(cases.anyLong()).nextBytes(all);
      ByteArrayOutputStream fed = new ByteArrayOutputStream();
      int at = 0;
      while (at < total) {
        if (cases.intBetween(0, 9) == 0) {
          hash.update(all[at]);
          fed.write(all[at]);
          at++;
          continue;
        }
        int n = Math.min(total - at, cases.oneOf(() -> cases.intBetween(0, 700), () -> BLOCK + 3));
        int pad = cases.intBetween(0, 5);
        byte[] piece = new byte[n + 2 * pad];
        System.arraycopy(all, at, piece, pad, n);
        hash.update(piece, pad, n);
        fed.write(all, at, n);
        at += n;
      }
      assertThat(fed.toByteArray()).isEqualTo(all);
      assertThat(hash.finish())
          .as("stream %d of %d bytes", stream, total)
          .isEqualTo(Sha256.hex(all));
    }
  }

  /** A sink sees every byte once, in order, whichever thread hashes it. */
  @SeededProperty(cases = 20)
  void sink_seesTheStreamInOrder(Cases cases) {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    HashBehind hash = new HashBehind(seen::write);
    byte[] all = new byte[cases.intBetween(0, (HashBehind.AHEAD + 3) * BLOCK)];
    new Random(cases.anyLong()).nextBytes(all);
    for (int at = 0; at < all.length; ) {
      int n = Math.min(all.length - at, cases.intBetween(1, BLOCK + 3));
      hash.update(all, at, n);
      at += n;
    }
    assertThat(hash.finish()).isEqualTo(Sha256.hex(all));
    assertThat(seen.toByteArray()).isEqualTo(all);
  }

  /** What the sink refuses on the hasher's thread is thrown to the writer, as itself. */
  @Test
  void sinkFailure_onTheHasher_reachesTheWriter() {
    HashBehind hash =
        new HashBehind(
            (b, off, len) -> {
              throw new StoreCorruptedException("the sink refused");
            });
    byte[] block = new byte[BLOCK];
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < HashBehind.AHEAD + 3; i++) {
                hash.update(block);
              }
              hash.finish();
            })
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessage("the sink refused");
  }

  @Test
  void interruptedWriter_stillGetsTheHash_andKeepsItsInterrupt() {
    byte[] all = new byte[(HashBehind.AHEAD + 4) * BLOCK + 17];
    new Random(7).nextBytes(all);
    HashBehind hash = new HashBehind();
    Thread.currentThread().interrupt();
    try {
      for (int at = 0; at < all.length; at += 4096) {
        hash.update(all, at, Math.min(4096, all.length - at));
      }
      String h = hash.finish();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(h).isEqualTo(Sha256.hex(all));
    } finally {
      Thread.interrupted();
    }
  }
}
