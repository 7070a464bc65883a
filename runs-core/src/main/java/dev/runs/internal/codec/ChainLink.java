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
  private static final int KEEP = 1 << 20;

  private static final byte[] HASH_FIELD = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NONE = new byte[0];

  private StringBuilder line = new StringBuilder(1024);
  private final MessageDigest digest = Sha256.newDigest();
  private byte[] lastText = NONE;

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
    return finish(false);
  }

  /**
   * Hashes what {@link #begin} started and keeps the hashed text for {@link #takeLastText}.
   *
   * @return the link
   */
  public String finishKeepingText() {
    return finish(true);
  }

  private String finish(boolean keepText) {
    byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
    if (line.capacity() > KEEP) {
      line = new StringBuilder(1024); // do not keep a huge payload's buffer alive
    }
    lastText = keepText ? bytes : NONE;
    digest.update(bytes);
    return Sha256.hex(digest); // which leaves the digest reset for the next link
  }

  /**
   * Hands over the text the last {@link #finishKeepingText} hashed, for {@link #envelope}, and lets
   * go of it.
   *
   * @return the text as UTF-8 (empty when taken already, or when the last link was {@link
   *     #finish}ed without keeping it); the caller must not change it
   */
  public byte[] takeLastText() {
    byte[] text = lastText;
    lastText = NONE;
    return text;
  }

  /**
   * The canonical envelope of an event with its link, from the text its link was computed over
   * (what {@link #takeLastText} returns after {@link #finishKeepingText}), when that text was a
   * canonical envelope without its hash and without unknown fields ({@link
   * EventJson#encodeUnhashed}): the hash is the last field, so the envelope is that text after the
   * line feed up to its closing brace, then {@code ,"hash":"<link>"}}. The event is then encoded
   * once for both its link and its stored form.
   *
   * @param text the hashed text: the previous link, a line feed, the unhashed envelope
   * @param link the link computed over it
   * @return the envelope, UTF-8, no line feed
   * @throws IllegalStateException when the text is not a link's text over an envelope
   */
  public static byte[] envelope(byte[] text, String link) {
    int prefix = 0;
    while (prefix < text.length && text[prefix] != '\n') {
      prefix++;
    }
    prefix++; // after the line feed
    if (prefix >= text.length || text[text.length - 1] != '}' || link.length() != 64) {
      throw new IllegalStateException("not the text of a link over an envelope");
    }
    int body = text.length - prefix - 1; // without the closing brace
    byte[] envelope = new byte[body + HASH_FIELD.length + 64 + 2];
    System.arraycopy(text, prefix, envelope, 0, body);
    System.arraycopy(HASH_FIELD, 0, envelope, body, HASH_FIELD.length);
    int at = body + HASH_FIELD.length;
    for (int i = 0; i < 64; i++) {
      envelope[at + i] = (byte) link.charAt(i);
    }
    envelope[at + 64] = '"';
    envelope[at + 65] = '}';
    return envelope;
  }
}
