package dev.runs.internal.move;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.HashChain;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStateMachine;
import dev.runs.RunStatus;
import dev.runs.RunsException;
import dev.runs.StoreIoException;
import dev.runs.internal.codec.EventJson;
import dev.runs.internal.support.ByteScan;
import dev.runs.internal.support.DaemonPools;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntUnaryOperator;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Event envelopes as NDJSON lines, the form bundles and archives hold: writing a run's events with
 * their sha256 and head, and reading them back with every check a line from outside needs.
 */
final class EventLines {
  /** The longest line accepted: a 16 MiB envelope is far beyond any store's payload limit. */
  static final int MAX_LINE = 16 << 20;

  private EventLines() {}

  /**
   * What writing the lines produced.
   *
   * @param crc32c the CRC-32C of the lines with their line feeds ({@link #copy} and {@link
   *     #copyLines}, 0 from {@link #write}): a cheap fingerprint a second pass over the same
   *     envelopes compares ({@link #copyAgain}, {@link #copyLinesAgain})
   */
  record Written(long count, String sha256, RunHead head, long bytes, long crc32c) {}

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
    HashBehind digest = new HashBehind(); // hashed on another processor
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
        digest.finish(),
        new RunHead(last.sequence(), status, last.time(), last.hash()),
        bytes,
        0);
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
    return copy(id, envelopes, upTo, status, null, out);
  }

  /**
   * {@link #copy(RunId, EnvelopeStream, long, RunStatus, OutputStream)}, checking each line against
   * its hash chain link when given the run's genesis.
   *
   * @param genesis the run's chain genesis ({@link HashChain#genesis}) to check every line against
   *     its hash chain link on the hasher's thread ({@link ChainCheck}), or null for no check
   * @throws dev.runs.StoreCorruptedException also when a line does not match its link; lines before
   *     the bad one may have been written to {@code out}
   */
  static Written copy(
      RunId id,
      EnvelopeStream envelopes,
      long upTo,
      RunStatus status,
      @Nullable String genesis,
      OutputStream out)
      throws IOException {
    @Nullable ChainCheck chain = genesis == null ? null : new ChainCheck(id, genesis);
    HashBehind digest = new HashBehind(chain); // hashed, and checked, on another processor
    CRC32C crc = new CRC32C();
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
      crc.update(line);
      crc.update('\n');
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
    String sha256 = digest.finish();
    if (chain != null && chain.end() != count) {
      throw new IllegalStateException("run " + id + ": the chain check saw other lines");
    }
    return new Written(count, sha256, head(id, lastLine, count, status), bytes, crc.getValue());
  }

  /**
   * The head after a run's envelope of sequence {@code upTo}.
   *
   * @param id the run
   * @param lastLine its envelope of sequence {@code upTo}
   * @param upTo the sequence
   * @param status the run's status at {@code upTo}
   * @return the head
   * @throws dev.runs.StoreCorruptedException when the envelope does not decode as the run's event
   *     {@code upTo}
   */
  static RunHead head(RunId id, byte[] lastLine, long upTo, RunStatus status) {
    RunEvent last;
    try {
      last = EventCodec.decode(lastLine);
    } catch (RuntimeException e) {
      throw corrupted("run " + id + ": its event " + upTo + " does not decode", e);
    }
    if (last.sequence() != upTo || !last.runId().equals(id)) {
      throw corrupted(
          "run "
              + id
              + ": the envelope stored as sequence "
              + upTo
              + " is event "
              + last.sequence()
              + " of run "
              + last.runId(),
          null);
    }
    return new RunHead(upTo, status, last.time(), last.hash());
  }

  /**
   * Writes the lines a first {@link #copy} of the same envelopes counted and hashed, from a second
   * read of them: a run's stored events up to its head never change, so the second read holds the
   * same bytes unless the run was deleted, archived or replaced in between, which the count, the
   * length and the CRC-32C of the lines tell (the caller then throws). The lines are written as
   * they are read, so on a difference some were written already.
   *
   * @param id the run, for messages
   * @param envelopes the run's envelopes from sequence 1, read again
   * @param first what the first pass found
   * @param out where the lines go
   * @return whether the lines written are those of the first pass
   */
  static boolean copyAgain(RunId id, EnvelopeStream envelopes, Written first, OutputStream out)
      throws IOException {
    CRC32C crc = new CRC32C();
    long count = 0;
    long bytes = 0;
    while (count < first.count() && envelopes.advance()) {
      if (envelopes.sequence() != count + 1) {
        return false;
      }
      byte[] line = envelopes.utf8();
      crc.update(line);
      crc.update('\n');
      out.write(line);
      out.write('\n');
      bytes += line.length + 1;
      count++;
    }
    return count == first.count() && bytes == first.bytes() && crc.getValue() == first.crc32c();
  }

  /** Bytes read at a time from a stream of lines ({@link #copyLines}). */
  static final int LINES_BLOCK = HashBehind.BLOCK;

  /**
   * {@link #copy}, from the envelopes as one stream of lines ({@link
   * dev.runs.spi.StorageEngine#readEnvelopeLines}), copied in blocks of {@value #LINES_BLOCK} bytes
   * without being split into lines. The stream must hold {@code upTo} lines and end with the line
   * of {@code lastLine}, the envelope of sequence {@code upTo} read before: both are checked, and
   * the head comes from that envelope.
   *
   * @param id the run
   * @param lines the run's envelope lines from sequence 1; not closed
   * @param upTo the last sequence, the head's
   * @param status the run's status at {@code upTo}
   * @param lastLine the envelope of sequence {@code upTo}, shorter than {@value #LINES_BLOCK} bytes
   *     (a longer one goes through {@link #copy})
   * @param genesis the run's chain genesis to check every line against its hash chain link on the
   *     hasher's thread ({@link ChainCheck}), or null for no check
   * @param out where the lines go
   * @return count, sha256 of the lines, the head after the last line, bytes and CRC-32C
   * @throws dev.runs.StoreCorruptedException when the stream does not hold {@code upTo} lines that
   *     end with {@code lastLine}, or that envelope is not the run's event {@code upTo}, or (with a
   *     genesis) a line does not match its link; lines before it may have been written to {@code
   *     out}
   */
  static Written copyLines(
      RunId id,
      InputStream lines,
      long upTo,
      RunStatus status,
      byte[] lastLine,
      @Nullable String genesis,
      OutputStream out)
      throws IOException {
    if (lastLine.length >= LINES_BLOCK) {
      throw new IllegalArgumentException("an envelope of " + lastLine.length + " bytes");
    }
    RunHead head = head(id, lastLine, upTo, status);
    @Nullable ChainCheck chain = genesis == null ? null : new ChainCheck(id, genesis);
    HashBehind digest = new HashBehind(chain); // hashed, and checked, on another processor
    CRC32C crc = new CRC32C();
    byte[] block = new byte[LINES_BLOCK];
    byte[] before = new byte[LINES_BLOCK]; // the block read before, for the last line's check
    int filled = 0;
    int beforeFilled = 0;
    long bytes = 0;
    long count = 0;
    for (int n; (n = lines.readNBytes(block, 0, LINES_BLOCK)) > 0; ) {
      digest.update(block, 0, n);
      crc.update(block, 0, n);
      count += ByteScan.count(block, 0, n, (byte) '\n');
      out.write(block, 0, n);
      bytes += n;
      byte[] b = before;
      before = block;
      block = b;
      beforeFilled = filled;
      filled = n;
    }
    String sha256 = digest.finish();
    if (count != upTo || !endsWithLine(before, filled, block, beforeFilled, bytes, lastLine)) {
      throw corrupted(
          "run "
              + id
              + ": its stored lines up to sequence "
              + upTo
              + " are "
              + count
              + " lines of "
              + bytes
              + " bytes that do not end with the envelope read as sequence "
              + upTo,
          null);
    }
    if (chain != null && chain.end() != count) {
      throw new IllegalStateException("run " + id + ": the chain check saw other lines");
    }
    return new Written(count, sha256, head, bytes, crc.getValue());
  }

  /**
   * Whether a stream's bytes end with a whole line: {@code line}, its line feed, and before it the
   * stream's start or another line feed.
   *
   * @param last the stream's last block, {@code lastFilled} bytes
   * @param beforeLast the block before it, full ({@code beforeFilled} bytes; 0 when none)
   * @param total the stream's length
   * @param line the line, shorter than a block
   */
  static boolean endsWithLine(
      byte[] last, int lastFilled, byte[] beforeLast, int beforeFilled, long total, byte[] line) {
    int length = line.length + 1;
    if (total < length) {
      return false;
    }
    // the k-th byte from the end (k = 1 is the last) lies in the last block, or the one before it
    IntUnaryOperator fromEnd =
        k -> k <= lastFilled ? last[lastFilled - k] : beforeLast[beforeFilled - (k - lastFilled)];
    if (fromEnd.applyAsInt(1) != '\n') {
      return false;
    }
    for (int i = 0; i < line.length; i++) {
      if (fromEnd.applyAsInt(length - i) != line[i]) {
        return false;
      }
    }
    return total == length || fromEnd.applyAsInt(length + 1) == '\n';
  }

  /**
   * {@link #copyAgain} from the envelope lines as one stream, copied in blocks.
   *
   * @param lines the run's envelope lines from sequence 1, read again; not closed
   * @param first what {@link #copyLines} or {@link #copy} found
   * @param out where the lines go
   * @return whether the lines written are those of the first pass
   */
  static boolean copyLinesAgain(InputStream lines, Written first, OutputStream out)
      throws IOException {
    CRC32C crc = new CRC32C();
    byte[] block = new byte[LINES_BLOCK];
    long bytes = 0;
    for (int n; bytes < first.bytes() && (n = lines.readNBytes(block, 0, LINES_BLOCK)) > 0; ) {
      int take = (int) Math.min(n, first.bytes() - bytes);
      crc.update(block, 0, take);
      out.write(block, 0, take);
      bytes += take;
    }
    return bytes == first.bytes() && crc.getValue() == first.crc32c();
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
   *
   * <p>Lines are read in batches (up to {@value #BATCH_LINES} lines or {@value #BATCH_BYTES} bytes
   * ahead). The work on each line alone (decoding it, comparing it with its canonical form unless
   * the decoder proved it canonical, computing its hash chain link from the previous line's hash
   * when asked to) runs on checker threads when the reader has any, several batches at a time,
   * while the reading thread reads the next batches and takes each checked batch in order:
   * everything that depends on the lines before (the run, the sequence, the state machine, the
   * sha256, the link's comparison) and every failure happens on the reading thread, for the first
   * bad line in line order, exactly as when the lines are checked one by one. Memory stays bounded:
   * at most {@link #DEPTH} batches are ahead. Not thread-safe: one reading thread; {@link #close()}
   * stops the checkers.
   */
  static final class Reader implements EncodedEventStream {
    private static final byte[] EVENT_START =
        "{\"schema\":\"runs.event/".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** Lines of one batch at most. */
    static final int BATCH_LINES = 512;

    /** Bytes of one batch at most (a longer line is a batch of its own). */
    static final int BATCH_BYTES = 1 << 20;

    /** Batches read ahead at most. */
    static final int DEPTH = 6;

    private final LineInput in;
    private final RunId runId;
    private final long firstLine;
    private final boolean strict;
    private final Failure failure;
    private final @Nullable String genesis;
    private final @Nullable ExecutorService checkers;
    private final ArrayDeque<Future<Batch>> ahead = new ArrayDeque<>();
    private final MessageDigest digest = Sha256.newDigest();
    private boolean digesting = true;
    private @Nullable String sha256;
    private @Nullable Batch batch;
    private int index;
    private boolean inputEnded;
    private long linesRead;
    private @Nullable RunEvent pending;
    private byte @Nullable [] pendingLine;
    private @Nullable String pendingLink;
    private byte @Nullable [] currentLine;
    private @Nullable String currentLink;
    private byte @Nullable [] leftover;
    private boolean done;
    private long count;
    private long lastSequence;
    private @Nullable RunStatus status;
    private @Nullable RunEvent last;

    /**
     * A reader that checks every line on the reading thread and computes no chain links.
     *
     * @param in positioned at the first event line
     * @param runId the run every event must belong to
     * @param firstLine number of the first event line, for messages
     * @param strict whether to check canonical form and the state machine
     * @param failure makes the exception for a bad line
     */
    Reader(LineInput in, RunId runId, long firstLine, boolean strict, Failure failure) {
      this(in, runId, firstLine, strict, failure, null, 0);
    }

    /**
     * @param in positioned at the first event line
     * @param runId the run every event must belong to
     * @param firstLine number of the first event line, for messages
     * @param strict whether to check canonical form and the state machine
     * @param failure makes the exception for a bad line
     * @param genesis the run's hash chain genesis to compute every hashed event's link ({@link
     *     #link()}), or null for none
     * @param threads checker threads (0: check on the reading thread)
     */
    Reader(
        LineInput in,
        RunId runId,
        long firstLine,
        boolean strict,
        Failure failure,
        @Nullable String genesis,
        int threads) {
      this.in = in;
      this.runId = runId;
      this.firstLine = firstLine;
      this.strict = strict;
      this.failure = failure;
      this.genesis = genesis;
      this.checkers = threads <= 0 ? null : checkers(threads);
    }

    /**
     * Daemon threads that end after 5 idle seconds, so a reader its caller never closes leaves no
     * thread behind for long.
     */
    private static ExecutorService checkers(int threads) {
      return DaemonPools.create("runs-event-lines-check", threads, Duration.ofSeconds(5));
    }

    /**
     * @return checker threads worth having for a strict read on this machine: one per processor up
     *     to 4, none on a single processor
     */
    static int defaultThreads() {
      int n = Runtime.getRuntime().availableProcessors();
      return n <= 1 ? 0 : Math.min(n, 4);
    }

    /** A batch of lines read ahead, with what the checkers found on each line alone. */
    private static final class Batch {
      final byte[][] lines;
      final boolean[] terminated;
      final int size;
      final RunEvent[] events;
      final @Nullable RuntimeException[] invalid;
      final boolean[] canonical;
      final @Nullable String[] links;

      /** What ended the input after these lines, if anything did. */
      byte @Nullable [] leftover;

      @Nullable RuntimeException readFailure;
      boolean end;

      Batch(List<byte[]> lines, List<Boolean> terminated) {
        this.size = lines.size();
        this.lines = lines.toArray(new byte[0][]);
        this.terminated = new boolean[size];
        for (int i = 0; i < size; i++) {
          this.terminated[i] = terminated.get(i);
        }
        this.events = new RunEvent[size];
        this.invalid = new RuntimeException[size];
        this.canonical = new boolean[size];
        this.links = new String[size];
      }
    }

    /** Reads the next batch of lines (on the reading thread); the last one says what ended. */
    private Batch read() {
      List<byte[]> lines = new ArrayList<>();
      List<Boolean> terminated = new ArrayList<>();
      long bytes = 0;
      byte @Nullable [] after = null;
      @Nullable RuntimeException readFailure = null;
      boolean end = false;
      while (lines.size() < BATCH_LINES && bytes < BATCH_BYTES) {
        byte[] line;
        try {
          line = in.next();
        } catch (LineInput.LineTooLongException e) {
          readFailure = failure.at(firstLine + linesRead, String.valueOf(e.getMessage()), e);
          break;
        } catch (IOException e) {
          readFailure = new UncheckedIOException(e);
          break;
        }
        if (line == null) {
          end = true;
          break;
        }
        if (!startsWith(line, EVENT_START)) {
          after = line;
          break;
        }
        lines.add(line);
        terminated.add(in.terminated());
        linesRead++;
        bytes += line.length;
        if (!in.terminated()) {
          end = true; // the file ends inside this line
          break;
        }
      }
      Batch b = new Batch(lines, terminated);
      b.leftover = after;
      b.readFailure = readFailure;
      b.end = end;
      inputEnded = after != null || readFailure != null || end;
      return b;
    }

    /** What can be found on each line alone: its event, its canonical form, its chain link. */
    private Batch check(Batch b) {
      @Nullable MessageDigest linkDigest = genesis == null ? null : Sha256.newDigest();
      StringBuilder text = new StringBuilder(1024);
      for (int i = 0; i < b.size; i++) {
        byte[] line = b.lines[i];
        if (!b.terminated[i]) {
          continue; // refused as truncated
        }
        RunEvent e;
        try {
          e = EventCodec.decode(line);
        } catch (RuntimeException ex) {
          b.invalid[i] = ex;
          continue;
        }
        b.events[i] = e;
        if (strict) {
          if (EventJson.lastDecodeWasCanonical()) {
            b.canonical[i] = true; // proven while decoding: encoding it again gives this line
          } else {
            try {
              b.canonical[i] = isCanonical(e, line, text);
            } catch (RuntimeException notEncodable) {
              b.canonical[i] = false;
            }
          }
        }
        if (linkDigest != null && i > 0 && e.hash().isPresent() && b.events[i - 1] != null) {
          // the first line's link needs the batch before: the reading thread computes it
          String previous = b.events[i - 1].hash().orElse(HashChain.UNCHAINED);
          b.links[i] = link(linkDigest, previous, e, line, !strict || b.canonical[i]);
        }
      }
      return b;
    }

    /**
     * Whether a line is exactly the canonical envelope of its event ({@link
     * EventCodec#encodeUtf8}): the event is encoded into a builder reused for the batch (no new
     * builder grown per line) and its UTF-8 bytes compared with the line.
     *
     * @param e the event decoded from the line
     * @param line the line
     * @param text a builder to reuse (cleared first)
     * @return whether the line is canonical
     */
    static boolean isCanonical(RunEvent e, byte[] line, StringBuilder text) {
      text.setLength(0);
      EventCodec.encodeTo(e, text);
      return text.length() <= line.length
          && Arrays.equals(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), line);
    }

    /**
     * The hash chain link of an event: over its canonical line without the hash field when the line
     * is canonical and the hash is its last field (no unknown fields after it), which saves
     * encoding the event again ({@link ChainCheck#link}); through {@link HashChain#link} otherwise.
     */
    private static String link(
        MessageDigest d, String previous, RunEvent e, byte[] line, boolean canonical) {
      if (canonical
          && e.unknownFields().isEmpty()
          && e.hash().isPresent()
          && ChainCheck.endsWithHash(line, 0, line.length)) {
        return ChainCheck.link(d, previous, line, 0, line.length);
      }
      return HashChain.link(previous, e);
    }

    /** The next batch in line order, read and checked (on the checkers, when there are any). */
    private Batch nextBatch() {
      ExecutorService c = checkers;
      if (c == null) {
        return check(read());
      }
      while (ahead.size() < DEPTH && !inputEnded) {
        Batch b = read();
        ahead.add(c.submit(() -> check(b)));
      }
      Future<Batch> f = java.util.Objects.requireNonNull(ahead.poll());
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException(
            new java.io.InterruptedIOException("interrupted while checking event lines"));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(cause);
      }
    }

    @Override
    public boolean hasNext() {
      if (pending != null) {
        return true;
      }
      if (done) {
        return false;
      }
      Batch b = batch;
      while (b == null || index == b.size) {
        if (b != null) {
          // every line of this batch is taken: what ended the input after it, if anything
          if (b.readFailure != null) {
            done = true;
            throw b.readFailure;
          }
          if (b.leftover != null || b.end) {
            leftover = b.leftover;
            done = true;
            return false;
          }
        }
        b = nextBatch();
        batch = b;
        index = 0;
      }
      int i = index++;
      byte[] line = b.lines[i];
      long lineNo = firstLine + count;
      if (!b.terminated[i]) {
        throw failure.at(lineNo, "the file ends inside this line (truncated)", null);
      }
      RuntimeException invalid = b.invalid[i];
      if (invalid != null) {
        throw failure.at(lineNo, "not a valid event envelope: " + invalid.getMessage(), invalid);
      }
      RunEvent e = b.events[i];
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
        if (!b.canonical[i]) {
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
      @Nullable String link = null;
      String g = genesis;
      if (g != null && e.hash().isPresent()) {
        link = b.links[i];
        if (link == null) {
          RunEvent before = last;
          String previous = before == null ? g : before.hash().orElse(HashChain.UNCHAINED);
          link = link(Sha256.newDigest(), previous, e, line, !strict || b.canonical[i]);
        }
      }
      if (digesting) {
        digest.update(line);
        digest.update((byte) '\n');
      }
      count++;
      lastSequence = e.sequence();
      last = e;
      pending = e;
      pendingLine = line;
      pendingLink = link;
      b.lines[i] = EMPTY; // what is handed over is not kept
      return true;
    }

    private static final byte[] EMPTY = new byte[0];

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e = pending;
      pending = null;
      currentLine = pendingLine;
      pendingLine = null;
      currentLink = pendingLink;
      pendingLink = null;
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
     * @return the hash chain link of the event {@link #next()} returned last, computed from the
     *     hash of the event before it (the genesis for the first, {@link HashChain#UNCHAINED} after
     *     an unhashed one); null when the event has no hash or the reader computes no links
     */
    @Nullable String link() {
      return currentLink;
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

    /**
     * Stops hashing the lines from the next one on, for a caller that checks them otherwise (every
     * hash chain link); {@link #sha256()} is then refused.
     */
    void stopDigest() {
      digesting = false;
    }

    /**
     * @return the sha256 of the lines read, once the input is read to its end (the same on every
     *     call)
     * @throws IllegalStateException after {@link #stopDigest()}
     */
    String sha256() {
      if (!digesting) {
        throw new IllegalStateException("the lines are not hashed: stopDigest() was called");
      }
      String h = sha256;
      if (h == null) {
        h = Sha256.hex(digest);
        sha256 = h;
      }
      return h;
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
      ExecutorService c = checkers;
      if (c != null) {
        c.shutdownNow(); // the batches ahead are not needed
        ahead.clear();
      }
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
