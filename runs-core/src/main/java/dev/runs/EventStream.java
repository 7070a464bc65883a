package dev.runs;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Events of one run in sequence order, read lazily in bounded memory whatever the log's length.
 * Holds a store resource (a cursor, a file) until closed: use try-with-resources. Not thread-safe.
 */
public interface EventStream extends Iterator<RunEvent>, AutoCloseable {
  /** Releases the underlying resource; idempotent. */
  @Override
  void close();

  /**
   * @return a sequential stream over the remaining events that closes this one when closed
   */
  default Stream<RunEvent> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /**
   * @param events events already in memory
   * @return a stream over them
   */
  static EventStream of(Iterable<RunEvent> events) {
    Iterator<RunEvent> it = events.iterator();
    return new EventStream() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public RunEvent next() {
        return it.next();
      }

      @Override
      public void close() {}
    };
  }
}
