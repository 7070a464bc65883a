package dev.runs.store.file;

import dev.runs.RunEvent;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StageManifest;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.FlushBehind;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an imported run into a private directory under {@code .staging/}, on the store's file
 * system, so that one rename puts it in place: {@code .staging/<random>/run/} holds run.json, the
 * event log and the stages exactly as the run's directory will, every file and directory forced.
 * The importer shares {@code .staging/<random>/import.lock} while it works, so the sweep at open
 * ({@link #sweep}) removes only what importers that died left. Closing removes whatever is left of
 * the directory: after a failed import, nothing remains.
 *
 * <p>Bounded memory: the source hands over each event with its canonical envelope ({@link
 * ImportedRun#encodedEvents()}); the envelopes are gathered into writes of about {@value
 * #WRITE_BYTES} bytes, and the log is forced once at the end; stage files are read one at a time.
 * Not thread-safe: one importing thread.
 */
final class RunStaging implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunStaging.class);

  /** Lines between line marks of the log view. */
  static final int CHUNK = RunLog.MARK_EVERY;

  /** Bytes gathered before a write of the imported log. */
  static final int WRITE_BYTES = 1 << 20;

  private final DurableFs fs;
  private final Path entry;
  private final Path runDir;
  private final SharedFileLocks.Held hold;
  private final Set<Path> toForce = new LinkedHashSet<>();

  private RunStaging(DurableFs fs, Path entry, SharedFileLocks.Held hold) {
    this.fs = fs;
    this.entry = entry;
    this.runDir = entry.resolve(Layout.STAGED_RUN);
    this.hold = hold;
  }

  /**
   * Creates a staging directory and shares its lock.
   *
   * @param layout the store
   * @param fs its file primitives
   * @return the staging area
   */
  static RunStaging begin(Layout layout, DurableFs fs) {
    for (int attempt = 1; ; attempt++) {
      Path entry =
          layout.staging.resolve(
              Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
      try {
        fs.createDirectories(layout.root, entry);
        SharedFileLocks.Held hold =
            SharedFileLocks.acquireShared(entry.resolve(Layout.IMPORT_LOCK));
        RunStaging s = new RunStaging(fs, entry, hold);
        try {
          Files.createDirectory(s.runDir);
        } catch (IOException | RuntimeException e) {
          s.close();
          throw e;
        }
        s.toForce.add(entry);
        return s;
      } catch (NoSuchFileException swept) {
        if (attempt == 3) {
          throw failedToBegin(layout, swept); // a sweep took the directory before the lock
        }
      } catch (IOException e) {
        try {
          DurableFs.deleteTree(entry);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw failedToBegin(layout, e);
      }
    }
  }

  private static StoreIoException failedToBegin(Layout layout, IOException e) {
    return new StoreIoException(
        "cannot create a staging directory in "
            + layout.staging
            + ": "
            + e
            + "; nothing was imported",
        e);
  }

  /**
   * Writes the run: run.json (when {@code withRecord}), the event log, the stages; then forces
   * every directory written.
   *
   * @param run what to write
   * @param withRecord whether to write run.json (a new run) or not (a restore keeps its own)
   * @return the staged run
   * @throws ValidationException when the events or stages do not fit the record and head
   * @throws IOException when writing fails
   */
  StagedRun write(ImportedRun run, boolean withRecord) throws IOException {
    RunRecord record = run.record();
    if (withRecord) {
      writeFile(runDir.resolve(Layout.RUN_JSON), record.toJson().getBytes(StandardCharsets.UTF_8));
    }
    Path events = runDir.resolve(Layout.EVENTS);
    StagedRun staged = writeEvents(run, record, events);
    Path stages = runDir.resolve(Layout.STAGES);
    boolean hasStages = false;
    for (StageManifest m : run.stages()) {
      writeStage(run, record, stages, m);
      hasStages = true;
    }
    toForce.add(runDir);
    for (Path d : toForce) {
      fs.forceDirectory(d);
    }
    return staged.withStages(stages, hasStages);
  }

  private StagedRun writeEvents(ImportedRun run, RunRecord record, Path events) throws IOException {
    RunHead want = run.head();
    long sequence = 0;
    @Nullable RunStatus status = null;
    @Nullable Instant time = null;
    @Nullable String hash = null;
    ChunkWriter out;
    try (FileChannel ch = fs.createNew(events);
        EncodedEventStream stream = run.encodedEvents()) {
      out = new ChunkWriter(ch, record, fs);
      boolean written = false;
      try {
        while (stream.hasNext()) {
          RunEvent e = stream.next();
          sequence++;
          if (e.sequence() != sequence || !e.runId().equals(record.id())) {
            throw new ValidationException(
                "events",
                "event "
                    + e.eventId()
                    + " is sequence "
                    + e.sequence()
                    + " of run "
                    + e.runId()
                    + " where sequence "
                    + sequence
                    + " of run "
                    + record.id()
                    + " belongs; nothing was imported");
          }
          RunStatus next = LogScan.fold(status, e.type());
          if (next == null) {
            throw new ValidationException(
                "events",
                "event "
                    + sequence
                    + " of run "
                    + record.id()
                    + " ("
                    + e.type()
                    + ") is not allowed in status "
                    + (status == null ? "(none)" : status.wireName())
                    + "; nothing was imported");
          }
          out.add(sequence, stream.envelope());
          status = next;
          time = e.time();
          hash = e.hash().orElse(null);
        }
        out.finish();
        written = true;
      } finally {
        if (!written) {
          out.abandon();
        }
      }
      fs.force(ch);
    }
    if (sequence != want.lastSequence()
        || status != want.status()
        || time == null
        || !time.equals(want.updatedAt().truncatedTo(ChronoUnit.MICROS))
        || !Objects.equals(hash, want.lastHash().orElse(null))) {
      throw new ValidationException(
          "events",
          "the events of run "
              + record.id()
              + " end at sequence "
              + sequence
              + " (status "
              + (status == null ? "none" : status.wireName())
              + ", time "
              + time
              + ", hash "
              + hash
              + ") but its head is "
              + want
              + "; nothing was imported");
    }
    return new StagedRun(
        runDir,
        events,
        events,
        false,
        out.written,
        out.marks,
        out.markCount,
        new RunHead(want.lastSequence(), want.status(), time, want.lastHash()));
  }

  /**
   * Gathers the given envelopes, already canonical, into writes of {@value #WRITE_BYTES} bytes or
   * more, remembering the offset of every line mark (sequences {@code 1 + k * CHUNK}). What it has
   * written is forced in the background as it goes ({@link FlushBehind}, through the store's
   * durability setting), so the caller's one force after the last write finds little left.
   */
  private static final class ChunkWriter {
    private final FileChannel channel;
    private final RunRecord record;
    private final FlushBehind behind;
    private byte[] buffer = new byte[WRITE_BYTES + 64 * 1024];
    private int size;
    long written;
    long[] marks = new long[16];
    int markCount;

    ChunkWriter(FileChannel channel, RunRecord record, DurableFs fs) {
      this.channel = channel;
      this.record = record;
      this.behind = new FlushBehind("the log of run " + record.id(), () -> fs.force(channel));
    }

    void add(long sequence, byte[] line) throws IOException {
      if (line.length + 1 > LineReader.MAX_LINE) {
        throw new ValidationException(
            "events",
            "event "
                + sequence
                + " of run "
                + record.id()
                + " is "
                + line.length
                + " bytes long, more than a file store log line may be; nothing was imported");
      }
      if ((sequence - 1) % CHUNK == 0) {
        if (markCount == marks.length) {
          marks = Arrays.copyOf(marks, markCount * 2);
        }
        marks[markCount++] = written + size;
      }
      if (size + line.length + 1 > buffer.length) {
        flush();
        if (line.length + 1 > buffer.length) {
          buffer = new byte[line.length + 1];
        }
      }
      System.arraycopy(line, 0, buffer, size, line.length);
      size += line.length;
      buffer[size++] = '\n';
      if (size >= WRITE_BYTES) {
        flush();
      }
    }

    /**
     * Writes what is buffered and waits for the background force.
     *
     * @throws IOException when a write or a background force failed
     */
    void finish() throws IOException {
      flush();
      behind.await();
    }

    /** After a failure: lets a background force end before the file is closed and removed. */
    void abandon() {
      try {
        behind.await();
      } catch (IOException alsoFailed) {
        // the import fails with its own error already; the file is not kept
      }
    }

    private void flush() throws IOException {
      if (size > 0) {
        DurableFs.writeFully(channel, ByteBuffer.wrap(buffer, 0, size), written);
        written += size;
        behind.written(size);
        size = 0;
      }
    }
  }

  private void writeStage(ImportedRun run, RunRecord record, Path stages, StageManifest m)
      throws IOException {
    if (!m.runId().equals(record.id())) {
      throw new ValidationException(
          "stages",
          "stage '"
              + m.stageKey()
              + "' attempt "
              + m.attempt()
              + " belongs to run "
              + m.runId()
              + ", not "
              + record.id()
              + "; nothing was imported");
    }
    if (!toForce.contains(stages)) {
      Files.createDirectory(stages);
      toForce.add(stages);
    }
    Path stageDir = Layout.resolveRelative(stages, m.directoryName());
    if (!toForce.contains(stageDir)) {
      Files.createDirectory(stageDir);
      toForce.add(stageDir);
    }
    Path attemptDir = Layout.resolveRelative(stageDir, "attempt-" + m.attempt());
    try {
      Files.createDirectory(attemptDir);
    } catch (FileAlreadyExistsException e) {
      throw new ValidationException(
          "stages",
          "stage '"
              + m.stageKey()
              + "' attempt "
              + m.attempt()
              + " is listed twice; nothing was imported");
    }
    toForce.add(attemptDir);
    for (StageManifest.Entry f : m.files()) {
      Path target = Layout.resolveRelative(attemptDir, f.path());
      Path parent = DurableFs.parentOf(target);
      if (!parent.equals(attemptDir) && !toForce.contains(parent)) {
        createDirectories(attemptDir, parent);
      }
      writeFile(target, run.stageFile(m, f.path()));
    }
    writeFile(attemptDir.resolve(Layout.MANIFEST), m.toJson().getBytes(StandardCharsets.UTF_8));
  }

  /** Creates the directories from {@code base} (exclusive) down to {@code dir}, to be forced. */
  private void createDirectories(Path base, Path dir) throws IOException {
    Path current = base;
    for (Path segment : base.relativize(dir)) {
      current = current.resolve(segment);
      if (!toForce.contains(current)) {
        Files.createDirectory(current);
        toForce.add(current);
      }
    }
  }

  private void writeFile(Path target, byte[] content) throws IOException {
    try (FileChannel ch = fs.createNew(target)) {
      DurableFs.writeFully(ch, ByteBuffer.wrap(content), 0);
      fs.force(ch);
    }
  }

  /** Removes what is left of the staging directory and releases its lock. */
  @Override
  public void close() {
    try {
      DurableFs.deleteTree(entry);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "cannot remove the staging directory {} ({}); it is removed when the store is next"
              + " opened",
          entry,
          e.toString());
    } finally {
      hold.close();
    }
  }

  /**
   * Removes the staging directories of importers that died: those whose lock nobody shares. Run
   * when a store is opened.
   *
   * @param layout the store
   */
  static void sweep(Layout layout) {
    List<Path> entries;
    try {
      entries = DurableFs.list(layout.staging);
    } catch (IOException e) {
      log.warn("cannot list {} ({}); stale imports stay for now", layout.staging, e.toString());
      return;
    }
    for (Path e : entries) {
      SharedFileLocks.@Nullable Held alone;
      try {
        alone = SharedFileLocks.tryAcquireAlone(e.resolve(Layout.IMPORT_LOCK));
      } catch (IOException gone) {
        continue; // removed by its importer meanwhile, or not a directory: looked at next time
      }
      if (alone == null) {
        continue; // an import in progress
      }
      try (alone) {
        DurableFs.deleteTree(e);
        log.info("removed {}: an import that did not finish", e);
      } catch (IOException | RuntimeException failed) {
        log.warn("cannot remove {} ({}); tried again at the next open", e, failed.toString());
      }
    }
  }
}
