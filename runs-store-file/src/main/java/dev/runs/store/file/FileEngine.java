package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.CreateResult;
import dev.runs.EventStream;
import dev.runs.Lease;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreClosedException;
import dev.runs.StoreConfigurationException;
import dev.runs.StoreIoException;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoredDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code file:} engine: a directory tree (see {@link Layout}) with one NDJSON event log per
 * run. Runs are independent: each has its own in-process lock and lock file, so commits of
 * different runs proceed in parallel lanes; only run creation and documents share the store lock.
 * Run records are immutable and cached once read; heads are cached and checked against the log's
 * length on every use, so appends by other processes are seen.
 *
 * <p>This class routes and bounds: {@link FileRunIndex} finds, creates, imports, deletes and lists
 * runs, {@link RunLog} owns one run's event log (with {@link LogScan} and {@link LogStream} for its
 * reads) and its archiving and restore, {@link RunStaging} writes imports aside, {@link
 * StageStore}, {@link FileLeases} and {@link FileDocuments} the rest.
 *
 * <p><b>Moving runs.</b> An import is written whole under {@code .staging/} and renamed into place
 * under the store lock; a deletion renames the run's directory into {@code .trash/} under the store
 * lock and the run's lock; an archiving replaces the event log with {@code stub.json} under the
 * run's locks (see {@link RunLog}). Each rename is the commit, so after a crash a run is whole, a
 * stub, or absent. Opening a store sweeps what crashed imports and deletions left. A view of a run
 * that another process deleted or replaced throws {@link RunGone} inside the engine, which then
 * forgets it and looks again ({@link #withRun}).
 */
final class FileEngine implements StorageEngine {
  private static final Logger log = LoggerFactory.getLogger(FileEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger WATCHERS = new AtomicInteger();
  private static final AtomicInteger HELPERS = new AtomicInteger();

  /** Event logs kept open for writing at most; beyond it the least recently used are closed. */
  static final int MAX_OPEN_WRITERS = 256;

  private final Layout layout;
  private final StageStore stages;
  private final FileLeases leases;
  private final FileDocuments documents;
  private final String description;
  private final long pollMillis;
  private final FileRunIndex index;
  private final LinkedHashMap<RunId, RunLog> openWriters = new LinkedHashMap<>(16, 0.75f, true);
  private volatile boolean closed;
  private @Nullable ScheduledExecutorService watcher;

  /** Helper threads for commits that carry several runs; idle threads end after 30 s. */
  private final ThreadPoolExecutor fanOut;

  /** Threads that encode an import's events while the importing thread reads and writes them. */
  private final DurableFs fs;

  private final Trash trash;

  private FileEngine(Layout layout, DurableFs fs, long pollMillis, String description) {
    this.layout = layout;
    this.fs = fs;
    this.trash = new Trash(layout.trash, fs);
    this.stages = new StageStore(fs);
    this.leases = new FileLeases(layout, fs);
    this.documents = new FileDocuments(layout, fs);
    this.index = new FileRunIndex(layout, fs, trash);
    this.pollMillis = pollMillis;
    this.description = description;
    int number = HELPERS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.fanOut =
        new ThreadPoolExecutor(
            0,
            64,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t =
                  new Thread(r, "runs-file-commit-" + number + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
  }

  /**
   * Opens (and on first use initializes) a store directory.
   *
   * @param root the store root
   * @param fsync whether writes are forced to the device before they are acknowledged
   * @param pollMillis how often to look for other processes' appends; 0 for never
   * @param description the redacted URI, for messages
   * @param opener opens channels (tests inject failures)
   * @return the engine
   * @throws StoreConfigurationException when the directory cannot be a store
   */
  static FileEngine open(
      Path root, boolean fsync, long pollMillis, String description, ChannelOpener opener) {
    Path abs = root.toAbsolutePath().normalize();
    Layout layout = new Layout(abs);
    DurableFs fs = new DurableFs(opener, fsync);
    try {
      BasicFileAttributes a = DurableFs.attributesOrNull(abs);
      if (a == null) {
        Files.createDirectories(abs);
      } else if (!a.isDirectory()) {
        throw new StoreConfigurationException(
            "store URI '"
                + description
                + "': "
                + abs
                + " is not a directory; point file: at a directory (it is created if missing)");
      }
    } catch (IOException e) {
      throw new StoreConfigurationException(
          "store URI '"
              + description
              + "': cannot create the store"
              + " directory "
              + abs
              + ": "
              + e
              + "; check the path and its permissions",
          e);
    }
    if (!Files.exists(layout.marker)) {
      requireEmpty(layout, description);
    }
    FileLocks.Held held;
    try {
      held = FileLocks.acquire(layout.storeLock);
    } catch (IOException e) {
      throw new StoreConfigurationException(
          "store URI '"
              + description
              + "': cannot lock "
              + layout.storeLock
              + ": "
              + e
              + "; check that the directory is writable",
          e);
    }
    FileEngine engine;
    try {
      boolean exists = Files.exists(layout.marker);
      if (!exists || checkMarker(layout, description).equals(Layout.MARKER_SCHEMA_1)) {
        ObjectNode m = JSON.createObjectNode();
        m.put("schema", Layout.MARKER_SCHEMA);
        fs.writeAtomically(
            layout.marker, (m.toString() + "\n").getBytes(StandardCharsets.UTF_8), exists);
        if (exists) {
          log.info(
              "file store {} - marked as {} (was {}): the files need no change",
              description,
              Layout.MARKER_SCHEMA,
              Layout.MARKER_SCHEMA_1);
        }
      }
      for (Path dir :
          List.of(
              layout.runs,
              layout.triggers,
              layout.leases,
              layout.documents,
              layout.staging,
              layout.trash)) {
        fs.createDirectories(abs, dir);
      }
      engine = new FileEngine(layout, fs, pollMillis, description);
      engine.sweep();
      engine.index.openListIndex();
    } catch (IOException e) {
      throw new StoreIoException("opening the file store " + description + " failed: " + e, e);
    } finally {
      held.close();
    }
    log.debug(
        "file store {} - root {} ({})",
        description,
        abs,
        fsync ? "durability=fsync" : "durability=none");
    return engine;
  }

  /**
   * Removes what imports and deletions that stopped left: staging directories nobody writes, and
   * trash entries, with the lease and trigger entry of a deleted run that is not back. The store
   * lock is held.
   */
  private void sweep() throws IOException {
    RunStaging.sweep(layout);
    for (Path entry : trash.entries()) {
      RunRecord deleted = trashedRecord(entry);
      if (deleted != null) {
        index.removeDeleted(deleted);
      }
      log.info("file store {} - emptying {}, left by a deletion or archiving", description, entry);
      trash.empty(entry);
    }
  }

  private static @Nullable RunRecord trashedRecord(Path entry) {
    try {
      byte[] b = Files.readAllBytes(entry.resolve(Layout.RUN_JSON));
      return RunRecord.fromJson(new String(b, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException notARun) {
      return null;
    }
  }

  private static void requireEmpty(Layout layout, String description) {
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.root)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        boolean ours =
            name.equals(Layout.STORE_LOCK)
                || (name.startsWith("." + Layout.MARKER + ".")
                    && name.endsWith(DurableFs.TMP_SUFFIX));
        if (!ours && found.size() < 5) {
          found.add(name);
        }
      }
    } catch (IOException e) {
      throw new StoreConfigurationException(
          "store URI '" + description + "': cannot list " + layout.root + ": " + e, e);
    }
    if (!found.isEmpty()) {
      throw new StoreConfigurationException(
          "store URI '"
              + description
              + "': "
              + layout.root
              + " is not empty (it holds "
              + String.join(", ", found)
              + ") and has no "
              + Layout.MARKER
              + ", so it is not a file store; point file: at a new or empty directory, or at an"
              + " existing file store. Nothing was changed");
    }
  }

  /**
   * @return the schema the marker names, this version's or the one before
   */
  private static String checkMarker(Layout layout, String description) throws IOException {
    String schema;
    try {
      JsonNode n = JSON.readTree(Files.readString(layout.marker, StandardCharsets.UTF_8));
      schema = n == null ? null : n.path("schema").asText(null);
    } catch (JsonProcessingException e) {
      schema = null;
    }
    if (schema == null) {
      throw new StoreConfigurationException(
          "store URI '"
              + description
              + "': "
              + layout.marker
              + " is not a file store marker; restore it as {\"schema\":\""
              + Layout.MARKER_SCHEMA
              + "\"}");
    }
    if (!schema.equals(Layout.MARKER_SCHEMA) && !schema.equals(Layout.MARKER_SCHEMA_1)) {
      throw new StoreConfigurationException(
          "store URI '"
              + description
              + "': "
              + layout.root
              + " was written as '"
              + schema
              + "', which this version cannot read (it reads '"
              + Layout.MARKER_SCHEMA
              + "'); open it with the version that wrote it");
    }
    return schema;
  }

  Layout layout() {
    return layout;
  }

  FileRunIndex runIndex() {
    return index;
  }

  /**
   * Thirty-two threads for asynchronous appends: runs are independent files ({@link
   * #commitsRunsIndependently()}), so each busy run has a lane of its own and those threads commit
   * up to 32 runs' asynchronous batches at once; file systems merge concurrent forces into shared
   * journal commits. A thread that has nothing to do waits without using the CPU.
   */
  @Override
  public int preferredCommitLanes() {
    return 32;
  }

  /**
   * Yes: each run is its own files under its own locks, so runs commit in parallel, each in a lane
   * of its own, and never wait for another run's force. A commit that still brings several runs
   * (never from the core's own committer) hands all but one to helper threads ({@link #commit}).
   */
  @Override
  public boolean commitsRunsIndependently() {
    return true;
  }

  /**
   * Yes: a blocking append on an idle lane commits on its own thread. An interrupt of that thread
   * cannot close a log: a commit clears the interrupt flag while it works and sets it again when
   * done, and a step cut by an interrupt that arrives meanwhile is redone once on a thread nothing
   * interrupts (reads from the start; the write, at its known offset, whole with its force). See
   * {@link RunLog#commit}.
   */
  @Override
  public boolean allowsCommitOnCallerThread() {
    return true;
  }

  // ---- runs: FileRunIndex ---------------------------------------------------------------------

  /**
   * @return the run's log view, reading run.json the first time; null when the run does not exist
   */
  @Nullable RunLog run(RunId id) {
    return index.run(id);
  }

  /**
   * Runs an operation on a run's view; when the view turns out stale ({@link RunGone}: another
   * process deleted or replaced the run), forgets it and looks the run up again.
   *
   * @throws RunNotFoundException when the run does not exist
   */
  private <T> T withRun(RunId id, Function<RunLog, T> op) {
    for (int attempt = 1; ; attempt++) {
      RunLog r = index.run(id);
      if (r == null) {
        throw new RunNotFoundException(id);
      }
      try {
        return op.apply(r);
      } catch (RunGone gone) {
        index.evict(r);
        if (attempt == 3) {
          throw new RunNotFoundException(id);
        }
      }
    }
  }

  @Override
  public CreateResult create(RunRecord record, RunEvent createdEvent) {
    checkOpen();
    return index.create(record, createdEvent);
  }

  @Override
  public Optional<RunRecord> find(RunId id) {
    checkOpen();
    RunLog r = run(id);
    return r == null ? Optional.empty() : Optional.of(r.record);
  }

  @Override
  public Optional<RunRecord> findByTrigger(String triggerId) {
    checkOpen();
    return index.findByTrigger(triggerId);
  }

  @Override
  public Optional<RunEntry> entry(RunId id) {
    checkOpen();
    try {
      return Optional.of(
          withRun(
              id,
              r -> {
                RunLog.Head h = r.refresh();
                return new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt());
              }));
    } catch (RunNotFoundException e) {
      return Optional.empty();
    }
  }

  /** The head of the log's tail as this store last read it, or of the stub file. */
  @Override
  public Optional<RunHead> head(RunId id) {
    checkOpen();
    try {
      return Optional.of(withRun(id, r -> r.refresh().toRunHead()));
    } catch (RunNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Compares the run with its line in the listing index ({@code runs.index}). */
  @Override
  public List<String> indexProblems(RunEntry entry) {
    checkOpen();
    return index.indexProblems(entry);
  }

  // ---- appends and reads -----------------------------------------------------------------------

  /**
   * Commits each run's batch under that run's locks. Runs are independent, so when a lane brings
   * several, all but the first go to helper threads: their forces then overlap (file systems merge
   * concurrent forces into one journal commit) while every thread still holds a single lock file.
   */
  @Override
  public void commit(List<RunBatch> batches) {
    if (batches.size() == 1) {
      commitOne(batches.get(0)); // on this thread, whoever it is (RunLog#commit shields it)
      return;
    }
    List<Future<?>> helpers = new ArrayList<>(batches.size() - 1);
    for (int i = 1; i < batches.size(); i++) {
      RunBatch b = batches.get(i);
      helpers.add(fanOut.submit(() -> commitOne(b)));
    }
    commitOne(batches.get(0));
    boolean interrupted = false;
    for (Future<?> f : helpers) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          log.warn("file store {} - a commit helper failed", description, e.getCause());
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Loads a run to commit to; a load an interrupt of this thread cut (its channel closed) is redone
   * on a thread nothing interrupts.
   */
  private @Nullable RunLog load(RunId id) {
    try {
      return index.cachedOrLoad(id);
    } catch (RuntimeException e) {
      if (!RunLog.byInterrupt(e)) {
        throw e;
      }
      return Uninterruptible.call(
              "runs-file-load " + id, () -> Optional.ofNullable(index.cachedOrLoad(id)))
          .orElse(null);
    }
  }

  private void commitOne(RunBatch b) {
    for (int attempt = 1; ; attempt++) {
      RunLog r;
      try {
        r = load(b.runId());
      } catch (RuntimeException e) {
        b.fail(
            e instanceof StoreIoException s
                ? s
                : new StoreIoException("run " + b.runId() + ": " + e, e));
        return;
      }
      if (r == null) {
        b.plan(Optional.empty(), Map.of());
        return;
      }
      if (r.commit(b)) {
        index.committed(r); // the listing index learns terminal statuses
        if (r.hasWriter()) {
          boundOpenWriters(r);
        }
        return;
      }
      index.evict(r); // deleted or replaced by another process: look again
      if (attempt == 3) {
        b.plan(Optional.empty(), Map.of());
        return;
      }
    }
  }

  /**
   * Keeps at most {@link #MAX_OPEN_WRITERS} logs open for writing, closing the least recently used.
   */
  private void boundOpenWriters(RunLog used) {
    synchronized (openWriters) {
      openWriters.put(used.id, used);
      if (openWriters.size() <= MAX_OPEN_WRITERS) {
        return;
      }
      Iterator<RunLog> it = openWriters.values().iterator();
      while (it.hasNext() && openWriters.size() > MAX_OPEN_WRITERS) {
        RunLog eldest = it.next();
        if (eldest == used) {
          continue;
        }
        if (eldest.writeLock.tryLock()) {
          try {
            eldest.closeWriter();
          } finally {
            eldest.writeLock.unlock();
          }
          it.remove();
        }
      }
    }
  }

  @Override
  public EventStream read(RunId id, long afterSequence) {
    checkOpen();
    return withRun(id, r -> r.read(afterSequence));
  }

  /** Each log line is its event's canonical JSON: it is copied out undecoded. */
  @Override
  public EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    checkOpen();
    return withRun(id, r -> r.readEnvelopes(afterSequence));
  }

  @Override
  public Optional<InputStream> readEnvelopeLines(RunId id, long upTo) {
    checkOpen();
    return withRun(id, r -> r.readEnvelopeLines(upTo));
  }

  // ---- listing ----------------------------------------------------------------------------------

  @Override
  public RunPage list(RunQuery query) {
    checkOpen();
    return index.list(query);
  }

  /**
   * Lists by walking the run directories, without the listing index (tests compare the two).
   *
   * @param query the query
   * @return the page
   */
  RunPage scanList(RunQuery query) {
    checkOpen();
    return index.scanList(query);
  }

  /**
   * Checks that the listing index ({@code runs.index}) agrees with the run directories: the same
   * runs with the same record fields, and every terminal status it holds equal to the run's log.
   * Reads every run.json, so it costs like a rebuild.
   *
   * @return one line per disagreement; empty when they agree
   */
  List<String> checkListIndex() {
    checkOpen();
    return index.checkListIndex();
  }

  // ---- stages ---------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    checkOpen();
    return withRun(id, r -> stages.write(r, write, now));
  }

  /** An archive stub has no stages: its attempts are in the archive. */
  @Override
  public List<StageManifest> stages(RunId id) {
    checkOpen();
    return withRun(id, r -> r.archived() ? List.of() : stages.list(r));
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    checkOpen();
    return withRun(
        id,
        r -> {
          if (r.archived()) {
            throw StageIntegrity.noSuchAttempt(id, stageKey, attempt);
          }
          return stages.readFile(r, stageKey, attempt, path);
        });
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    checkOpen();
    return withRun(
        id,
        r -> {
          if (r.archived()) {
            throw StageIntegrity.noSuchAttempt(id, stageKey, attempt);
          }
          return stages.verify(r, stageKey, attempt);
        });
  }

  // ---- leases and documents: FileLeases, FileDocuments ------------------------------------------

  /** A lease file whose run is gone (a deletion cut short) is not the run's lease. */
  @Override
  public Optional<Lease> readLease(RunId id) {
    checkOpen();
    Optional<Lease> l = leases.read(id);
    return l.isPresent() && !index.exists(id) ? Optional.empty() : l;
  }

  @Override
  public boolean compareAndSetLease(
      RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    checkOpen();
    return withRun(id, r -> leases.compareAndSet(r, expected, replacement));
  }

  @Override
  public boolean removeLease(RunId id, String owner) {
    checkOpen();
    if (!index.exists(id)) {
      return false;
    }
    try {
      return withRun(id, r -> leases.remove(r, owner));
    } catch (RunNotFoundException e) {
      return false; // deleted meanwhile: it has no lease
    }
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    checkOpen();
    List<Lease> out = new ArrayList<>(leases.expired(now, Integer.MAX_VALUE));
    out.removeIf(l -> !index.exists(l.runId()));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  @Override
  public boolean saveDocument(String collection, String id, String json) {
    checkOpen();
    return documents.save(collection, id, json);
  }

  @Override
  public Optional<String> findDocument(String collection, String id) {
    checkOpen();
    return documents.find(collection, id);
  }

  @Override
  public boolean deleteDocument(String collection, String id) {
    checkOpen();
    return documents.delete(collection, id);
  }

  @Override
  public List<StoredDocument> listDocuments(String collection, String afterId, int limit) {
    checkOpen();
    return documents.list(collection, afterId, limit);
  }

  // ---- moving runs: import, archive stubs, deletion --------------------------------------------

  /**
   * Writes the run whole under {@code .staging/} (run.json, the log in one pass through a reused
   * buffer, the stages, all forced), then renames the directory into place under the store lock (a
   * new run) or moves its log and stages into the stub under the run's locks (a restore).
   */
  @Override
  public void importRun(ImportedRun run) {
    checkOpen();
    RunRecord record = run.record();
    RunId id = record.id();
    if (run.replacesStub()) {
      Optional<RunRecord> whole =
          withRun(id, r -> r.refresh().archived() ? Optional.empty() : Optional.of(r.record));
      if (whole.isPresent()) {
        throw new RunAlreadyExistsException(id, whole.get().trigger().triggerId());
      }
    } else {
      RunLog existing = index.run(id);
      if (existing != null) {
        throw new RunAlreadyExistsException(id, existing.record.trigger().triggerId());
      }
      Optional<RunRecord> byTrigger = index.findByTrigger(record.trigger().triggerId());
      if (byTrigger.isPresent()) {
        throw new RunAlreadyExistsException(byTrigger.get().id(), record.trigger().triggerId());
      }
    }
    try (RunStaging staging = RunStaging.begin(layout, fs)) {
      StagedRun staged = staging.write(run, !run.replacesStub());
      checkOpen();
      if (run.replacesStub()) {
        withRun(
            id,
            r -> {
              r.restore(staged);
              return null;
            });
      } else {
        index.commitImport(record, staged);
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "importing run "
              + id
              + " failed writing it under "
              + layout.staging
              + ": "
              + e
              + "; nothing was imported",
          e);
    }
  }

  @Override
  public boolean deleteRun(RunId id, long expectedLastSequence) {
    checkOpen();
    boolean deleted = index.delete(id, expectedLastSequence);
    if (deleted) {
      synchronized (openWriters) {
        openWriters.remove(id);
      }
    }
    return deleted;
  }

  @Override
  public boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    checkOpen();
    return withRun(id, r -> r.archive(expectedLastSequence, stubJson));
  }

  @Override
  public Optional<String> stub(RunId id) {
    checkOpen();
    try {
      return withRun(
          id,
          r -> {
            r.refresh();
            return r.stubJson();
          });
    } catch (RunNotFoundException e) {
      return Optional.empty();
    }
  }

  // ---- watching and lifecycle ------------------------------------------------------------------

  /**
   * Every {@code poll_ms}, checks the length of each run log this process has loaded whose run is
   * not completed (one stat per run); a log that grew is scanned from where this process stopped,
   * and a run that received events from another process is reported.
   */
  @Override
  public synchronized void watchExternalChanges(Consumer<RunChange> sink) {
    if (pollMillis <= 0 || closed) {
      return;
    }
    ScheduledExecutorService w = watcher;
    if (w == null) {
      w =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "runs-file-watch-" + WATCHERS.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      watcher = w;
    }
    // runs until close() shuts the watcher down; a failing pass is logged inside poll
    var unused =
        w.scheduleWithFixedDelay(() -> poll(sink), pollMillis, pollMillis, TimeUnit.MILLISECONDS);
  }

  /** One polling pass; package-private so tests can run it without waiting. */
  void poll(Consumer<RunChange> sink) {
    for (RunLog r : index.loaded()) {
      if (closed) {
        return;
      }
      RunLog.Head view = r.viewOrNull();
      if (view == null || r.isFailed() || view.status() == RunStatus.COMPLETED) {
        continue;
      }
      try {
        r.refresh();
      } catch (RunGone gone) {
        index.evict(r);
        continue;
      } catch (RuntimeException e) {
        log.debug("run {} - polling {} failed", r.id, r.file, e);
        continue;
      }
      RunLog.Head h = r.takeExternalChange();
      if (h != null) {
        sink.accept(new RunChange(r.id, h.lastSequence(), h.status(), false));
      }
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String format() {
    return Layout.MARKER_SCHEMA;
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreClosedException("store is closed: " + description);
    }
  }

  @Override
  public void close() {
    ScheduledExecutorService w;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      w = watcher;
    }
    fanOut.shutdown();
    if (w != null) {
      w.shutdownNow();
      try {
        if (!w.awaitTermination(5, TimeUnit.SECONDS)) {
          log.warn("file store {} - the polling thread did not stop within 5 s", description);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<RunLog> logs = new ArrayList<>(index.loaded());
    synchronized (openWriters) {
      logs.addAll(openWriters.values());
      openWriters.clear();
    }
    for (RunLog r : logs) {
      r.writeLock.lock();
      try {
        r.closeWriter();
      } finally {
        r.writeLock.unlock();
      }
    }
    index.clear();
    FileLocks.release(layout.root);
  }
}
