package dev.runs.store.file;

import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.StoreIoException;
import dev.runs.spi.EnvelopeStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a run log's lines [from, head.length) in bounded memory, skipping to the first wanted
 * sequence: decoded as events ({@link EventStream}), or, for exports, as the stored envelope bytes
 * ({@link EnvelopeStream}: each line is the event's canonical JSON, copied out undecoded). Use one
 * view per stream. Not thread-safe, like every {@link EventStream}.
 */
final class LogStream implements EventStream, EnvelopeStream {
  private static final Logger log = LoggerFactory.getLogger(LogStream.class);
  private final RunLog runLog;
  private final FileChannel channel;
  private final LineReader reader;
  private final long last;
  private long line;
  private final long first;
  private @Nullable RunEvent next;
  private byte @Nullable [] envelope;
  private boolean closed;

  LogStream(
      RunLog runLog, FileChannel channel, long from, long firstLine, long first, RunLog.Head head) {
    this.runLog = runLog;
    this.channel = channel;
    this.reader =
        new LineReader(channel, from, head.length(), LineReader.STREAMING, LineReader.MAX_LINE);
    this.line = firstLine - 1;
    this.first = first;
    this.last = head.lastSequence();
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (!step()) {
      return false;
    }
    try {
      next = runLog.decodeKnown(reader, line);
      return true;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Moves the reader to the next wanted line; false (and closed) after the last. */
  private boolean step() {
    if (closed || line >= last) {
      close();
      return false;
    }
    try {
      while (true) {
        if (!reader.next()) {
          close();
          throw runLog.corrupt(
              line + 1,
              reader.remainderOffset(),
              "the log ended before sequence "
                  + last
                  + " that was read from it before; it was truncated by something other than this"
                  + " store");
        }
        line++;
        if (line >= first) {
          return true;
        }
      }
    } catch (IOException e) {
      close();
      throw new StoreIoException(
          "run " + runLog.id + ": reading " + runLog.file + " failed: " + e, e);
    }
  }

  @Override
  public boolean advance() {
    if (!step()) {
      return false;
    }
    if (reader.tooLong() || reader.lineLength() == 0) {
      close();
      throw runLog.corrupt(
          line,
          reader.lineOffset(),
          "the line is empty or longer than "
              + LineReader.MAX_LINE
              + " bytes where an event was read before");
    }
    envelope = reader.lineBytes();
    return true;
  }

  @Override
  public long sequence() {
    if (envelope == null) {
      throw new IllegalStateException("advance() first");
    }
    return line;
  }

  @Override
  public byte[] utf8() {
    byte[] e = envelope;
    if (e == null) {
      throw new IllegalStateException("advance() first");
    }
    return e;
  }

  @Override
  public RunEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    RunEvent e = Objects.requireNonNull(next, "hasNext() read the next event");
    next = null;
    return e;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("run {} - closing a reader of {} failed", runLog.id, runLog.file, e);
      }
    }
  }
}
