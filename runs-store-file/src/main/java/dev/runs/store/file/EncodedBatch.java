package dev.runs.store.file;

import dev.runs.RunEvent;
import dev.runs.spi.RunBatch;
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
   * Joins the events' envelopes into lines. The batch hands out each envelope ({@link
   * RunBatch#envelope}), made while planning when the hash chain is on, so an event is not encoded
   * again here. Canonical JSON escapes control characters, so an envelope holds no line feed; one
   * that does would split a line, and is refused.
   *
   * @param batch the batch that planned the events
   * @param events the events to write, in sequence order
   * @return the lines
   * @throws IllegalStateException when an envelope holds a raw line feed
   */
  static EncodedBatch of(RunBatch batch, List<RunEvent> events) {
    byte[][] lines = new byte[events.size()][];
    long total = 0;
    for (int i = 0; i < lines.length; i++) {
      byte[] line = batch.envelope(events.get(i));
      if (LineReader.indexOfNewline(line, 0, line.length) >= 0) {
        throw new IllegalStateException("an encoded event holds a raw line break");
      }
      lines[i] = line;
      total += line.length + 1;
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("a batch of " + total + " bytes is too large to write");
    }
    byte[] buf = new byte[(int) total];
    int[] starts = new int[lines.length];
    int at = 0;
    for (int i = 0; i < lines.length; i++) {
      starts[i] = at;
      System.arraycopy(lines[i], 0, buf, at, lines[i].length);
      at += lines[i].length;
      buf[at++] = '\n';
    }
    return new EncodedBatch(buf, buf.length, starts);
  }
}
