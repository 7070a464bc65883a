package dev.runs.store.file;

import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.ValidationException;
import dev.runs.spi.Utf8;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Reads '\n'-terminated lines of a byte range of a file with positional reads through one buffer,
 * in bounded memory: the buffer grows only to the longest line, and a line longer than {@link
 * #MAX_LINE} is reported as {@linkplain #tooLong() too long} without being held. Bytes after the
 * last newline of the range are the {@linkplain #remainderOffset() remainder}. Not thread-safe;
 * does not close the channel.
 */
final class LineReader {
  /**
   * Longest line kept in memory: the largest payload the core accepts (64 MiB) plus the envelope.
   */
  static final int MAX_LINE = 80 * 1024 * 1024;

  private static final int INITIAL = 64 * 1024;

  /**
   * First buffer of a reader that streams a whole range (reads, scans): large enough that one
   * positional read brings hundreds of lines, still small enough for many open streams.
   */
  static final int STREAMING = 256 * 1024;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = ONES * '\n';

  private final FileChannel channel;
  private final long end;
  private final int maxLine;
  private byte[] buf;

  /** File offset of buf[0]. */
  private long bufStart;

  /** Start of the unread part of the buffer. */
  private int pos;

  /** Bytes of the buffer that hold data. */
  private int lim;

  /** Where the newline search resumes (at or after pos). */
  private int searched;

  private boolean skipping;
  private long skipStartOffset;

  private int lineStart;
  private int lineEnd;
  private long lineOffset;
  private long nextOffset;
  private boolean tooLong;

  LineReader(FileChannel channel, long start, long end) {
    this(channel, start, end, INITIAL, MAX_LINE);
  }

  LineReader(FileChannel channel, long start, long end, int initialBuffer, int maxLine) {
    this.channel = channel;
    this.end = end;
    this.maxLine = maxLine;
    this.buf = new byte[(int) Math.max(16, Math.min(initialBuffer, Math.max(16, end - start)))];
    this.bufStart = start;
    this.nextOffset = start;
  }

  /**
   * Advances to the next complete line.
   *
   * @return true when a line ending in '\n' was found before the end of the range
   */
  boolean next() throws IOException {
    while (true) {
      int nl = indexOfNewline(buf, searched, lim);
      if (nl >= 0) {
        if (skipping) {
          skipping = false;
          tooLong = true;
          lineOffset = skipStartOffset;
          lineStart = nl;
          lineEnd = nl;
        } else {
          tooLong = false;
          lineOffset = bufStart + pos;
          lineStart = pos;
          lineEnd = nl;
        }
        pos = nl + 1;
        searched = pos;
        nextOffset = bufStart + pos;
        return true;
      }
      searched = lim;
      long filled = bufStart + lim;
      if (filled >= end) {
        return false;
      }
      if (skipping) {
        bufStart += lim;
        pos = 0;
        lim = 0;
        searched = 0;
      } else if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        bufStart += pos;
        lim -= pos;
        searched -= pos;
        pos = 0;
      } else if (lim == buf.length) {
        if (buf.length >= maxLine) {
          skipping = true;
          skipStartOffset = bufStart;
          bufStart += lim;
          lim = 0;
          searched = 0;
        } else {
          long want = Math.min((long) buf.length * 2, maxLine);
          want = Math.min(want, Math.max(buf.length, end - bufStart));
          byte[] bigger = new byte[(int) Math.max(want, buf.length + 1L)];
          System.arraycopy(buf, 0, bigger, 0, lim);
          buf = bigger;
        }
      }
      int room = (int) Math.min(buf.length - lim, end - (bufStart + lim));
      int n = channel.read(ByteBuffer.wrap(buf, lim, room), bufStart + lim);
      if (n <= 0) {
        return false; // the file ended before the range did (it shrank meanwhile)
      }
      lim += n;
    }
  }

  /** Finds the next newline eight bytes at a time (a zero byte of {@code word ^ newlines}). */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      long found = (x - ONES) & ~x & HIGHS;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * @return file offset of the current line's first byte
   */
  long lineOffset() {
    return lineOffset;
  }

  /**
   * @return file offset just after the current line's newline
   */
  long nextOffset() {
    return nextOffset;
  }

  /**
   * @return true when the current line was longer than the maximum and is not held
   */
  boolean tooLong() {
    return tooLong;
  }

  /**
   * @return the current line without its newline, decoded as UTF-8
   * @throws IllegalArgumentException when the line is not well-formed UTF-8, naming the file offset
   *     of the first malformed byte: a damaged line is never read as different text
   */
  String lineString() {
    String s = Utf8.decodeOrNull(buf, lineStart, lineEnd - lineStart);
    if (s == null) {
      throw malformed(Utf8.firstMalformed(buf, lineStart, lineEnd - lineStart));
    }
    return s;
  }

  /**
   * Decodes the current line as an event straight from the read buffer, without making text of the
   * whole line first.
   *
   * @return the event
   * @throws IllegalArgumentException when the line is not well-formed UTF-8, naming the file offset
   *     of the first malformed byte: a damaged line is never read as different text
   * @throws dev.runs.ValidationException when the line is not an event envelope
   */
  RunEvent event() {
    try {
      return EventCodec.decode(buf, lineStart, lineEnd - lineStart);
    } catch (ValidationException e) {
      int bad = Utf8.firstMalformed(buf, lineStart, lineEnd - lineStart);
      if (bad >= 0) {
        throw malformed(bad);
      }
      throw e;
    }
  }

  private IllegalArgumentException malformed(int bad) {
    return new IllegalArgumentException(
        "malformed UTF-8 at byte offset "
            + (lineOffset + bad)
            + " (0x"
            + Integer.toHexString(buf[lineStart + bad] & 0xff)
            + ")");
  }

  /**
   * @return a copy of the current line's bytes without its newline (empty when too long)
   */
  byte[] lineBytes() {
    return java.util.Arrays.copyOfRange(buf, lineStart, lineEnd);
  }

  /**
   * @return length of the current line without its newline (0 when too long)
   */
  int lineLength() {
    return lineEnd - lineStart;
  }

  /**
   * @return after {@link #next()} returned false: offset of the bytes after the last newline
   */
  long remainderOffset() {
    return skipping ? skipStartOffset : bufStart + pos;
  }

  /**
   * @return after {@link #next()} returned false: whether bytes follow the last newline
   */
  boolean hasRemainder() {
    return skipping || bufStart + lim > bufStart + pos;
  }
}
