package dev.runs.spi;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import java.util.Objects;

/**
 * A run's events as the envelopes a store keeps, read lazily in sequence order without decoding
 * them: what {@link StorageEngine#readEnvelopes} returns, for exports that copy events out as they
 * are. Each envelope is the event's canonical JSON ({@link EventCodec#encodeUtf8}) as UTF-8,
 * without a line feed.
 *
 * <p>Not thread-safe: one reader at a time. Close it to release what it holds.
 */
public interface EnvelopeStream extends AutoCloseable {
  /**
   * Moves to the next envelope.
   *
   * @return false at the end of the log (then the stream stays at its end)
   */
  boolean advance();

  /**
   * @return the current envelope's sequence
   * @throws IllegalStateException before the first {@link #advance()}
   */
  long sequence();

  /**
   * @return the current envelope's bytes; the caller must not change them, and they stay valid
   *     after the next {@link #advance()}
   * @throws IllegalStateException before the first {@link #advance()}
   */
  byte[] utf8();

  /** Releases what the stream holds; idempotent. */
  @Override
  void close();

  /**
   * The fallback for engines that do not keep canonical envelopes: each event read is encoded.
   *
   * @param events the decoded events (closed with the returned stream)
   * @return the events as envelopes
   */
  static EnvelopeStream encoding(EventStream events) {
    Objects.requireNonNull(events, "events");
    return new EnvelopeStream() {
      private long sequence = -1;
      private byte[] utf8 = new byte[0];

      @Override
      public boolean advance() {
        if (!events.hasNext()) {
          return false;
        }
        RunEvent e = events.next();
        sequence = e.sequence();
        utf8 = EventCodec.encodeUtf8(e);
        return true;
      }

      @Override
      public long sequence() {
        if (sequence < 0) {
          throw new IllegalStateException("advance() first");
        }
        return sequence;
      }

      @Override
      public byte[] utf8() {
        sequence();
        return utf8;
      }

      @Override
      public void close() {
        events.close();
      }
    };
  }
}
