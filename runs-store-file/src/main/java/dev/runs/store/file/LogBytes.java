package dev.runs.store.file;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * A run log's bytes from its start up to a length read with the head, by positional reads: what
 * {@link FileEngine#readEnvelopeLines} hands an export. Appends after that length are not read. A
 * log shorter than the length (cut by something other than this store) is an {@link IOException}
 * naming the file. Not thread-safe, like any {@link InputStream}.
 */
final class LogBytes extends InputStream {
  private final RunLog runLog;
  private final FileChannel channel;
  private final long end;
  private long position;

  /**
   * @param runLog the log, for messages
   * @param channel open for reading; closed with this stream
   * @param end the length to read up to
   */
  LogBytes(RunLog runLog, FileChannel channel, long end) {
    this.runLog = runLog;
    this.channel = channel;
    this.end = end;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (position >= end) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
    if (n < 0) {
      throw new IOException(
          "run "
              + runLog.id
              + ": "
              + runLog.file
              + " ends at byte "
              + position
              + ", before the "
              + end
              + " bytes read from it before; it was truncated by something other than this store");
    }
    position += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
