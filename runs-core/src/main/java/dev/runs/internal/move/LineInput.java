package dev.runs.internal.move;

import dev.runs.internal.support.ByteScan;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code \n}-terminated lines of bytes from a stream, with their line numbers, refusing lines
 * longer than a bound. Not thread-safe.
 */
final class LineInput implements AutoCloseable {
  private final InputStream in;
  private final int maxLine;
  private final byte[] buf = new byte[1 << 18];
  private int pos;
  private int end;
  private byte[] line = new byte[1024];
  private int length;
  private long number;
  private boolean terminated;

  LineInput(InputStream in, int maxLine) {
    this.in = in;
    this.maxLine = maxLine;
  }

  /**
   * Reads the next line.
   *
   * @return the line's bytes without its {@code \n} (valid until the next call), or null at the end
   * @throws LineTooLongException when a line exceeds the bound
   */
  byte @Nullable [] next() throws IOException {
    length = 0;
    terminated = false;
    boolean any = false;
    while (true) {
      if (pos == end) {
        end = in.read(buf, 0, buf.length);
        pos = 0;
        if (end <= 0) {
          end = 0;
          if (!any) {
            return null;
          }
          number++;
          return Arrays.copyOf(line, length);
        }
      }
      any = true;
      int start = pos;
      int stop = end;
      byte[] b = buf;
      int found = newline(b, start, stop);
      int at = found < 0 ? stop : found;
      pos = at;
      if (at < stop && length == 0 && at - start <= maxLine) {
        // the whole line is in the buffer: one copy
        pos++;
        terminated = true;
        number++;
        return Arrays.copyOfRange(b, start, at);
      }
      append(start, at - start);
      if (at < stop) {
        pos++;
        terminated = true;
        number++;
        return Arrays.copyOf(line, length);
      }
    }
  }

  /**
   * @return the index of the first line feed in {@code b[from, to)}, or -1
   */
  static int newline(byte[] b, int from, int to) {
    return ByteScan.indexOf(b, from, to, (byte) '\n');
  }

  private void append(int from, int n) {
    if (length + n > maxLine) {
      throw new LineTooLongException(number + 1, maxLine);
    }
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
    }
    System.arraycopy(buf, from, line, length, n);
    length += n;
  }

  /**
   * @return the number of the line last returned, from 1
   */
  long number() {
    return number;
  }

  /**
   * @return whether the line last returned ended with {@code \n}
   */
  boolean terminated() {
    return terminated;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** A line longer than the bound. */
  static final class LineTooLongException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long line;

    LineTooLongException(long line, int max) {
      super("line " + line + " is longer than " + max + " bytes");
      this.line = line;
    }
  }
}
