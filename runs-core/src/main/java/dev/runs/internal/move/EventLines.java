package dev.runs.internal.move;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStateMachine;
import dev.runs.RunStatus;
import dev.runs.RunsException;
import dev.runs.StoreIoException;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Event envelopes as NDJSON lines, the form bundles and archives hold: writing a run's events with
 * their sha256 and head, and reading them back with every check a line from outside needs.
 */
final class EventLines {
  /** The longest line accepted: a 16 MiB envelope is far beyond any store's payload limit. */
  static final int MAX_LINE = 16 << 20;

  private EventLines() {}

  /** What writing the lines produced. */
  record Written(long count, String sha256, RunHead head, long bytes) {}

  /**
   * Writes events as lines, up to and including {@code upTo}.
   *
   * @param id the run, for messages
   * @param events the run's events from sequence 1
   * @param upTo the last sequence to write
   * @param out where the lines go
   * @return count, sha256 of the lines, the head after the last line
   */
  static Written write(RunId id, EventStream events, long upTo, OutputStream out)
      throws IOException {
    MessageDigest digest = Sha256.newDigest();
    long count = 0;
    long bytes = 0;
    RunStatus status = RunStatus.CREATED;
    @Nullable RunEvent last = null;
    while (events.hasNext()) {
      RunEvent e = events.next();
      if (e.sequence() > upTo) {
        break;
      }
      byte[] line = EventCodec.encodeUtf8(e);
      digest.update(line);
      digest.update((byte) '\n');
      out.write(line);
      out.write('\n');
      bytes += line.length + 1;
      status = e.sequence() == 1 ? RunStatus.CREATED : RunStateMachine.apply(id, status, e.type());
      count++;
      last = e;
    }
    if (last == null) {
      throw new StoreIoException("run " + id + " has no events to write");
    }
    return new Written(
        count,
        Sha256.hex(digest),
        new RunHead(last.sequence(), status, last.time(), last.hash()),
        bytes);
  }

  /**
   * Copies a store's envelopes out as lines, sequences 1 to {@code upTo}, without decoding them:
   * only the last is decoded, for the head's time and hash. The status is the caller's, read with
   * {@code upTo} (a run's head): the lines end exactly there or this throws.
   *
   * @param id the run
   * @param envelopes the run's envelopes from sequence 1
   * @param upTo the last sequence to write, the head's
   * @param status the run's status at {@code upTo}
   * @param out where the lines go
   * @return count, sha256 of the lines, the head after the last line
   * @throws dev.runs.StoreCorruptedException when the envelopes have a gap, end before {@code
   *     upTo}, or the last does not decode as the run's event {@code upTo}
   */
  static Written copy(
      RunId id, EnvelopeStream envelopes, long upTo, RunStatus status, OutputStream out)
      throws IOException {
    MessageDigest digest = Sha256.newDigest();
    long count = 0;
    long bytes = 0;
    byte @Nullable [] lastLine = null;
    while (count < upTo && envelopes.advance()) {
      long seq = envelopes.sequence();
      if (seq != count + 1) {
        throw corrupted(
            "run " + id + ": the store returned event " + seq + " after " + count + " (a gap)",
            null);
      }
      byte[] line = envelopes.utf8();
      digest.update(line);
      digest.update((byte) '\n');
      out.write(line);
      out.write('\n');
      bytes += line.length + 1;
      count++;
      lastLine = line;
    }
    if (lastLine == null) {
      throw new StoreIoException("run " + id + " has no events to write");
    }
    if (count != upTo) {
      throw corrupted(
          "run " + id + ": its log ends at sequence " + count + " but its head at " + upTo, null);
    }
    RunEvent last;
    try {
      last = EventCodec.decode(lastLine);
    } catch (RuntimeException e) {
      throw corrupted("run " + id + ": its event " + count + " does not decode", e);
    }
    if (last.sequence() != count || !last.runId().equals(id)) {
      throw corrupted(
          "run "
              + id
              + ": the envelope stored as sequence "
              + count
              + " is event "
              + last.sequence()
              + " of run "
              + last.runId(),
          null);
    }
    return new Written(
        count, Sha256.hex(digest), new RunHead(count, status, last.time(), last.hash()), bytes);
  }

  /**
   * @param message what is wrong
   * @param cause the underlying error, or null
   * @return a corruption exception with the cause when there is one
   */
  static dev.runs.StoreCorruptedException corrupted(String message, @Nullable Throwable cause) {
    return cause == null
        ? new dev.runs.StoreCorruptedException(message)
        : new dev.runs.StoreCorruptedException(message, cause);
  }

  /** Builds the exception for a bad line. */
  interface Failure {
    RunsException at(long line, String reason, @Nullable Throwable cause);
  }

  /**
   * Reads event lines: each decodes, belongs to the run, follows the previous sequence, and (when
   * checked) is in canonical form and accepted by the state machine. Tracks the count and sha256 of
   * the lines read. Lines that do not start like an event envelope end the events.
   */
  static final class Reader implements EncodedEventStream {
    private static final byte[] EVENT_START =
        "{\"schema\":\"runs.event/".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final LineInput in;
    private final RunId runId;
    private final long firstLine;
    private final boolean strict;
    private final Failure failure;
    private final MessageDigest digest = Sha256.newDigest();
    private @Nullable RunEvent pending;
    private byte @Nullable [] pendingLine;
    private byte @Nullable [] currentLine;
    private byte @Nullable [] leftover;
    private boolean done;
    private long count;
    private long lastSequence;
    private @Nullable RunStatus status;
    private @Nullable RunEvent last;

    /**
     * @param in positioned at the first event line
     * @param runId the run every event must belong to
     * @param firstLine number of the first event line, for messages
     * @param strict whether to check canonical form and the state machine
     * @param failure makes the exception for a bad line
     */
    Reader(LineInput in, RunId runId, long firstLine, boolean strict, Failure failure) {
      this.in = in;
      this.runId = runId;
      this.firstLine = firstLine;
      this.strict = strict;
      this.failure = failure;
    }

    @Override
    public boolean hasNext() {
      if (pending != null) {
        return true;
      }
      if (done) {
        return false;
      }
      byte[] line;
      try {
        line = in.next();
      } catch (LineInput.LineTooLongException e) {
        throw failure.at(firstLine + count, String.valueOf(e.getMessage()), e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (line == null) {
        done = true;
        return false;
      }
      if (!startsWith(line, EVENT_START)) {
        leftover = line;
        done = true;
        return false;
      }
      long lineNo = firstLine + count;
      if (!in.terminated()) {
        throw failure.at(lineNo, "the file ends inside this line (truncated)", null);
      }
      RunEvent e;
      try {
        e = EventCodec.decode(line);
      } catch (RuntimeException ex) {
        throw failure.at(lineNo, "not a valid event envelope: " + ex.getMessage(), ex);
      }
      if (!e.runId().equals(runId)) {
        throw failure.at(lineNo, "event of run " + e.runId() + ", expected run " + runId, null);
      }
      if (e.sequence() != lastSequence + 1 && !(count == 0 && lastSequence == 0)) {
        throw failure.at(
            lineNo,
            "sequence " + e.sequence() + " follows " + lastSequence + " (the log must be gapless)",
            null);
      }
      if (strict) {
        if (count == 0 && e.sequence() != 1) {
          throw failure.at(
              lineNo, "the first event has sequence " + e.sequence() + ", not 1", null);
        }
        if (!Arrays.equals(EventCodec.encodeUtf8(e), line)) {
          throw failure.at(
              lineNo, "the envelope is not in the canonical form the store writes", null);
        }
        try {
          status =
              status == null
                  ? RunStateMachine.next(Optional.empty(), e.type())
                      .orElseThrow(
                          () ->
                              failure.at(
                                  lineNo,
                                  "the first event must be " + EventTypes.RUN_CREATED,
                                  null))
                  : RunStateMachine.apply(runId, status, e.type());
        } catch (RunsException ex) {
          throw failure.at(lineNo, String.valueOf(ex.getMessage()), ex);
        }
      }
      digest.update(line);
      digest.update((byte) '\n');
      count++;
      lastSequence = e.sequence();
      last = e;
      pending = e;
      pendingLine = line;
      return true;
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e = pending;
      pending = null;
      currentLine = pendingLine;
      pendingLine = null;
      return java.util.Objects.requireNonNull(e);
    }

    /**
     * @return the line of the event {@link #next()} returned last: its canonical envelope when this
     *     reader is strict, or when a strict reader checked the same lines before
     */
    @Override
    public byte[] envelope() {
      byte[] line = currentLine;
      if (line == null) {
        throw new IllegalStateException("next() first");
      }
      return line;
    }

    /**
     * @return the number of the line of the event {@link #next()} returned last
     */
    long lineOfLast() {
      return firstLine + count - (pending == null ? 1 : 2);
    }

    /**
     * @return the line after the events (a stage file line), or null at the end of the input
     */
    byte @Nullable [] leftover() {
      return leftover;
    }

    long count() {
      return count;
    }

    String sha256() {
      return Sha256.hex(digest);
    }

    /**
     * @return the head after the events read; status only when strict
     */
    Optional<RunHead> head() {
      if (last == null) {
        return Optional.empty();
      }
      return Optional.of(
          new RunHead(
              last.sequence(),
              status == null ? RunStatus.CREATED : status,
              last.time(),
              last.hash()));
    }

    long lineNumber() {
      return in.number();
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        // reading is over; nothing to tell
      }
    }

    /**
     * @param line a bundle or archive line
     * @return whether it starts like an event envelope (the events end at the first that does not)
     */
    static boolean isEventLine(byte[] line) {
      return startsWith(line, EVENT_START);
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
      if (line.length < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        if (line[i] != prefix[i]) {
          return false;
        }
      }
      return true;
    }
  }
}
