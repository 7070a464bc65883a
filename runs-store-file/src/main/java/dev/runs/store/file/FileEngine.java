package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.CreateResult;
import dev.runs.EventCodec;
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
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.RunBatch;
import dev.runs.spi.StorageEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 */
final class FileEngine implements StorageEngine {
  private static final Logger log = LoggerFactory.getLogger(FileEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger WATCHERS = new AtomicInteger();
  private static final AtomicInteger HELPERS = new AtomicInteger();

  /** Event logs kept open for writing at most; beyond it the least recently used are closed. */
  static final int MAX_OPEN_WRITERS = 256;

  private final Layout layout;
  private final DurableFs fs;
  private final StageStore stages;
  private final FileLeases leases;
  private final FileDocuments documents;
  private final String description;
  private final long pollMillis;
  private final ConcurrentHashMap<RunId, RunLog> runs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, RunId> triggers = new ConcurrentHashMap<>();
  private final Set<Path> warnedIncomplete = ConcurrentHashMap.newKeySet();
  private final LinkedHashMap<RunId, RunLog> openWriters = new LinkedHashMap<>(16, 0.75f, true);
  private volatile boolean closed;
  private @Nullable ScheduledExecutorService watcher;

  /** Helper threads for commits that carry several runs; idle threads end after 30 s. */
  private final ThreadPoolExecutor fanOut;

  private FileEngine(Layout layout, DurableFs fs, long pollMillis, String description) {
    this.layout = layout;
    this.fs = fs;
    this.stages = new StageStore(fs);
    this.leases = new FileLeases(layout, fs);
    this.documents = new FileDocuments(layout, fs);
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

  // ---- runs
  // ---------------------------------------------------------------------------------------

  /**
   * @return the run's log view, reading run.json the first time; null when the run does not exist
   */
  @Nullable RunLog run(RunId id) {
    RunLog known = runs.get(id);
    if (known != null) {
      return known;
    }
    Path dir = layout.runDir(id);
    Path file = dir.resolve(Layout.RUN_JSON);
    byte[] bytes;
    try {
      BasicFileAttributes a = DurableFs.attributesOrNull(file);
      if (a == null || !a.isRegularFile()) {
        return null;
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    } catch (IOException e) {
      throw new StoreIoException("run " + id + ": reading " + file + " failed: " + e, e);
    }
    RunRecord record;
    try {
      record = RunRecord.fromJson(new String(bytes, StandardCharsets.UTF_8));
    } catch (ValidationException | IllegalArgumentException e) {
      throw new StoreCorruptedException(
          file + " is not a valid run record: " + e.getMessage() + "; restore it from a backup", e);
    }
    if (!record.id().equals(id)) {
      throw new StoreCorruptedException(
          file
              + " holds run "
              + record.id()
              + " but lies in the directory"
              + " of run "
              + id
              + "; it was moved by hand: move it back");
    }
    RunLog fresh = new RunLog(id, record, dir, fs);
    RunLog raced = runs.putIfAbsent(id, fresh);
    return raced != null ? raced : fresh;
  }

  private RunLog requireRun(RunId id) {
    RunLog r = run(id);
    if (r == null) {
      throw new RunNotFoundException(id);
    }
    return r;
  }

  @Override
  public CreateResult create(RunRecord record, RunEvent createdEvent) {
    checkOpen();
    String triggerId = record.trigger().triggerId();
    Optional<RunRecord> known = findByTrigger(triggerId);
    if (known.isPresent()) {
      return new CreateResult(known.get(), false);
    }
    Path runDir = layout.runDir(record.id());
    FileLocks.Held held;
    try {
      held = FileLocks.acquire(layout.storeLock);
    } catch (IOException e) {
      throw new StoreIoException(
          "cannot lock " + layout.storeLock + " to create run " + record.id() + ": " + e, e);
    }
    try {
      Optional<RunLog> byTrigger = lookupTrigger(triggerId);
      if (byTrigger.isPresent()) {
        return new CreateResult(byTrigger.get().record, false);
      }
      RunLog existing = run(record.id());
      if (existing != null) {
        throw new RunAlreadyExistsException(record.id(), existing.record.trigger().triggerId());
      }
      checkPlacement(record.id(), runDir);
      writeRun(record, createdEvent, runDir);
      return new CreateResult(record, true);
    } finally {
      held.close();
    }
  }

  /**
   * A run directory may neither lie inside another run's directory ({@code a/b/c} under run {@code
   * a/b}) nor contain other entries (run {@code a/b} over namespace {@code a/b}). Leftovers of a
   * create that crashed before its run.json (a log of at most one line, temporary files) are
   * removed.
   */
  private void checkPlacement(RunId id, Path runDir) {
    List<String> segments = id.segments();
    Path p = layout.runs;
    try {
      for (int i = 0; i < segments.size() - 1; i++) {
        p = p.resolve(segments.get(i));
        BasicFileAttributes a = DurableFs.attributesOrNull(p);
        if (a == null) {
          return;
        }
        if (a.isSymbolicLink() || !a.isDirectory()) {
          throw new StoreIoException(
              "cannot create run "
                  + id
                  + ": "
                  + p
                  + " is not a directory (the"
                  + " file store never writes through symbolic links)");
        }
        if (Files.isRegularFile(p.resolve(Layout.RUN_JSON), LinkOption.NOFOLLOW_LINKS)) {
          String owner = String.join("/", segments.subList(0, i + 1));
          throw new ValidationException(
              "run_id",
              "'"
                  + id
                  + "' cannot be created in this file store:"
                  + " its directory would lie inside the directory of run '"
                  + owner
                  + "' ("
                  + p
                  + "). In a file: store no run id may extend another run's id with '/'; choose"
                  + " another id or namespace");
        }
      }
      BasicFileAttributes a = DurableFs.attributesOrNull(runDir);
      if (a == null) {
        return;
      }
      if (a.isSymbolicLink() || !a.isDirectory()) {
        throw new StoreIoException(
            "cannot create run "
                + id
                + ": "
                + runDir
                + " exists and is not a"
                + " directory (the file store never writes through symbolic links)");
      }
      List<Path> leftovers = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(runDir)) {
        for (Path child : ds) {
          String name = child.getFileName().toString();
          BasicFileAttributes ca = DurableFs.attributesOrNull(child);
          if (ca != null && ca.isDirectory()) {
            throw new ValidationException(
                "run_id",
                "'"
                    + id
                    + "' cannot be created in this file store: "
                    + runDir
                    + " already holds other entries ("
                    + name
                    + "), such as the runs of namespace '"
                    + id
                    + "'. In a file: store no run id may extend another run's id with '/'; choose"
                    + " another id");
          }
          if (name.equals(Layout.EVENTS)) {
            if (lineCount(child, 2) > 1) {
              throw new StoreCorruptedException(
                  "cannot create run "
                      + id
                      + ": "
                      + runDir
                      + " holds an"
                      + " event log of several events but no "
                      + Layout.RUN_JSON
                      + " (was it deleted?)."
                      + " Restore run.json, or move the directory away to reuse the id");
            }
            leftovers.add(child);
          } else if (name.equals(Layout.RUN_LOCK)) {
            // the run's lock file: neither the run's data nor a leftover
          } else if (name.startsWith(".") && name.endsWith(DurableFs.TMP_SUFFIX)) {
            leftovers.add(child);
          } else {
            throw new StoreCorruptedException(
                "cannot create run "
                    + id
                    + ": "
                    + runDir
                    + " holds '"
                    + name
                    + "' but no "
                    + Layout.RUN_JSON
                    + "; move the directory away to reuse the id");
          }
        }
      }
      for (Path l : leftovers) {
        log.warn("run {} - removing {}, left by a creation that did not finish", id, l);
        Files.deleteIfExists(l);
      }
      if (!leftovers.isEmpty()) {
        fs.forceDirectory(runDir);
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "cannot create run " + id + ": inspecting " + runDir + " failed: " + e, e);
    }
  }

  private static int lineCount(Path file, int stopAt) throws IOException {
    int lines = 0;
    try (FileChannel ch = FileChannel.open(file)) {
      LineReader r = new LineReader(ch, 0, ch.size());
      while (lines < stopAt && r.next()) {
        lines++;
      }
    }
    return lines;
  }

  /**
   * Creates the run's files in commit order: trigger index, event log (line 1, forced), run.json
   * (atomic, the commit point). A crash before run.json leaves a stale trigger entry and a
   * directory without run.json, both ignored and replaced by the next create.
   */
  private void writeRun(RunRecord record, RunEvent createdEvent, Path runDir) {
    RunId id = record.id();
    Path log = runDir.resolve(Layout.EVENTS);
    boolean logCreated = false;
    try {
      ObjectNode t = JSON.createObjectNode();
      t.put("trigger_id", record.trigger().triggerId());
      t.put("run_id", id.value());
      fs.writeAtomically(
          layout.triggerFile(record.trigger().triggerId()),
          (t.toString() + "\n").getBytes(StandardCharsets.UTF_8),
          true);
      fs.createDirectories(layout.runs, runDir);
      byte[] line = (EventCodec.encode(createdEvent) + "\n").getBytes(StandardCharsets.UTF_8);
      try (FileChannel ch = fs.createNew(log)) {
        logCreated = true;
        DurableFs.writeFully(ch, ByteBuffer.wrap(line), 0);
        fs.force(ch);
      }
      fs.writeAtomically(
          runDir.resolve(Layout.RUN_JSON), record.toJson().getBytes(StandardCharsets.UTF_8), false);
      RunLog r = new RunLog(id, record, runDir, fs);
      r.created(line.length, createdEvent);
      runs.put(id, r);
      triggers.put(record.trigger().triggerId(), id);
    } catch (IOException | RuntimeException e) {
      if (logCreated) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      if (e instanceof FileAlreadyExistsException) {
        throw new StoreIoException(
            "cannot create run "
                + id
                + ": "
                + e.getMessage()
                + " appeared meanwhile"
                + " although the store lock was held; is another program writing the store?",
            e);
      }
      throw new StoreIoException(
          "creating run " + id + " in " + runDir + " failed: " + e + "; the run was not created",
          e);
    }
  }

  /**
   * @return the complete run a trigger created, from the trigger index; stale entries are ignored
   */
  private Optional<RunLog> lookupTrigger(String triggerId) {
    Path file = layout.triggerFile(triggerId);
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (JsonProcessingException e) {
      throw new StoreCorruptedException(
          file
              + " is not a trigger index entry: "
              + e.getOriginalMessage()
              + "; delete it to let the trigger id create a run again",
          e);
    } catch (IOException e) {
      throw new StoreIoException("reading trigger index " + file + " failed: " + e, e);
    }
    if (n == null || !triggerId.equals(n.path("trigger_id").asText(null))) {
      return Optional.empty(); // another trigger id with the same sha256 cannot happen in practice
    }
    RunId id;
    try {
      id = RunId.of(n.path("run_id").asText(""));
    } catch (ValidationException e) {
      throw new StoreCorruptedException(file + " names an invalid run id: " + e.getMessage(), e);
    }
    RunLog r = run(id);
    if (r == null || !r.record.trigger().triggerId().equals(triggerId)) {
      return Optional.empty();
    }
    triggers.put(triggerId, id);
    return Optional.of(r);
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
    RunId id = triggers.get(triggerId);
    if (id != null) {
      RunLog r = run(id);
      if (r != null) {
        return Optional.of(r.record);
      }
    }
    return lookupTrigger(triggerId).map(r -> r.record);
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
    List<RunLog> candidates = new ArrayList<>();
    if (query.namespace().isPresent()) {
      String ns = RunId.validateNamespace(query.namespace().get());
      Path base = ns.isEmpty() ? layout.runs : Layout.resolveRelative(layout.runs, ns);
      discover(base, ns, false, candidates);
    } else {
      discover(layout.runs, "", true, candidates);
    }
    candidates.removeIf(r -> !query.afterCursor(r.record) || !recordMatches(query, r.record));
    candidates.sort(
        Comparator.comparing((RunLog r) -> r.record.createdAt())
            .thenComparing(r -> r.record.id())
            .reversed());
    List<RunEntry> matches = new ArrayList<>();
    for (RunLog r : candidates) {
      RunLog.Head h;
      try {
        h = r.refresh();
      } catch (StoreCorruptedException e) {
        if (!Files.exists(r.dir.resolve(Layout.RUN_JSON))) {
          runs.remove(r.id, r); // removed by hand since it was cached
          continue;
        }
        throw e;
      }
      RunEntry e = new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt());
      if (!query.matches(e)) {
        continue;
      }
      matches.add(e);
      if (matches.size() > query.limit()) {
        break; // one past the page tells that there is a next one
      }
    }
    return query.page(matches);
  }

  private static boolean recordMatches(RunQuery q, RunRecord r) {
    if (q.namespace().isPresent() && !q.namespace().get().equals(r.namespace())) {
      return false;
    }
    if (q.threadKey().isPresent() && !q.threadKey().equals(r.threadKey())) {
      return false;
    }
    if (q.recommendationId().isPresent()
        && !r.recommendation()
            .map(l -> l.recommendationId().equals(q.recommendationId().get()))
            .orElse(false)) {
      return false;
    }
    if (q.createdFrom().isPresent() && r.createdAt().isBefore(q.createdFrom().get())) {
      return false;
    }
    return q.createdBefore().isEmpty() || r.createdAt().isBefore(q.createdBefore().get());
  }

  /**
   * Finds the runs below a directory: a child directory with a run.json is a run (cached runs are
   * recognized by name without touching the disk); other directories are namespaces, searched when
   * {@code recurse} is set.
   */
  private void discover(Path dir, String prefix, boolean recurse, List<RunLog> out) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        String name = child.getFileName().toString();
        RunId id;
        try {
          id = RunId.of(prefix.isEmpty() ? name : prefix + "/" + name);
        } catch (ValidationException notAnId) {
          continue;
        }
        RunLog known = runs.get(id);
        if (known != null) {
          out.add(known);
          continue;
        }
        BasicFileAttributes a = DurableFs.attributesOrNull(child);
        if (a == null || !a.isDirectory()) {
          continue;
        }
        RunLog r = run(id);
        if (r != null) {
          out.add(r);
          continue;
        }
        if (Files.exists(child.resolve(Layout.EVENTS), LinkOption.NOFOLLOW_LINKS)
            && warnedIncomplete.add(child)) {
          log.warn(
              "{} holds {} but no {}: it is not listed (a creation that did not finish, or run.json"
                  + " was removed); restore run.json or move the directory away",
              child,
              Layout.EVENTS,
              Layout.RUN_JSON);
        }
        if (recurse && id.segments().size() < RunId.MAX_SEGMENTS) {
          discover(child, id.value(), true, out);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // no runs there
    } catch (IOException e) {
      throw new StoreIoException("listing runs under " + dir + " failed: " + e, e);
    }
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
    for (RunLog r : runs.values()) {
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
    for (RunLog r : runs.values()) {
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
    runs.clear();
    triggers.clear();
    FileLocks.release(layout.root);
  }
}
