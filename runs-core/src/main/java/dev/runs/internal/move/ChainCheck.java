package dev.runs.internal.move;

import dev.runs.EventCodec;
import dev.runs.HashChain;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.internal.support.ByteScan;
import dev.runs.spi.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Checks a run's stored event lines against their hash chain links as they stream past, from the
 * run's genesis: what the archive sweep runs on its hasher thread, so a run with an event changed
 * in the store is never archived in place of its local copy. (Bundle export does not: a second
 * SHA-256 of every line made the hasher the slower side of a file-store export, 65-73 ms became 108
 * ms for 100,000 events, and the bundle's import checks every link anyway while the source stays as
 * it was.)
 *
 * <p>A line that ends with its hash, as every canonical envelope of a chained event without unknown
 * fields does, is checked from its bytes ({@link #link(MessageDigest, String, byte[], int, int)});
 * any other line is decoded and checked like {@link HashChain#verify}. Stored envelopes are
 * canonical by the store contract, so a line whose bytes hash differently was changed.
 *
 * <p>Fed the line stream in order, cut anywhere ({@link #accept}). Not thread-safe: one feeder at a
 * time, and whoever hands it from thread to thread makes the hand-off safe.
 */
final class ChainCheck implements HashBehind.BlockSink {
  private static final byte[] HASH_FIELD = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);

  /** {@code ,"hash":"} + 64 hex digits + {@code "}} */
  private static final int HASH_SUFFIX = HASH_FIELD.length + 64 + 2;

  private final RunId id;
  private final MessageDigest digest = Sha256.newDigest();
  private String previous;
  private boolean chained;
  private long sequence;
  private byte[] carry = new byte[4096];
  private int carried;

  /**
   * @param id the run, for messages
   * @param genesis its chain's genesis ({@link HashChain#genesis})
   */
  ChainCheck(RunId id, String genesis) {
    this.id = id;
    this.previous = genesis;
  }

  /**
   * Checks every line that ends in these bytes; keeps the start of a line they cut.
   *
   * @throws StoreCorruptedException at the first line that does not match its link
   */
  @Override
  public void accept(byte[] b, int offset, int length) {
    int end = offset + length;
    int at = offset;
    while (at < end) {
      int nl = ByteScan.indexOf(b, at, end, (byte) '\n');
      if (nl < 0) {
        keep(b, at, end - at);
        return;
      }
      if (carried > 0) {
        keep(b, at, nl - at);
        line(carry, 0, carried);
        carried = 0;
      } else {
        line(b, at, nl - at);
      }
      at = nl + 1;
    }
  }

  /**
   * @return how many lines were checked
   * @throws IllegalStateException when the stream ended inside a line (the copy writes whole lines)
   */
  long end() {
    if (carried > 0) {
      throw new IllegalStateException(
          "run " + id + ": the lines end inside line " + (sequence + 1));
    }
    return sequence;
  }

  private void keep(byte[] b, int from, int n) {
    if (carried + n > carry.length) {
      carry = Arrays.copyOf(carry, Math.max(carry.length * 2, carried + n));
    }
    System.arraycopy(b, from, carry, carried, n);
    carried += n;
  }

  private void line(byte[] b, int off, int n) {
    sequence++;
    String own = trailingHash(b, off, n);
    if (own != null) {
      check(own, link(digest, previous, b, off, n));
      return;
    }
    RunEvent e;
    try {
      e = EventCodec.decode(b, off, n);
    } catch (RuntimeException ex) {
      throw new StoreCorruptedException(
          "run " + id + ": its stored event " + sequence + " does not decode: " + ex.getMessage(),
          ex);
    }
    Optional<String> h = e.hash();
    if (h.isEmpty()) {
      if (chained) {
        throw broken("has no hash although the event before it is chained");
      }
      previous = HashChain.UNCHAINED;
      return;
    }
    check(h.get(), HashChain.link(previous, e));
  }

  private void check(String own, String link) {
    if (!own.equals(link)) {
      throw broken("does not match its hash chain link");
    }
    previous = own;
    chained = true;
  }

  private StoreCorruptedException broken(String what) {
    return new StoreCorruptedException(
        "run "
            + id
            + ": its stored event "
            + sequence
            + " "
            + what
            + " (the event or the one before it was changed after it was written; RunStore.verify"
            + " reports the chain)");
  }

  /**
   * @return the 64 hex digits a line ends with as {@code ,"hash":"…"}}, or null when it does not
   *     end so
   */
  private static @Nullable String trailingHash(byte[] b, int off, int n) {
    return endsWithHash(b, off, n)
        ? new String(b, off + n - HASH_SUFFIX + HASH_FIELD.length, 64, StandardCharsets.ISO_8859_1)
        : null;
  }

  /**
   * @return whether a line ends as {@code ,"hash":"} + 64 characters + {@code "}}
   */
  static boolean endsWithHash(byte[] b, int off, int n) {
    int end = off + n;
    if (n <= HASH_SUFFIX || b[end - 1] != '}' || b[end - 2] != '"') {
      return false;
    }
    int at = end - HASH_SUFFIX;
    for (int i = 0; i < HASH_FIELD.length; i++) {
      if (b[at + i] != HASH_FIELD[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The link of a line that ends with its hash ({@link #endsWithHash}): SHA-256 of the previous
   * link, a line feed, and the line without its hash field, which for a canonical envelope is
   * exactly the text {@link HashChain#link} hashes.
   *
   * @param d a digest to reuse
   * @param previous the previous event's link, the genesis, or {@link HashChain#UNCHAINED}
   * @return the link, 64 lowercase hex digits
   */
  static String link(MessageDigest d, String previous, byte[] b, int off, int n) {
    d.reset();
    d.update(previous.getBytes(StandardCharsets.US_ASCII));
    d.update((byte) '\n');
    d.update(b, off, n - HASH_SUFFIX);
    d.update((byte) '}');
    return Sha256.hex(d);
  }
}
