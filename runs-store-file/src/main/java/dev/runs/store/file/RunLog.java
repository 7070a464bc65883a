package dev.runs.store.file;

import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunsException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 *
 * <p><b>Archive stubs, restores, deletions.</b> A run is <em>whole</em> (it has {@code
 * events.ndjson}), an <em>archive stub</em> ({@code stub.json}, no event log, no stages) or gone
 * (its directory was moved to the trash). Every change between these states holds both locks, and
 * keeps one rule: while {@code events.ndjson} exists the run is whole. Archiving renames the log to
 * {@code events.ndjson.stubbing} first, then writes {@code stub.json} (the commit), then removes
 * the lease, the stages and the renamed log, in that order; a restore puts the stages back and the
 * log as {@code events.ndjson.restoring}, removes {@code stub.json} (the commit), then renames the
 * log into place. So a reader that finds the log needs no other check, and one that does not find
 * it takes the locks and decides ({@link #recoverMissingLog}): a stub (whose unfinished removals it
 * finishes), an archiving to roll back, a restore to roll forward, or a run that is gone. The view
 * remembers the file key of the log it read, so a log replaced by another process (a deletion
 * followed by an import of the same run) is read again from its start.
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
  final Path runJson;
  final Path stubFile;
  final Path stubbing;
  final Path restoring;
  final Path stagesDir;
  private final Path leaseFile;
  private final DurableFs fs;
  private final Trash trash;
  private final TerminalExit terminalExit;

  /**
   * Told before a commit appends to a run in a terminal status, which every such append leaves or
   * changes (a resume, an interrupted run failed or cancelled), with the run's log lock held.
   */
  interface TerminalExit {
    /**
     * @param id the run
     * @param sequence the sequence of the commit's first event
     * @throws StoreIoException to refuse the commit: nothing is appended
     */
    void leaving(RunId id, long sequence);
  }

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

  /** The file key of the log the view was read from; null for stubs or when unknown. */
  private @Nullable Object logKey;

  /** What the last {@link #listHead} found in a log this view has not loaded; null when none. */
  private @Nullable Peeked peeked;

  /** Set while the run is an archive stub. */
  private StubFile.@Nullable Stub stub;

  /** Which stub.json {@link #stub} was read from (file key and modification time). */
  private @Nullable Object stubKey;

  // ---- guarded by writeLock
  private @Nullable FileChannel writer;

  /**
   * Set when a force (or the undo of a failed write) failed: the log refuses appends until
   * reopened.
   */
  private volatile @Nullable StoreIoException failed;

  /** Set once the run's directory no longer holds this run: every use throws {@link RunGone}. */
  private volatile boolean retired;

  RunLog(
      RunId id,
      RunRecord record,
      Path dir,
      DurableFs fs,
      Path leaseFile,
      Trash trash,
      TerminalExit terminalExit) {
    this.id = id;
    this.record = record;
    this.dir = dir;
    this.file = dir.resolve(Layout.EVENTS);
    this.broken = dir.resolve(Layout.BROKEN);
    this.lockFile = dir.resolve(Layout.RUN_LOCK);
    this.runJson = dir.resolve(Layout.RUN_JSON);
    this.stubFile = dir.resolve(Layout.STUB);
    this.stubbing = dir.resolve(Layout.STUBBING);
    this.restoring = dir.resolve(Layout.RESTORING);
    this.stagesDir = dir.resolve(Layout.STAGES);
    this.leaseFile = leaseFile;
    this.fs = fs;
    this.trash = trash;
    this.terminalExit = terminalExit;
  }

  /**
   * A consistent view of the head.
   *
   * @param length bytes of the log covered (0 for a stub)
   * @param archived true when the run is an archive stub
   */
  record Head(
      long length,
      long lastSequence,
      RunStatus status,
      Instant updatedAt,
      @Nullable String lastHash,
      boolean archived) {
    RunHead toRunHead() {
      RunHead h = new RunHead(lastSequence, status, updatedAt, Optional.ofNullable(lastHash));
      return archived ? h.asArchived() : h;
    }
  }

  synchronized Head snapshot() {
    return head();
  }

  /**
   * @return the head, or null when the view is not loaded yet
   */
  synchronized @Nullable Head viewOrNull() {
    return loaded ? head() : null;
  }

  /** The head as loaded; a loaded log always has a status and a time (its run.created). */
  private Head head() {
    StubFile.Stub st = stub;
    if (st != null) {
      RunHead h = st.head();
      return new Head(
          0, h.lastSequence(), h.status(), h.updatedAt(), h.lastHash().orElse(null), true);
    }
    RunStatus s = status;
    Instant t = updatedAt;
    if (s == null || t == null) {
      throw new IllegalStateException("run " + id + ": the event log is not loaded");
    }
    return new Head(length, lastSequence, s, t, lastHash, false);
  }

  synchronized boolean isLoaded() {
    return loaded;
  }

  /**
   * @return the archive stub's JSON when the run is a stub, as of the last look at the disk
   */
  synchronized Optional<String> stubJson() {
    StubFile.Stub s = stub;
    return s == null ? Optional.empty() : Optional.of(s.json());
  }

  /**
   * Whether the run is an archive stub now, without reading a log this process has not loaded: one
   * {@code stat} then (a stub's leftovers are finished under the locks when there is one).
   *
   * @throws RunGone when the run is no longer in its directory
   */
  boolean archived() {
    if (!isLoaded() && attributes(stubFile) == null) {
      checkRetired();
      return false;
    }
    return refresh().archived();
  }

  /** Marks this view as no longer describing the run's directory. */
  RunGone retire() {
    retired = true;
    return new RunGone(id);
  }

  boolean isRetired() {
    return retired;
  }

  private void checkRetired() {
    if (retired) {
      throw new RunGone(id);
    }
  }

  /**
   * @return whether a failed force froze this log
   */
  boolean isFailed() {
    return failed != null;
  }

  /** Marks the log of a run this process just created: line 1 holds run.created. */
  synchronized void created(long bytes, RunEvent createdEvent, @Nullable Object fileKey) {
    peeked = null; // the loaded view answers from now on
    loaded = true;
    logKey = fileKey;
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
   * is copied aside and cut); later, a lock-free scan of what other processes appended. A log that
   * vanished or was replaced sends it to the locks too, which tell a stub, a gone run or a new log.
   *
   * @return the head
   * @throws RunGone when the run is no longer in its directory
   */
  Head refresh() {
    checkRetired();
    long start;
    long epoch;
    Map<String, Long> keyIndex;
    boolean isStub;
    @Nullable Object key;
    @Nullable Object sKey;
    synchronized (this) {
      if (!loaded) {
        start = -1;
      } else if (writing) {
        return head();
      } else {
        start = length;
      }
      epoch = writeEpoch;
      keyIndex = keys;
      isStub = stub != null;
      key = logKey;
      sKey = stubKey;
    }
    if (start < 0) {
      return lockedIngest();
    }
    if (isStub) {
      BasicFileAttributes a = attributes(stubFile);
      if (a != null && stubIdentity(a).equals(sKey)) {
        return snapshot();
      }
      return lockedIngest(); // restored, archived anew, or gone
    }
    BasicFileAttributes a = attributes(file);
    if (a == null || !Objects.equals(a.fileKey(), key)) {
      return lockedIngest(); // archived, deleted, or replaced by another process
    }
    long size = a.size();
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
      // maybe a race with another process cutting a torn tail and appending, or replacing the
      // log: confirm under the locks
      return lockedIngest();
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": reading " + file + " failed: " + e, e);
    }
    return snapshot();
  }

  /**
   * What a lock-free look at a log this view has not loaded found: its file key, and the head after
   * its whole events up to byte {@code end}.
   */
  private record Peeked(
      Object fileKey,
      long end,
      long sequence,
      RunStatus status,
      Instant updatedAt,
      @Nullable String hash) {
    Head head() {
      return new Head(end, sequence, status, updatedAt, hash, false);
    }
  }

  /**
   * The head for a listing. A loaded view is brought up to date as by {@link #refresh}. A log this
   * view has not loaded is read without the locks, as a reader of another process's appends reads
   * it: one {@code stat}, then its whole events (only those appended since the last look, when the
   * same file grew), with no lock file created or locked, so listing a store neither waits for nor
   * writes into the run directories it lists. The view itself stays unloaded: recovery waits for
   * the first read or write. Whatever the lock-free look cannot settle goes to the locks as a first
   * touch does: a log that is missing (a stub, an archiving or restore that stopped, a run gone),
   * that ends in bytes that are not a whole event (a torn tail, which the locks cut, or an append
   * of another process in flight, which they wait for), or that reads as damaged.
   *
   * @return the head
   * @throws RunGone when the run is no longer in its directory
   */
  Head listHead() {
    checkRetired();
    boolean isLoaded;
    Peeked before;
    synchronized (this) {
      isLoaded = loaded;
      before = peeked;
    }
    if (isLoaded) {
      return refresh();
    }
    BasicFileAttributes a = attributes(file);
    if (a == null || a.fileKey() == null) {
      return refresh();
    }
    Object key = a.fileKey();
    LogScan s;
    if (before != null && before.fileKey().equals(key) && before.end() <= a.size()) {
      if (before.end() == a.size()) {
        return before.head();
      }
      s =
          new LogScan(
              before.end(),
              before.sequence(),
              before.status(),
              before.updatedAt(),
              before.hash(),
              0,
              false);
    } else {
      s = new LogScan(0, 0, null, null, null, 0, false);
    }
    try {
      s.read(this);
    } catch (StoreCorruptedException suspected) {
      return refresh(); // the locks tell damage from a race with another process's recovery
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": reading " + file + " failed: " + e, e);
    }
    RunStatus st = s.status;
    Instant at = s.updated;
    if (s.tornOffset >= 0 || s.sequence == 0 || st == null || at == null) {
      return refresh();
    }
    Peeked now = new Peeked(key, s.end, s.sequence, st, at, s.hash);
    synchronized (this) {
      if (!loaded) {
        peeked = now;
      }
    }
    return now.head();
  }

  /**
   * Takes both locks and ingests (or recovers) the file.
   *
   * @return the head as of the locked look
   */
  private Head lockedIngest() {
    writeLock.lock();
    try {
      if (failed != null && isLoaded()) {
        return snapshot(); // frozen until reopened
      }
      FileLocks.Held held = lock();
      try {
        syncLocked();
        return snapshot();
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Takes the run's lock file (this thread must not hold another lock file but the store's).
   *
   * @return the hold
   * @throws RunGone when the run's directory is gone
   */
  FileLocks.Held lock() {
    checkRetired();
    try {
      return FileLocks.acquire(lockFile);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw retire();
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
   * With both locks held, brings the view in line with the run's directory: a whole run's log is
   * ingested (recovered on first touch), a stub adopted, a replaced log read afresh.
   *
   * @throws RunGone when the run is no longer in its directory
   */
  private void syncLocked() {
    checkRetired();
    boolean wasStub;
    boolean wasLoaded;
    @Nullable Object key;
    @Nullable Object sKey;
    synchronized (this) {
      wasStub = stub != null;
      wasLoaded = loaded;
      key = logKey;
      sKey = stubKey;
    }
    if (wasStub) {
      BasicFileAttributes sa = attributes(stubFile);
      if (sa != null && stubIdentity(sa).equals(sKey)) {
        return;
      }
      if (sa != null) {
        finishStub(); // archived again, or an archiving here left something to remove
        adoptStub(sa);
        return;
      }
    }
    BasicFileAttributes a = attributes(file);
    if (a == null) {
      recoverMissingLog();
      return;
    }
    boolean fresh = !wasLoaded || wasStub;
    if (wasLoaded && !wasStub && !Objects.equals(a.fileKey(), key)) {
      // another process deleted the run and imported it again: read the new log from its start
      checkRecordLocked();
      closeWriter();
      fresh = true;
      log.debug("run {} - {} was replaced by another process; reading it again", id, file);
    }
    ingestLocked(a.fileKey(), fresh, a.size());
  }

  /**
   * Both locks held and the log absent: adopts the stub (finishing what an archiving left), rolls
   * an unfinished archiving back or an unfinished restore forward, or finds the run gone.
   */
  private void recoverMissingLog() {
    BasicFileAttributes sa = attributes(stubFile);
    if (sa != null) {
      closeWriter();
      finishStub();
      adoptStub(sa);
      return;
    }
    try {
      if (DurableFs.attributesOrNull(stubbing) != null) {
        removeStubTemporaries();
        DurableFs.moveAtomically(stubbing, file);
        fs.forceDirectory(dir);
        log.warn(
            "run {} - archiving stopped before {} was written: the event log was put back in {}",
            id,
            Layout.STUB,
            file);
      } else if (DurableFs.attributesOrNull(restoring) != null) {
        DurableFs.moveAtomically(restoring, file);
        fs.forceDirectory(dir);
        log.warn(
            "run {} - a restore stopped after its stub was removed: its event log is now in {}",
            id,
            file);
      } else if (DurableFs.attributesOrNull(runJson) == null) {
        closeWriter();
        throw retire();
      } else {
        throw missingLog(new NoSuchFileException(file.toString()));
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + id + ": recovering " + file + " in " + dir + " failed: " + e, e);
    }
    BasicFileAttributes a = attributes(file);
    if (a == null) {
      throw missingLog(new NoSuchFileException(file.toString()));
    }
    closeWriter();
    ingestLocked(a.fileKey(), true, a.size());
  }

  /** Reads stub.json and makes the view the stub's. Both locks held. */
  private void adoptStub(BasicFileAttributes sa) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(stubFile);
    } catch (NoSuchFileException e) {
      throw new StoreCorruptedException(
          "run " + id + ": " + stubFile + " vanished although the run's lock is held", e);
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": reading " + stubFile + " failed: " + e, e);
    }
    StubFile.Stub s = StubFile.decode(id, stubFile, bytes);
    publishStub(s, stubIdentity(sa));
  }

  private synchronized void publishStub(StubFile.Stub s, Object identity) {
    peeked = null; // the loaded view answers from now on
    stub = s;
    stubKey = identity;
    loaded = true;
    length = 0;
    lastSequence = s.head().lastSequence();
    status = s.head().status();
    updatedAt = s.head().updatedAt();
    lastHash = s.head().lastHash().orElse(null);
    markCount = 0;
    keys = null;
    logKey = null;
    writeEpoch++;
  }

  /**
   * Removes what an archiving or a restore that stopped left beside stub.json: a lease (only when
   * the archiving itself stopped, shown by its renamed log), the stages, the log under any of its
   * names. Both locks held.
   */
  private void finishStub() {
    List<String> removed = new ArrayList<>();
    try {
      boolean archivingStopped = DurableFs.attributesOrNull(stubbing) != null;
      if (archivingStopped && Files.deleteIfExists(leaseFile)) {
        fs.forceDirectory(DurableFs.parentOf(leaseFile));
        removed.add(leaseFile.toString());
      }
      if (DurableFs.attributesOrNull(stagesDir) != null) {
        DurableFs.deleteTree(stagesDir);
        removed.add(Layout.STAGES);
      }
      for (Path p : List.of(file, restoring, stubbing)) {
        if (Files.deleteIfExists(p)) {
          removed.add(p.getFileName().toString());
        }
      }
      if (archivingStopped) {
        removeStubTemporaries();
      }
      if (!removed.isEmpty()) {
        fs.forceDirectory(dir);
        log.warn(
            "run {} - is an archive stub; removed what an archiving or restore that stopped left:"
                + " {}",
            id,
            removed);
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + id
              + ": the run is an archive stub, but removing what an archiving or restore left in "
              + dir
              + " failed: "
              + e,
          e);
    }
  }

  /** Removes the temporary files of a stub.json write that stopped. Both locks held. */
  private void removeStubTemporaries() throws IOException {
    String prefix = "." + Layout.STUB + ".";
    for (Path p : DurableFs.list(dir)) {
      String n = p.getFileName().toString();
      if (n.startsWith(prefix) && n.endsWith(DurableFs.TMP_SUFFIX)) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Both locks held: the run's run.json must still hold this view's record. */
  private void checkRecordLocked() {
    RunRecord onDisk = FileRunIndex.readRecord(id, runJson);
    if (onDisk == null || !onDisk.equals(record)) {
      closeWriter();
      throw retire();
    }
  }

  /**
   * @return which stub.json a stub was read from: file key and modification time
   */
  private static Object stubIdentity(BasicFileAttributes a) {
    return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
  }

  private @Nullable BasicFileAttributes attributes(Path p) {
    try {
      return DurableFs.attributesOrNull(p);
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + id + ": cannot read the attributes of " + p + ": " + e, e);
    }
  }

  /**
   * With both locks held nobody writes the file, so whatever follows the last whole event is a torn
   * write of a process that died: it is copied aside and cut. Damage followed by intact events is
   * not a torn write and is reported, never cut.
   *
   * @param fileKey the log's file key
   * @param fresh read from the start and replace the view (first touch, a replaced log, a restore)
   * @param size the log's size, as just read under the locks
   */
  private void ingestLocked(@Nullable Object fileKey, boolean fresh, long size) {
    if (!fresh) {
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
            fresh
                ? new LogScan(0, 0, null, null, null, writeEpoch, false)
                : new LogScan(
                    length, lastSequence, status, updatedAt, lastHash, writeEpoch, keys != null);
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
      if (fresh) {
        publishFresh(s, fileKey);
        return;
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

  /** Replaces the whole view with a scan from the start of the log. Both locks held. */
  private synchronized void publishFresh(LogScan s, @Nullable Object fileKey) {
    peeked = null; // the loaded view answers from now on
    if (loaded && s.sequence > lastSequence) {
      externalHead = s.sequence; // grew while restored or replaced by another process
    }
    markCount = 0;
    for (int i = 0; i < s.newMarkCount; i++) {
      addMark(s.newMarks[i]);
    }
    keys = null;
    length = s.end;
    lastSequence = s.sequence;
    status = s.status;
    updatedAt = s.updated;
    lastHash = s.hash;
    stub = null;
    stubKey = null;
    logKey = fileKey;
    writeEpoch++;
    loaded = true;
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

  /** What one try at a commit came to. */
  private enum Outcome {
    /** The batch is durable or failed with an error. */
    DONE,
    /** The run is no longer in its directory; the batch is untouched. */
    GONE,
    /** An interrupt of the calling thread cut a read before anything was written. */
    CUT
  }

  /**
   * Commits one run's batch: under both locks, catch up with the file, plan, write once, force
   * once. A failure fails this batch only. An archive stub is planned with its archived head, which
   * the planner refuses.
   *
   * <p><b>Interrupts.</b> The commit may run on an appending caller's thread, which may be
   * interrupted at any moment, and a {@link FileChannel} used by an interrupted thread closes
   * itself ({@link ClosedByInterruptException}). The commit therefore clears the thread's interrupt
   * flag while it works and sets it again before returning. A step that an interrupt cuts anyway is
   * redone once on a thread nothing interrupts ({@link Uninterruptible}), so a disk slower than the
   * interrupts cannot fail it: a cut read redoes the whole commit there (nothing was written yet);
   * a cut write redoes write and force of the same bytes at the same offset there, on a reopened
   * channel, while this thread keeps the locks. The batch ends durable or failed with an error, the
   * log stays open for every other writer.
   *
   * @return false when the run is no longer in its directory (the batch is untouched)
   */
  boolean commit(RunBatch batch) {
    boolean interrupted = Thread.interrupted();
    try {
      Outcome o = commitOnce(batch, true);
      if (o == Outcome.CUT) {
        interrupted |= Thread.interrupted();
        o = Uninterruptible.call("runs-file-commit " + id, () -> commitOnce(batch, false));
      }
      return o != Outcome.GONE;
    } finally {
      if (interrupted || Thread.interrupted()) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * @param mayBeCut whether this thread may be interrupted: a read an interrupt cuts then ends the
   *     try with {@link Outcome#CUT}, a cut write is redone on a thread of its own
   */
  private Outcome commitOnce(RunBatch batch, boolean mayBeCut) {
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
        return Outcome.DONE;
      }
      FileLocks.Held held;
      try {
        held = lock();
      } catch (RunGone e) {
        return Outcome.GONE;
      } catch (StoreIoException e) {
        if (mayBeCut && byInterrupt(e)) {
          return Outcome.CUT;
        }
        batch.fail(e);
        return Outcome.DONE;
      }
      boolean planned = false;
      try {
        syncLocked();
        Head head = snapshot();
        Map<String, RunEvent> known =
            head.archived() ? Map.of() : knownKeys(batch.idempotencyKeys());
        planned = true;
        List<RunEvent> toWrite = batch.plan(Optional.of(head.toRunHead()), known);
        if (!toWrite.isEmpty()) {
          if (head.archived()) {
            throw new IllegalStateException("the planner wrote to archived run " + id);
          }
          if (head.status().isTerminal()) {
            terminalExit.leaving(id, head.lastSequence() + 1);
          }
          write(batch, head, toWrite, mayBeCut);
        }
      } catch (RunGone e) {
        return Outcome.GONE;
      } catch (RuntimeException e) {
        if (!planned && mayBeCut && byInterrupt(e)) {
          return Outcome.CUT; // only read so far
        }
        batch.fail(
            e instanceof RunsException r
                ? r
                : new StoreIoException("run " + id + ": commit to " + file + " failed: " + e, e));
      } finally {
        held.close();
      }
      return Outcome.DONE;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * @return whether an interrupt of the thread caused the failure (a channel closed by it, a lock
   *     wait cut by it)
   */
  static boolean byInterrupt(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ClosedByInterruptException
          || t instanceof FileLockInterruptionException
          || t instanceof InterruptedIOException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Writes the batch at the log's end and forces it; on failure the batch fails. When an interrupt
   * of this thread closes the channel mid-way, the same bytes are written and forced at the same
   * offset again, on a reopened channel and a thread nothing interrupts (rewriting also makes the
   * force cover them even if the cut force had failed unseen).
   *
   * @param mayBeCut whether this thread may be interrupted
   */
  private void write(RunBatch batch, Head head, List<RunEvent> events, boolean mayBeCut) {
    EncodedBatch enc = EncodedBatch.of(batch, events);
    long at = head.length();
    synchronized (this) {
      writing = true;
      writeEpoch++;
    }
    boolean done = false;
    try {
      WriteFailure f = writeAndForce(enc, at);
      if (f != null && mayBeCut && byInterrupt(f.cause)) {
        closeWriter(); // closed by the interrupt: the redo reopens it
        done =
            Uninterruptible.call(
                "runs-file-write " + id,
                () -> settle(batch, head, events, enc, at, writeAndForce(enc, at)));
      } else {
        done = settle(batch, head, events, enc, at, f);
      }
    } finally {
      if (!done && failed == null) {
        synchronized (this) {
          writing = false;
        }
      }
    }
  }

  /**
   * Completes a write: the view learns the events, or the batch fails (on a failed force {@code
   * writing} stays set, so readers keep the last acknowledged view).
   *
   * @return whether the events are durable
   */
  private boolean settle(
      RunBatch batch,
      Head head,
      List<RunEvent> events,
      EncodedBatch enc,
      long at,
      @Nullable WriteFailure f) {
    if (f == null) {
      appended(at, enc, events, batch.headAfter());
      return true;
    }
    failWrite(batch, head, events.size(), at, f);
    return false;
  }

  /** A failed write or force: the failure and whether the bytes were all written. */
  private record WriteFailure(IOException cause, boolean wrote) {}

  /**
   * @return null when the bytes are written and forced, else how it failed
   */
  private @Nullable WriteFailure writeAndForce(EncodedBatch enc, long at) {
    boolean wrote = false;
    try {
      FileChannel w = writer();
      DurableFs.writeFully(w, ByteBuffer.wrap(enc.bytes, 0, enc.size), at);
      wrote = true;
      if (fs.fsync()) {
        w.force(false);
      }
      return null;
    } catch (IOException e) {
      return new WriteFailure(e, wrote);
    }
  }

  private void failWrite(RunBatch batch, Head head, int count, long at, WriteFailure f) {
    if (!f.wrote) {
      batch.fail(undoWrite(at, count, head.lastSequence(), f.cause));
      return;
    }
    StoreIoException e =
        new StoreIoException(
            "run "
                + id
                + ": fsync of "
                + file
                + " failed ("
                + f.cause
                + ") after writing "
                + count
                + " event(s) at byte offset "
                + at
                + "; they were not acknowledged and may or may not survive. The kernel may"
                + " have dropped the written data, so the log refuses further appends: close"
                + " and reopen the store to recover it, then read the run to see where it"
                + " ends",
            f.cause);
    failed = e;
    closeWriter();
    batch.fail(e);
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
    // the last event's time, as a reload of the log finds it (the planner's head keeps the clock's
    // nanoseconds, the event's time is cut to microseconds)
    updatedAt = events.get(events.size() - 1).time();
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
            e = r.event();
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
      LineReader r = new LineReader(ch, 0, end, LineReader.STREAMING, LineReader.MAX_LINE);
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
    RunEvent e = r.tooLong() ? null : LogScan.decodeOrNull(r);
    if (e == null) {
      String[] why = new String[1];
      LogScan.tryDecode(r, why);
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

  // ---- archiving, restoring, deleting ---------------------------------------------------------

  private void refuseIfFrozen(String what) {
    StoreIoException frozen = failed;
    if (frozen != null) {
      throw new StoreIoException(
          "run "
              + id
              + ": the log "
              + file
              + " refuses changes since an earlier failure ("
              + frozen.getMessage()
              + "); close and reopen the store to recover the log, then "
              + what
              + " again",
          frozen);
    }
  }

  /**
   * Replaces the run's events and stages with an archive stub: the log is renamed aside, {@code
   * stub.json} written (the commit), then the lease, the stages and the renamed log are removed. A
   * stub archived again gets the new stub.
   *
   * @param expectedLastSequence the last sequence the caller saw
   * @param stubJson the core's stub
   * @return false when the last sequence differs (nothing changed)
   * @throws RunGone when the run is no longer in its directory
   */
  boolean archive(long expectedLastSequence, String stubJson) {
    writeLock.lock();
    try {
      refuseIfFrozen("archive it");
      FileLocks.Held held = lock();
      try {
        syncLocked();
        Head h = snapshot();
        if (h.lastSequence() != expectedLastSequence) {
          return false;
        }
        RunHead head = h.toRunHead();
        byte[] bytes = StubFile.encode(id, head, stubJson);
        StubFile.Stub stubbed = new StubFile.Stub(head.asArchived(), stubJson.strip());
        if (h.archived()) {
          try {
            fs.writeAtomically(stubFile, bytes, true);
          } catch (IOException e) {
            throw new StoreIoException(
                "run "
                    + id
                    + ": replacing "
                    + stubFile
                    + " failed: "
                    + e
                    + "; the stub is unchanged",
                e);
          }
          publishStub(stubbed, stubIdentity(requireAttributes(stubFile)));
          return true;
        }
        closeWriter();
        writeStub(bytes);
        Object identity = stubIdentity(requireAttributes(stubFile));
        publishStub(stubbed, identity);
        Path trashed = null;
        try {
          if (Files.deleteIfExists(leaseFile)) {
            fs.forceDirectory(DurableFs.parentOf(leaseFile));
          }
          if (DurableFs.attributesOrNull(stagesDir) != null) {
            trashed = trash.moveIn(stagesDir);
          }
          Files.deleteIfExists(stubbing);
          fs.forceDirectory(dir);
        } catch (IOException e) {
          log.warn(
              "run {} - archived, but removing its events and stages from {} did not finish ({});"
                  + " the next use of the run finishes it",
              id,
              dir,
              e.toString());
          publishStub(stubbed, List.of(identity, "unfinished")); // the next look finishes it
        }
        if (trashed != null) {
          trash.empty(trashed);
        }
        return true;
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Renames the log aside and writes stub.json; on failure puts the log back. Both locks held. */
  private void writeStub(byte[] bytes) {
    try {
      DurableFs.moveAtomically(file, stubbing);
      fs.forceDirectory(dir);
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + id + ": archiving failed renaming " + file + ": " + e + "; nothing changed", e);
    }
    try {
      fs.writeAtomically(stubFile, bytes, false);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(stubFile);
        DurableFs.moveAtomically(stubbing, file);
        fs.forceDirectory(dir);
      } catch (IOException undo) {
        e.addSuppressed(undo);
        throw new StoreIoException(
            "run "
                + id
                + ": writing "
                + stubFile
                + " failed ("
                + e
                + ") and putting the event log back failed too ("
                + undo
                + "); the next use of the run finds it whole or archived, never in between",
            e);
      }
      throw new StoreIoException(
          "run " + id + ": writing " + stubFile + " failed: " + e + "; the run is still whole", e);
    }
  }

  private BasicFileAttributes requireAttributes(Path p) {
    BasicFileAttributes a = attributes(p);
    if (a == null) {
      throw new StoreCorruptedException(
          "run " + id + ": " + p + " vanished although the run's lock is held");
    }
    return a;
  }

  /**
   * Puts a staged event log and stages back into this archived run and removes its stub: stages and
   * log ({@code events.ndjson.restoring}) are renamed in, {@code stub.json} is removed (the
   * commit), the log renamed into place.
   *
   * @param staged what the import wrote
   * @throws dev.runs.RunAlreadyExistsException when the run is not an archive stub
   * @throws ValidationException when the stub's head is not the restored run's
   * @throws RunGone when the run is no longer in its directory
   */
  void restore(StagedRun staged) {
    writeLock.lock();
    try {
      refuseIfFrozen("restore it");
      FileLocks.Held held = lock();
      try {
        syncLocked();
        Head h = snapshot();
        if (!h.archived()) {
          throw new dev.runs.RunAlreadyExistsException(id, record.trigger().triggerId());
        }
        RunHead want = staged.head();
        if (h.lastSequence() != want.lastSequence()
            || h.status() != want.status()
            || !h.updatedAt()
                .truncatedTo(ChronoUnit.MICROS)
                .equals(want.updatedAt().truncatedTo(ChronoUnit.MICROS))
            || !Objects.equals(h.lastHash(), want.lastHash().orElse(null))) {
          throw new ValidationException(
              "run",
              "run "
                  + id
                  + " is archived with head "
                  + h.toRunHead()
                  + " but the restored events end with "
                  + want
                  + "; nothing changed");
        }
        boolean committed = false;
        try {
          if (staged.hasStages()) {
            DurableFs.moveAtomically(staged.stages(), stagesDir);
          }
          DurableFs.moveAtomically(staged.events(), restoring);
          fs.forceDirectory(dir);
          fs.forceDirectory(staged.runDir());
          Files.delete(stubFile);
          committed = true;
          fs.forceDirectory(dir);
        } catch (IOException e) {
          if (!committed) {
            try {
              Files.deleteIfExists(restoring);
              DurableFs.deleteTree(stagesDir);
              fs.forceDirectory(dir);
            } catch (IOException undo) {
              e.addSuppressed(undo); // the next use of the stub removes them
            }
            throw new StoreIoException(
                "run " + id + ": restoring failed: " + e + "; it is still an archive stub", e);
          }
          log.warn(
              "run {} - restored, but forcing {} failed ({}); a machine crash may bring the stub"
                  + " back",
              id,
              dir,
              e.toString());
        }
        try {
          DurableFs.moveAtomically(restoring, file);
          fs.forceDirectory(dir);
        } catch (IOException e) {
          log.warn(
              "run {} - restored, but renaming {} into place failed ({}); the next use does it",
              id,
              restoring,
              e.toString());
          return;
        }
        publishStaged(staged, requireAttributes(file).fileKey());
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Sets the view of a log this process just wrote whole (an import or a restore). */
  synchronized void publishStaged(StagedRun staged, @Nullable Object fileKey) {
    markCount = 0;
    for (int i = 0; i < staged.markCount(); i++) {
      addMark(staged.mark(i));
    }
    keys = null;
    RunHead h = staged.head();
    length = staged.length();
    lastSequence = h.lastSequence();
    status = h.status();
    updatedAt = h.updatedAt();
    lastHash = h.lastHash().orElse(null);
    stub = null;
    stubKey = null;
    logKey = fileKey;
    writeEpoch++;
    loaded = true;
  }

  /**
   * Moves the run's directory into the trash: the commit of a deletion. The caller holds the store
   * lock, and removes the lease and trigger entry and empties the trash entry afterwards.
   *
   * @param expectedLastSequence the last sequence the caller saw
   * @return the trash entry, or null when the last sequence differs (nothing changed)
   * @throws RunGone when the run is no longer in its directory
   */
  @Nullable Path delete(long expectedLastSequence) {
    writeLock.lock();
    try {
      refuseIfFrozen("delete it");
      FileLocks.Held held = lock();
      try {
        syncLocked();
        if (snapshot().lastSequence() != expectedLastSequence) {
          return null;
        }
        closeWriter();
        Path entry;
        try {
          entry = trash.moveIn(dir);
        } catch (IOException e) {
          if (DurableFs.attributesOrNull(runJson) != null) {
            throw new StoreIoException(
                "run "
                    + id
                    + ": moving "
                    + dir
                    + " to the trash failed: "
                    + e
                    + "; nothing changed",
                e);
          }
          retire();
          throw new StoreIoException(
              "run "
                  + id
                  + ": its directory was moved to the trash, but forcing the directories failed ("
                  + e
                  + "); a machine crash may bring the run back",
              e);
        }
        retire();
        synchronized (this) {
          writeEpoch++;
        }
        return entry;
      } catch (IOException e) {
        throw new StoreIoException(
            "run " + id + ": deleting failed: " + e + "; nothing changed", e);
      } finally {
        held.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Checks, holding the run's lock file, that the run is still in its directory.
   *
   * @throws RunGone when it is not
   */
  void requireHereLocked() {
    checkRetired();
    if (attributes(runJson) == null) {
      throw retire();
    }
  }

  /**
   * Refuses stage writes to a stub or a gone run; the caller holds the run's lock file.
   *
   * @throws dev.runs.RunArchivedException when the run is an archive stub
   * @throws RunGone when the run is no longer in its directory
   */
  void requireWholeLocked() {
    checkRetired();
    if (attributes(stubFile) != null) {
      throw new dev.runs.RunArchivedException(id);
    }
    if (attributes(runJson) == null) {
      throw retire();
    }
  }

  // ---- reads ------------------------------------------------------------------------------------

  /**
   * Opens a stream of the events after a sequence, up to the head at this moment.
   *
   * @param afterSequence 0 for all
   * @return the stream
   */
  EventStream read(long afterSequence) {
    LogStream s = open(afterSequence);
    return s == null ? EventStream.of(List.of()) : s;
  }

  /**
   * Opens a reader of the stored envelopes after a sequence, undecoded.
   *
   * @param afterSequence 0 for all
   * @return the envelopes; none for an archived run
   */
  EnvelopeStream readEnvelopes(long afterSequence) {
    LogStream s = open(afterSequence);
    return s == null ? EnvelopeStream.encoding(EventStream.of(List.of())) : s;
  }

  /**
   * Opens the log's lines 1 to {@code upTo} as bytes, when {@code upTo} is the head: the log up to
   * the head's length, whose lines are the stored envelopes, each with its line feed.
   *
   * @param upTo the last sequence wanted
   * @return the bytes; empty for an archived run, or when the head is not {@code upTo}
   */
  Optional<InputStream> readEnvelopeLines(long upTo) {
    for (int attempt = 1; ; attempt++) {
      refresh();
      Head h;
      synchronized (this) {
        h = head();
      }
      if (h.archived() || h.lastSequence() != upTo) {
        return Optional.empty();
      }
      FileChannel ch = openForReading(attempt);
      if (ch != null) {
        return Optional.of(new LogBytes(this, ch, h.length()));
      }
    }
  }

  private @Nullable LogStream open(long afterSequence) {
    for (int attempt = 1; ; attempt++) {
      refresh();
      Head h;
      long from;
      long target = afterSequence + 1;
      int mark = (int) ((target - 1) / MARK_EVERY);
      synchronized (this) {
        h = head();
        if (h.archived() || afterSequence >= h.lastSequence()) {
          return null;
        }
        from = marks[mark];
      }
      long firstLine = (long) mark * MARK_EVERY + 1;
      FileChannel ch = openForReading(attempt);
      if (ch != null) {
        return new LogStream(this, ch, from, firstLine, target, h);
      }
    }
  }

  /**
   * Opens the log to read what a look at the head found. The log may have gone since the look (the
   * run archived or deleted): on a first attempt that is decided under the locks and null returned,
   * so the caller looks again.
   *
   * @param attempt 1 for the first
   * @return the channel, or null to look at the head again
   * @throws StoreCorruptedException when the log is still missing on a later attempt
   */
  private @Nullable FileChannel openForReading(int attempt) {
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      if (attempt == 1) {
        lockedIngest(); // archived or deleted since the look above: decide under the locks
        return null;
      }
      throw missingLog(e);
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": cannot open " + file + ": " + e, e);
    }
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
