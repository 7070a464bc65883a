package dev.runs.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * SHA-256 as Runs writes it everywhere: 64 lowercase hex digits. Stage manifests, config snapshots
 * and store-internal names (such as the file store's trigger index) all hash through this class, so
 * a hash computed by one store or by the core always matches another's.
 *
 * <p>Stateless and thread-safe; every call uses its own {@link MessageDigest}.
 */
public final class Sha256 {
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private Sha256() {}

  /**
   * Starts a digest, for content hashed piece by piece while it is written or read; finish it with
   * {@link #hex(MessageDigest)}.
   *
   * @return a new SHA-256 digest, owned by the caller (not thread-safe)
   */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * Completes a digest started with {@link #newDigest()}; the digest is reset and may be reused.
   *
   * @param digest a SHA-256 digest
   * @return its hash as 64 lowercase hex digits
   */
  public static String hex(MessageDigest digest) {
    Objects.requireNonNull(digest, "digest");
    return hexOf(digest.digest());
  }

  /**
   * @param bytes the content
   * @return its hash as 64 lowercase hex digits
   */
  public static String hex(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return hexOf(newDigest().digest(bytes));
  }

  /**
   * @param text the content, hashed as UTF-8
   * @return its hash as 64 lowercase hex digits
   */
  public static String hex(String text) {
    Objects.requireNonNull(text, "text");
    return hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Lowercase hex through a table into one byte array: every event line's hash chain link goes
   * through here, and {@code HexFormat} builds its text a character at a time.
   */
  private static String hexOf(byte[] hash) {
    byte[] text = new byte[hash.length * 2];
    for (int i = 0; i < hash.length; i++) {
      text[2 * i] = HEX_DIGITS[(hash[i] >> 4) & 15];
      text[2 * i + 1] = HEX_DIGITS[hash[i] & 15];
    }
    return new String(text, StandardCharsets.ISO_8859_1);
  }

  /**
   * Hashes a stream to its end in bounded memory. The stream is not closed.
   *
   * @param in the content
   * @return its hash as 64 lowercase hex digits
   * @throws IOException when reading fails
   */
  public static String hex(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    MessageDigest d = newDigest();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      d.update(buffer, 0, n);
    }
    return hex(d);
  }

  /**
   * @param text any text
   * @return true when it is 64 lowercase hex digits, the form of every hash this class returns
   */
  public static boolean isHex(String text) {
    if (text == null || text.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
