package dev.runs.store.file;

import dev.runs.EventCodec;
import dev.runs.RunEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The events of a batch as NDJSON bytes, with each line's start. Immutable once built. */
final class EncodedBatch {
  final byte[] bytes;
  final int size;
  final int[] starts;

  private EncodedBatch(byte[] bytes, int size, int[] starts) {
    this.bytes = bytes;
    this.size = size;
    this.starts = starts;
  }

  /**
   * Encodes the events into one text and converts it to UTF-8 once. Canonical JSON escapes control
   * characters, so the only newlines are the line ends, which give each line's byte offset.
   */
  static EncodedBatch of(List<RunEvent> events) {
    // sized so the builder never grows (a grown builder copies everything written so far)
    long capacity = 0;
    for (RunEvent e : events) {
      capacity += e.payload().json().length() + 512L;
    }
    StringBuilder text = new StringBuilder((int) Math.min(capacity, 1 << 26));
    for (RunEvent e : events) {
      EventCodec.encodeTo(e, text);
      text.append('\n');
    }
    byte[] buf = text.toString().getBytes(StandardCharsets.UTF_8);
    int[] starts = new int[events.size()];
    int at = 0;
    for (int i = 0; i < starts.length; i++) {
      starts[i] = at;
      int nl = LineReader.indexOfNewline(buf, at, buf.length);
      if (nl < 0) {
        throw new IllegalStateException("an encoded event has no line end");
      }
      at = nl + 1;
    }
    if (at != buf.length) {
      throw new IllegalStateException("an encoded event holds a raw line break");
    }
    return new EncodedBatch(buf, buf.length, starts);
  }
}
