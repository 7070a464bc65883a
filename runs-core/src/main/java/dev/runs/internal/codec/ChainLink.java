package dev.runs.internal.codec;

import dev.runs.spi.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Computes hash chain links (see {@link dev.runs.HashChain}): SHA-256 over the previous link, a
 * line feed and the event's canonical line without its hash, as 64 lowercase hex digits. Both
 * {@link dev.runs.HashChain#link} and the append path (which hashes a new event before building it)
 * go through here. An instance holds a text buffer and a digest for one thread: get this thread's
 * with {@link #forThisThread()}, then for each link append the event's line between {@link #begin}
 * and {@link #finish}. Not thread-safe; each thread has its own.
 */
public final class ChainLink {
  private static final ThreadLocal<ChainLink> PER_THREAD = ThreadLocal.withInitial(ChainLink::new);
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final int KEEP = 1 << 20;

  private StringBuilder line = new StringBuilder(1024);
  private final MessageDigest digest = Sha256.newDigest();

  private ChainLink() {}

  /**
   * @return the calling thread's instance
   */
  public static ChainLink forThisThread() {
    return PER_THREAD.get();
  }

  /**
   * Starts a link.
   *
   * @param previous the previous link
   * @return the buffer, holding the previous link and a line feed; append the unhashed line to it,
   *     then call {@link #finish}
   */
  public StringBuilder begin(String previous) {
    line.setLength(0);
    return line.append(previous).append('\n');
  }

  /**
   * Hashes what {@link #begin} started.
   *
   * @return the link
   */
  public String finish() {
    byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
    if (line.capacity() > KEEP) {
      line = new StringBuilder(1024); // do not keep a huge payload's buffer alive
    }
    byte[] hash = digest.digest(bytes); // which leaves the digest reset for the next link
    byte[] text = new byte[hash.length * 2];
    for (int i = 0; i < hash.length; i++) {
      text[2 * i] = HEX_DIGITS[(hash[i] >> 4) & 15];
      text[2 * i + 1] = HEX_DIGITS[hash[i] & 15];
    }
    return new String(text, StandardCharsets.ISO_8859_1);
  }
}
