package dev.runs.store.file;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunsException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's {@code events.ndjson} as this process knows it: how many bytes of it are validated
 * events, the head (last sequence, status, time), a sparse index of line offsets for reads, and
 * lazily an index of idempotency keys.
 *
 * <p><b>Locks.</b> {@link #writeLock} (this process) and the run's {@code run.lock} (all processes)
 * are held by whoever changes the file: a commit, and the recovery that cuts a torn tail. The state
 * fields are guarded by {@code this}, held only briefly. Readers never take the file lock except
 * for the first touch of a run in this process (recovery) or to confirm suspected damage.
 *
 * <p><b>Visibility.</b> {@link #length} only ever covers whole, validated lines that are durable as
 * far as this process knows: a commit's bytes count once forced. While a commit of this process
 * writes ({@link #writing}), readers do not scan the file for other processes' appends, and a scan
 * that raced with a commit is discarded ({@link #writeEpoch}).
 */
final class RunLog {
  private static final Logger log = LoggerFactory.getLogger(RunLog.class);

  /**
   * An offset is kept for line 1 and every this-many lines after, so a read skips at most this
   * many.
   */
  static final int MARK_EVERY = 256;

  final RunId id;
  final RunRecord record;
  final Path dir;
  final Path file;
  final Path broken;
  final Path lockFile;
  private final DurableFs fs;

  /** Serializes this process's writers of the file (commits, recovery). */
  final ReentrantLock writeLock = new ReentrantLock();

  // ---- guarded by this
  private boolean loaded;
  private long length;
  private long lastSequence;
  private @Nullable RunStatus status;
  private @Nullable Instant updatedAt;
  private @Nullable String lastHash;
  private long[] marks = new long[4];
  private int markCount;
  private @Nullable Map<String, Long> keys;
  private boolean writing;
  private long writeEpoch;
  private long externalHead;
  private long reportedExternal;

  // ---- guarded by writeLock
  private @Nullable FileChannel writer;

  /**
   * Set when a force (or the undo of a failed write) failed: the log refuses appends until
   * reopened.
   */
  private volatile @Nullable StoreIoException failed;

  RunLog(RunId id, RunRecord record, Path dir, DurableFs fs) {
    this.id = id;
    this.record = record;
    this.dir = dir;
    this.file = dir.resolve(Layout.EVENTS);
    this.broken = dir.resolve(Layout.BROKEN);
    this.lockFile = dir.resolve(Layout.RUN_LOCK);
    this.fs = fs;
  }

  /** A consistent view of the head. */
  record Head(
      long length,
      long lastSequence,
      RunStatus status,
      Instant updatedAt,
      @Nullable String lastHash) {
    RunHead toRunHead() {
      return new RunHead(lastSequence, status, updatedAt, Optional.ofNullable(lastHash));
    }
  }

  synchronized Head snapshot() {
    return head();
  }

  /** The head as loaded; a loaded log always has a status and a time (its run.created). */
  private Head head() {
    RunStatus s = status;
    Instant t = updatedAt;
    if (s == null || t == null) {
      throw new IllegalStateException("run " + id + ": the event log is not loaded");
    }
    return new Head(length, lastSequence, s, t, lastHash);
  }

  synchronized boolean isLoaded() {
    return loaded;
  }

  /**
   * @return whether a failed force froze this log
   */
  boolean isFailed() {
    return failed != null;
  }

  /** Marks the log of a run this process just created: line 1 holds run.created. */
  synchronized void created(long bytes, RunEvent createdEvent) {
    loaded = true;
    length = bytes;
    lastSequence = 1;
    status = RunStatus.CREATED;
    updatedAt = createdEvent.time();
    lastHash = createdEvent.hash().orElse(null);
    marks[0] = 0;
    markCount = 1;
  }

  // ---- loading, recovery and catch-up ---------------------------------------------------------

  /**
   * Brings the view up to date with the file: on first touch, recovery under the locks (a torn tail
   * is copied aside and cut); later, a lock-free scan of what other processes appended.
   *
   * @return the head
   */
  Head refresh() {
    if (!isLoaded()) {
      lockedIngest();
      return snapshot();
    }
    long start;
    long epoch;
    Map<String, Long> keyIndex;
    synchronized (this) {
      if (writing) {
        return snapshot();
      }
      start = length;
      epoch = writeEpoch;
      keyIndex = keys;
    }
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw missingLog(e);
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": cannot read the size of " + file + ": " + e, e);
    }
    if (size == start) {
      return snapshot();
    }
    try {
      LogScan s;
      synchronized (this) {
        s = new LogScan(start, lastSequence, status, updatedAt, lastHash, epoch, keyIndex != null);
      }
      s.read(this);
      publish(s);
    } catch (StoreCorruptedException suspected) {
      // maybe a race with another process cutting a torn tail and appending: confirm under the
      // locks
      lockedIngest();
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": reading " + file + " failed: " + e, e);
    }
    return snapshot();
  }

  /** Takes both locks and ingests (or recovers) the file. */
  private void lockedIngest() {
    writeLock.lock();
    try {
      if (failed != null && isLoaded()) {
        return; // frozen until reopened
      }
      FileLocks.Held held = lock();
      try {
        ingestLocked();
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  private FileLocks.Held lock() {
    try {
      return FileLocks.acquire(lockFile);
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + id
              + ": cannot lock "
              + lockFile
              + ": "
              + e
              + "; check that the directory is writable",
          e);
    }
  }

  /**
   * With both locks held nobody writes the file, so whatever follows the last whole event is a torn
   * write of a process that died: it is copied aside and cut. Damage followed by intact events is
   * not a torn write and is reported, never cut.
   */
  private void ingestLocked() {
    if (isLoaded()) {
      long size;
      try {
        size = Files.size(file);
      } catch (NoSuchFileException e) {
        throw missingLog(e);
      } catch (IOException e) {
        throw new StoreIoException("run " + id + ": cannot read the size of " + file + ": " + e, e);
      }
      synchronized (this) {
        if (size == length) {
          return; // nobody appended since: the common case of a commit
        }
      }
    }
    for (int attempt = 0; attempt < 100; attempt++) {
      LogScan s;
      synchronized (this) {
        s =
            loaded
                ? new LogScan(
                    length, lastSequence, status, updatedAt, lastHash, writeEpoch, keys != null)
                : new LogScan(0, 0, null, null, null, writeEpoch, false);
      }
      try {
        s.read(this);
        if (s.tornOffset >= 0) {
          if (s.sequence == 0) {
            throw corrupt(
                1,
                0,
                "the file does not begin with an event ("
                    + s.tornReason
                    + "), so it is not an event log; nothing was changed");
          }
          cutTail(s);
        }
      } catch (IOException e) {
        throw new StoreIoException("run " + id + ": recovering " + file + " failed: " + e, e);
      }
      if (s.sequence == 0) {
        throw corrupt(
            1,
            0,
            "the file is empty, but every run's log begins with run.created;"
                + " nothing was changed");
      }
      if (publish(s)) {
        return;
      }
    }
    throw new IllegalStateException("run " + id + ": the log view did not settle");
  }

  /** Copies the torn tail to events.ndjson.broken (appending) and cuts it off. Both locks held. */
  private void cutTail(LogScan s) throws IOException {
    long from = s.tornOffset;
    long bytes = s.size - from;
    try (FileChannel src = fs.openReadWriter(file);
        FileChannel dst = fs.openAppender(broken)) {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(1, bytes)));
      long at = from;
      byte last = '\n';
      while (at < s.size) {
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), s.size - at));
        int n = src.read(buf, at);
        if (n < 0) {
          break;
        }
        buf.flip();
        last = buf.get(buf.limit() - 1);
        while (buf.hasRemaining()) {
          dst.write(buf);
        }
        at += n;
      }
      if (last != '\n') {
        dst.write(ByteBuffer.wrap(new byte[] {'\n'}));
      }
      fs.force(dst);
      src.truncate(from);
      fs.force(src);
    }
    fs.forceDirectory(dir);
    s.size = from;
    // the reason can quote bytes of the line, so it stays at debug like any payload detail
    log.warn(
        "run {} - cut a torn tail off {}: {} bytes from byte offset {} (line {}) were not a whole"
            + " event; they were appended to {}",
        id,
        file,
        bytes,
        from,
        s.tornLine,
        broken);
    log.debug("run {} - the torn tail at byte offset {}: {}", id, from, s.tornReason);
  }

  /** Adopts a scan unless a commit or another scan changed the view since it started. */
  private synchronized boolean publish(LogScan s) {
    long current = loaded ? length : 0;
    if (writing || writeEpoch != s.epoch || current != s.start || (keys != null && !s.trackKeys)) {
      return loaded && length == s.end && lastSequence == s.sequence;
    }
    if (s.sequence == 0) {
      return false;
    }
    boolean external = loaded && s.sequence > lastSequence;
    for (int i = 0; i < s.newMarkCount; i++) {
      addMark(s.newMarks[i]);
    }
    if (keys != null && s.newKeys != null) {
      keys.putAll(s.newKeys);
    }
    length = s.end;
    lastSequence = s.sequence;
    status = s.status;
    updatedAt = s.updated;
    lastHash = s.hash;
    if (external) {
      externalHead = lastSequence;
    }
    loaded = true;
    return true;
  }

  private void addMark(long offset) {
    if (markCount == marks.length) {
      marks = Arrays.copyOf(marks, markCount * 2);
    }
    marks[markCount++] = offset;
  }

  /**
   * @return a change to report when events appended by another process were ingested since the last
   *     call, else null
   */
  synchronized @Nullable Head takeExternalChange() {
    if (externalHead > reportedExternal) {
      reportedExternal = externalHead;
      return head();
    }
    return null;
  }

  // ---- commits ----------------------------------------------------------------------------------

  /**
   * Commits one run's batch: under both locks, catch up with the file, plan, write once, force
   * once. A failure fails this batch only.
   */
  void commit(RunBatch batch) {
    writeLock.lock();
    try {
      StoreIoException frozen = failed;
      if (frozen != null) {
        batch.fail(
            new StoreIoException(
                "run "
                    + id
                    + ": the log "
                    + file
                    + " refuses appends since"
                    + " an earlier failure ("
                    + frozen.getMessage()
                    + "); close and reopen the store to"
                    + " recover the log, then append again",
                frozen));
        return;
      }
      FileLocks.Held held;
      try {
        held = lock();
      } catch (StoreIoException e) {
        batch.fail(e);
        return;
      }
      try {
        ingestLocked();
        Map<String, RunEvent> known = knownKeys(batch.idempotencyKeys());
        Head head = snapshot();
        List<RunEvent> toWrite = batch.plan(Optional.of(head.toRunHead()), known);
        if (!toWrite.isEmpty()) {
          write(batch, head, toWrite);
        }
      } catch (RunsException e) {
        batch.fail(e);
      } catch (RuntimeException e) {
        batch.fail(new StoreIoException("run " + id + ": commit to " + file + " failed: " + e, e));
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void write(RunBatch batch, Head head, List<RunEvent> events) {
    EncodedBatch enc = EncodedBatch.of(events);
    long at = head.length();
    synchronized (this) {
      writing = true;
      writeEpoch++;
    }
    boolean done = false;
    try {
      FileChannel w;
      try {
        w = writer();
        DurableFs.writeFully(w, ByteBuffer.wrap(enc.bytes, 0, enc.size), at);
      } catch (IOException e) {
        batch.fail(undoWrite(at, events.size(), head.lastSequence(), e));
        return;
      }
      if (fs.fsync()) {
        try {
          w.force(false);
        } catch (IOException e) {
          StoreIoException f =
              new StoreIoException(
                  "run "
                      + id
                      + ": fsync of "
                      + file
                      + " failed ("
                      + e
                      + ") after writing "
                      + events.size()
                      + " event(s) at byte offset "
                      + at
                      + "; they were not acknowledged and may or may not survive. The kernel may"
                      + " have dropped the written data, so the log refuses further appends: close"
                      + " and reopen the store to recover it, then read the run to see where it"
                      + " ends",
                  e);
          failed = f;
          closeWriter();
          batch.fail(f);
          return; // 'writing' stays set: readers keep the last acknowledged view
        }
      }
      appended(at, enc, events, batch.headAfter());
      done = true;
    } finally {
      if (!done && failed == null) {
        synchronized (this) {
          writing = false;
        }
      }
    }
  }

  private StoreIoException undoWrite(long at, int count, long lastSeq, IOException e) {
    closeWriter();
    try (FileChannel ch = fs.openWriter(file)) {
      if (ch.size() > at) {
        ch.truncate(at);
      }
    } catch (IOException undo) {
      e.addSuppressed(undo);
      StoreIoException f =
          new StoreIoException(
              "run "
                  + id
                  + ": writing "
                  + count
                  + " event(s) to "
                  + file
                  + " failed ("
                  + e
                  + ") and cutting the partial write back failed too ("
                  + undo
                  + "); nothing was acknowledged. The log refuses appends until the store is"
                  + " reopened; recovery then cuts the torn tail",
              e);
      failed = f;
      return f;
    }
    return new StoreIoException(
        "run "
            + id
            + ": writing "
            + count
            + " event(s) to "
            + file
            + " failed ("
            + e
            + "); nothing was acknowledged and the log still ends at sequence "
            + lastSeq
            + ". Free disk space or fix the device, then append again",
        e);
  }

  private FileChannel writer() throws IOException {
    if (writer == null || !writer.isOpen()) {
      writer = fs.openWriter(file);
    }
    return writer;
  }

  /** Closes the write channel; the next commit reopens it. Callers hold {@link #writeLock}. */
  void closeWriter() {
    FileChannel w = writer;
    writer = null;
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        log.debug("run {} - closing {} failed", id, file, e);
      }
    }
  }

  /**
   * @return whether this log holds an open write channel (for the engine's bound on open files)
   */
  boolean hasWriter() {
    return writer != null;
  }

  private synchronized void appended(
      long at, EncodedBatch enc, List<RunEvent> events, RunHead after) {
    if (at != length) {
      throw new IllegalStateException(
          "run " + id + ": wrote at " + at + " but the log view ends at " + length);
    }
    for (int i = 0; i < events.size(); i++) {
      RunEvent e = events.get(i);
      long off = at + enc.starts[i];
      if ((e.sequence() - 1) % MARK_EVERY == 0) {
        addMark(off);
      }
      if (keys != null && e.idempotencyKey().isPresent()) {
        keys.put(e.idempotencyKey().get(), off);
      }
    }
    length = at + enc.size;
    lastSequence = after.lastSequence();
    status = after.status();
    updatedAt = after.updatedAt();
    lastHash = after.lastHash().orElse(null);
    writing = false;
  }

  // ---- idempotency keys -----------------------------------------------------------------------

  /** Looks keys up, building the index by one scan of the log the first time. Both locks held. */
  private Map<String, RunEvent> knownKeys(Set<String> wanted) {
    if (wanted.isEmpty()) {
      return Map.of();
    }
    Map<String, Long> index;
    long end;
    synchronized (this) {
      index = keys;
      end = length;
    }
    try {
      if (index == null) {
        index = buildKeyIndex(end);
        synchronized (this) {
          if (keys == null) {
            keys = index;
          }
          index = keys;
        }
      }
      Map<String, RunEvent> out = new HashMap<>();
      List<Long> offsets = new ArrayList<>();
      synchronized (this) {
        for (String k : wanted) {
          Long off = index.get(k);
          if (off != null) {
            offsets.add(off);
          }
        }
      }
      if (offsets.isEmpty()) {
        return out;
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        for (long off : offsets) {
          LineReader r = new LineReader(ch, off, end, 4096, LineReader.MAX_LINE);
          if (!r.next()) {
            throw corrupt(0, off, "an indexed event line ends before its newline");
          }
          RunEvent e;
          try {
            e = EventCodec.decode(r.lineString());
          } catch (RuntimeException damaged) {
            throw new StoreCorruptedException(
                "run "
                    + id
                    + ": "
                    + file
                    + " (byte offset "
                    + off
                    + "): an indexed event line is no longer an event ("
                    + damaged.getMessage()
                    + "); the file was changed by something other than this store",
                damaged);
          }
          out.put(e.idempotencyKey().orElseThrow(), e);
        }
      }
      return out;
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + id + ": reading idempotency keys from " + file + " failed: " + e, e);
    }
  }

  private Map<String, Long> buildKeyIndex(long end) throws IOException {
    Map<String, Long> index = new HashMap<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      LineReader r = new LineReader(ch, 0, end);
      long line = 0;
      while (r.next()) {
        line++;
        RunEvent e = decodeKnown(r, line);
        if (e.idempotencyKey().isPresent()) {
          index.put(e.idempotencyKey().get(), r.lineOffset());
        }
      }
    }
    return index;
  }

  RunEvent decodeKnown(LineReader r, long line) {
    String[] why = new String[1];
    RunEvent e = LogScan.tryDecode(r, why);
    if (e == null) {
      throw corrupt(
          line,
          r.lineOffset(),
          why[0]
              + "; the line was an intact event when this process read it before, so the file was"
              + " changed by something other than this store");
    }
    if (e.sequence() != line || !e.runId().equals(id)) {
      throw corrupt(
          line,
          r.lineOffset(),
          "holds sequence "
              + e.sequence()
              + " of run "
              + e.runId()
              + " where sequence "
              + line
              + " of run "
              + id
              + " was read before");
    }
    return e;
  }

  // ---- reads ------------------------------------------------------------------------------------

  /**
   * Opens a stream of the events after a sequence, up to the head at this moment.
   *
   * @param afterSequence 0 for all
   * @return the stream
   */
  EventStream read(long afterSequence) {
    Head h = refresh();
    if (afterSequence >= h.lastSequence()) {
      return EventStream.of(List.of());
    }
    long target = afterSequence + 1;
    int mark = (int) ((target - 1) / MARK_EVERY);
    long from;
    synchronized (this) {
      from = marks[mark];
    }
    long firstLine = (long) mark * MARK_EVERY + 1;
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": cannot open " + file + ": " + e, e);
    }
    return new LogStream(this, ch, from, firstLine, target, h);
  }

  // ---- errors -----------------------------------------------------------------------------------

  StoreCorruptedException corrupt(long line, long offset, String what) {
    return new StoreCorruptedException(
        "run " + id + ": " + file + " line " + line + " (byte offset " + offset + "): " + what);
  }

  StoreCorruptedException missingLog(IOException e) {
    return new StoreCorruptedException(
        "run "
            + id
            + ": "
            + file
            + " is missing but "
            + Layout.RUN_JSON
            + " exists; every run's log begins with run.created. Restore the file from a backup",
        e);
  }
}
