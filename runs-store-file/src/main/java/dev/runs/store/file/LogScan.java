package dev.runs.store.file;

import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunStateMachine;
import dev.runs.RunStatus;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One scan of a run's log from a known offset: reads whole lines, checks that each is the run's
 * next event allowed by the state machine, and records what it found (the new head, line marks,
 * idempotency keys, or where a torn tail begins). {@link RunLog} adopts or discards the result. Not
 * thread-safe: each scan belongs to the thread running it.
 */
final class LogScan {
  final long start;
  final long epoch;
  final boolean trackKeys;
  long sequence;
  @Nullable RunStatus status;
  @Nullable Instant updated;
  @Nullable String hash;
  long end;
  long size;
  long[] newMarks = new long[0];
  int newMarkCount;
  @Nullable Map<String, Long> newKeys;
  long tornOffset = -1;
  long tornLine;
  @Nullable String tornReason;

  LogScan(
      long start,
      long sequence,
      @Nullable RunStatus status,
      @Nullable Instant updated,
      @Nullable String hash,
      long epoch,
      boolean trackKeys) {
    this.start = start;
    this.end = start;
    this.sequence = sequence;
    this.status = status;
    this.updated = updated;
    this.hash = hash;
    this.epoch = epoch;
    this.trackKeys = trackKeys;
  }

  /** Remembers the offset of a line that starts a {@link RunLog#MARK_EVERY} block. */
  void mark(long offset) {
    if (newMarkCount == newMarks.length) {
      newMarks = Arrays.copyOf(newMarks, Math.max(4, newMarkCount * 2));
    }
    newMarks[newMarkCount++] = offset;
  }

  /**
   * Reads whole lines of {@code log} from {@link #start}: each must be the next event of the run,
   * allowed by the state machine. Stops at the first line that is not an event; if any later line
   * is an event, that is damage in the middle and throws.
   */
  void read(RunLog log) throws IOException {
    LogScan s = this;
    Path file = log.file;
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw log.missingLog(e);
    }
    try (ch) {
      long size = ch.size();
      s.size = size;
      if (size < s.start) {
        throw log.corrupt(
            s.sequence + 1,
            s.start,
            "the file is "
                + size
                + " bytes long but "
                + s.start
                + " bytes of events were read from it before: it was truncated or replaced by"
                + " something other than this store");
      }
      LineReader r = new LineReader(ch, s.start, size, LineReader.STREAMING, LineReader.MAX_LINE);
      String[] why = new String[1];
      while (r.next()) {
        long line = s.sequence + 1;
        long offset = r.lineOffset();
        RunEvent e = tryDecode(r, why);
        if (e == null) {
          s.tornOffset = offset;
          s.tornLine = line;
          s.tornReason = why[0];
          while (r.next()) {
            if (tryDecode(r, new String[1]) != null) {
              throw log.corrupt(
                  line,
                  offset,
                  why[0]
                      + "; intact events follow at byte offset "
                      + r.lineOffset()
                      + ", so this is damage in the middle of the log, not a torn"
                      + " write. Nothing was changed: restore the file from a backup, or move the"
                      + " damaged line out by hand");
            }
          }
          return;
        }
        if (!e.runId().equals(log.id) || e.sequence() != line) {
          throw log.corrupt(
              line,
              offset,
              "holds sequence "
                  + e.sequence()
                  + " of run "
                  + e.runId()
                  + " where sequence "
                  + line
                  + " of run "
                  + log.id
                  + " belongs (a gap, a duplicate or"
                  + " a foreign line); nothing was changed");
        }
        RunStatus next = fold(s.status, e.type());
        if (next == null) {
          throw log.corrupt(
              line,
              offset,
              "event type "
                  + e.type()
                  + " is not allowed in status "
                  + (s.status == null
                      ? "(none: the first event must be run.created)"
                      : s.status.wireName())
                  + "; nothing was changed");
        }
        if ((line - 1) % RunLog.MARK_EVERY == 0) {
          s.mark(offset);
        }
        if (s.trackKeys && e.idempotencyKey().isPresent()) {
          if (s.newKeys == null) {
            s.newKeys = new HashMap<>();
          }
          s.newKeys.put(e.idempotencyKey().get(), offset);
        }
        s.sequence = line;
        s.status = next;
        s.updated = e.time();
        s.hash = e.hash().orElse(null);
        s.end = r.nextOffset();
      }
      if (r.hasRemainder()) {
        s.tornOffset = r.remainderOffset();
        s.tornLine = s.sequence + 1;
        s.tornReason = "the last " + (size - s.tornOffset) + " bytes have no trailing newline";
      }
    }
  }

  static @Nullable RunEvent tryDecode(LineReader r, String[] why) {
    if (r.tooLong()) {
      why[0] = "the line is longer than " + LineReader.MAX_LINE + " bytes";
      return null;
    }
    try {
      return r.event();
    } catch (RuntimeException e) {
      why[0] = "the line is not an event (" + e.getMessage() + ")";
      return null;
    }
  }

  /**
   * Decodes the reader's current line (not too long).
   *
   * @return the event, or null when the line is not one ({@link #tryDecode} says why)
   */
  static @Nullable RunEvent decodeOrNull(LineReader r) {
    try {
      return r.event();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * @return the status after an event of the given type, or null when the state machine forbids it
   */
  static @Nullable RunStatus fold(@Nullable RunStatus current, EventType type) {
    if (current == null) {
      return RunStateMachine.next(Optional.empty(), type).orElse(null);
    }
    if (type.isLifecycle() && !type.isCore()) {
      return current; // a lifecycle type from a newer version keeps the status
    }
    return RunStateMachine.next(Optional.of(current), type).orElse(null);
  }
}
