package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.CreateResult;
import dev.runs.EventStream;
import dev.runs.Lease;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
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
import dev.runs.spi.RunBatch;
import dev.runs.spi.StorageEngine;
import java.io.IOException;
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
 * <p>This class routes and bounds: {@link FileRunIndex} finds, creates and lists runs, {@link
 * RunLog} owns one run's event log (with {@link LogScan} and {@link LogStream} for its reads),
 * {@link StageStore}, {@link FileLeases} and {@link FileDocuments} the rest.
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

  private FileEngine(Layout layout, DurableFs fs, long pollMillis, String description) {
    this.layout = layout;
    this.stages = new StageStore(fs);
    this.leases = new FileLeases(layout, fs);
    this.documents = new FileDocuments(layout, fs);
    this.index = new FileRunIndex(layout, fs);
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
    try {
      if (Files.exists(layout.marker)) {
        checkMarker(layout, description);
      } else {
        ObjectNode m = JSON.createObjectNode();
        m.put("schema", Layout.MARKER_SCHEMA);
        fs.writeAtomically(
            layout.marker, (m.toString() + "\n").getBytes(StandardCharsets.UTF_8), false);
      }
      for (Path dir : List.of(layout.runs, layout.triggers, layout.leases, layout.documents)) {
        fs.createDirectories(abs, dir);
      }
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
    return new FileEngine(layout, fs, pollMillis, description);
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

  private static void checkMarker(Layout layout, String description) throws IOException {
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
    if (!schema.equals(Layout.MARKER_SCHEMA)) {
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
  }

  Layout layout() {
    return layout;
  }

  /**
   * Eight lanes: runs are independent files, so lanes commit in parallel, and file systems merge
   * concurrent forces into shared journal commits. Runs share a lane by hash; a lane's commit that
   * carries several runs hands all but one to helper threads ({@link #commit}).
   */
  @Override
  public int preferredCommitLanes() {
    return 8;
  }

  // ---- runs: FileRunIndex ---------------------------------------------------------------------

  /**
   * @return the run's log view, reading run.json the first time; null when the run does not exist
   */
  @Nullable RunLog run(RunId id) {
    return index.run(id);
  }

  private RunLog requireRun(RunId id) {
    return index.requireRun(id);
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
    RunLog r = run(id);
    if (r == null) {
      return Optional.empty();
    }
    RunLog.Head h = r.refresh();
    return Optional.of(new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt()));
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
      commitOne(batches.get(0));
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

  private void commitOne(RunBatch b) {
    RunLog r;
    try {
      r = run(b.runId());
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
    r.commit(b);
    if (r.hasWriter()) {
      boundOpenWriters(r);
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
    return requireRun(id).read(afterSequence);
  }

  // ---- listing ----------------------------------------------------------------------------------

  @Override
  public RunPage list(RunQuery query) {
    checkOpen();
    return index.list(query);
  }

  // ---- stages -----------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    checkOpen();
    return stages.write(requireRun(id), write, now);
  }

  @Override
  public List<StageManifest> stages(RunId id) {
    checkOpen();
    return stages.list(requireRun(id));
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    checkOpen();
    return stages.readFile(requireRun(id), stageKey, attempt, path);
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    checkOpen();
    return stages.verify(requireRun(id), stageKey, attempt);
  }

  // ---- leases and documents: FileLeases, FileDocuments ------------------------------------------

  @Override
  public Optional<Lease> readLease(RunId id) {
    checkOpen();
    return leases.read(id);
  }

  @Override
  public boolean compareAndSetLease(
      RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    checkOpen();
    return leases.compareAndSet(requireRun(id), expected, replacement);
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    checkOpen();
    return leases.expired(now, limit);
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
      if (!r.isLoaded() || r.isFailed() || r.snapshot().status() == RunStatus.COMPLETED) {
        continue;
      }
      try {
        r.refresh();
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
    for (RunLog r : index.loaded()) {
      r.writeLock.lock();
      try {
        r.closeWriter();
      } finally {
        r.writeLock.unlock();
      }
    }
    synchronized (openWriters) {
      openWriters.clear();
    }
    index.clear();
    FileLocks.release(layout.root);
  }
}
