package dev.runs.store.file;

import dev.runs.EventCodec;
import dev.runs.RunEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

  static EncodedBatch of(List<RunEvent> events) {
    int[] starts = new int[events.size()];
    byte[] buf = new byte[Math.max(256, events.size() * 512)];
    int size = 0;
    for (int i = 0; i < events.size(); i++) {
      byte[] line = EventCodec.encode(events.get(i)).getBytes(StandardCharsets.UTF_8);
      if (size + line.length + 1 > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + line.length + 1));
      }
      starts[i] = size;
      System.arraycopy(line, 0, buf, size, line.length);
      size += line.length;
      buf[size++] = '\n';
    }
    return new EncodedBatch(buf, size, starts);
  }
}
