package dev.runs.opentelemetry.internal;

import dev.runs.EventId;
import dev.runs.RunId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Trace and span ids derived from run and event ids (the first bytes of a SHA-256), and the hint
 * that hands them to {@code RunSpanIds} while a span starts on the current thread.
 */
public final class Ids {
  private static final ThreadLocal<@Nullable Hint> HINT = new ThreadLocal<>();

  /**
   * The ids the next span started on this thread should get.
   *
   * @param traceId used only when the span has no parent
   * @param spanId the span's id
   */
  public record Hint(String traceId, String spanId) {}

  private Ids() {}

  /**
   * @param runId a run
   * @return its trace id: 32 lowercase hex digits, never all zero
   */
  public static String traceId(RunId runId) {
    return hex("runs.trace:" + runId.value(), 16);
  }

  /**
   * @param eventId the event that starts a span
   * @return the span's id: 16 lowercase hex digits, never all zero
   */
  public static String spanId(EventId eventId) {
    return hex("runs.span:" + eventId.value(), 8);
  }

  /**
   * @return the hint set for the span being started on this thread, if any
   */
  public static @Nullable Hint current() {
    return HINT.get();
  }

  static void set(@Nullable Hint hint) {
    if (hint == null) {
      HINT.remove();
    } else {
      HINT.set(hint);
    }
  }

  private static String hex(String text, int bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[bytes];
      System.arraycopy(d, 0, out, 0, bytes);
      boolean zero = true;
      for (byte b : out) {
        zero &= b == 0;
      }
      if (zero) {
        out[bytes - 1] = 1; // an all-zero id is invalid
      }
      return HexFormat.of().formatHex(out);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
