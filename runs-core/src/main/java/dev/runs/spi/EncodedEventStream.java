package dev.runs.spi;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Events together with their canonical envelopes: what {@link ImportedRun#encodedEvents()} returns,
 * so an engine that stores envelopes writes the bytes it was given instead of encoding every event
 * again.
 *
 * <p>Not thread-safe: one reader at a time.
 */
public interface EncodedEventStream extends EventStream {
  /**
   * @return the canonical envelope ({@link EventCodec#encodeUtf8}) of the event the last {@link
   *     #next()} returned, as UTF-8 without a line feed; the caller must not change it
   * @throws IllegalStateException before the first {@link #next()}
   */
  byte[] envelope();

  /**
   * The fallback for sources that hold only decoded events: each envelope is encoded when asked
   * for.
   *
   * @param events the events (closed with the returned stream)
   * @return the events with their envelopes
   */
  static EncodedEventStream encoding(EventStream events) {
    Objects.requireNonNull(events, "events");
    return new EncodedEventStream() {
      private @Nullable RunEvent last;

      @Override
      public boolean hasNext() {
        return events.hasNext();
      }

      @Override
      public RunEvent next() {
        last = events.next();
        return last;
      }

      @Override
      public byte[] envelope() {
        RunEvent e = last;
        if (e == null) {
          throw new IllegalStateException("next() first");
        }
        return EventCodec.encodeUtf8(e);
      }

      @Override
      public void close() {
        events.close();
      }
    };
  }
}
