package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.CreateResult;
import dev.runs.EventCodec;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.Utf8;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file store's runs: which run directories hold runs, the cache of run records and trigger ids,
 * run creation (placement checks, the trigger index, the first line, run.json as commit point),
 * import and deletion (a rename of the whole run directory is the commit of each) and listing from
 * the {@link RunListIndex}, which each creation, import, deletion and terminal status change
 * updates after its commit point. Thread-safe: the caches are concurrent maps, and creation, import
 * and deletion hold the store lock.
 *
 * <p>A cached run is checked against the disk where another process's deletion must show: {@link
 * #run} looks for its run.json (one {@code stat}), and the run's log view notices a vanished or
 * replaced log by itself.
 */
final class FileRunIndex {
  private static final Logger log = LoggerFactory.getLogger(FileRunIndex.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Layout layout;
  private final DurableFs fs;
  private final Trash trash;
  private final ConcurrentHashMap<RunId, RunLog> runs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, RunId> triggers = new ConcurrentHashMap<>();
  private final Set<Path> warnedIncomplete = ConcurrentHashMap.newKeySet();
  private final RunListIndex listIndex;

  FileRunIndex(Layout layout, DurableFs fs, Trash trash) {
    this.layout = layout;
    this.fs = fs;
    this.trash = trash;
    this.listIndex = new RunListIndex(layout, fs);
  }

  /** Loads (or rebuilds) the listing index at open; the store lock is held. */
  void openListIndex() {
    listIndex.open();
  }

  RunListIndex listIndex() {
    return listIndex;
  }

  /**
   * Tells the listing index a run's status after a commit (a map lookup unless the run entered or
   * left a terminal status).
   */
  void committed(RunLog r) {
    RunLog.Head h = r.viewOrNull();
    if (h != null) {
      listIndex.noteStatus(r.id, h.status(), h.lastSequence());
    }
  }

  /**
   * @return the runs this process has loaded, in no order
   */
  Collection<RunLog> loaded() {
    return runs.values();
  }

  /** Forgets every loaded run and trigger (the engine closes the logs first). */
  void clear() {
    runs.clear();
    triggers.clear();
  }

  /**
   * @return the run's log view, reading run.json the first time; null when the run does not exist.
   *     A cached run is checked to still have its run.json, so deletions by other processes show.
   */
  @Nullable RunLog run(RunId id) {
    RunLog known = runs.get(id);
    if (known != null) {
      if (!known.isRetired() && exists(known.runJson)) {
        return known;
      }
      evict(known);
    }
    return load(id);
  }

  /**
   * @return the run's log view without checking a cached one against the disk (commits check under
   *     the run's lock); null when the run does not exist
   */
  @Nullable RunLog cachedOrLoad(RunId id) {
    RunLog known = runs.get(id);
    if (known != null) {
      if (!known.isRetired()) {
        return known;
      }
      evict(known);
    }
    return load(id);
  }

  /** Forgets a view that no longer describes its run's directory, closing its writer if idle. */
  void evict(RunLog r) {
    if (runs.remove(r.id, r)) {
      triggers.remove(r.record.trigger().triggerId(), r.id);
    }
    r.retire();
    if (r.writeLock.tryLock()) {
      try {
        r.closeWriter();
      } finally {
        r.writeLock.unlock();
      }
    }
  }

  /**
   * @return whether a run.json lies in the run's directory (one {@code stat}, no read)
   */
  boolean exists(RunId id) {
    return exists(layout.runDir(id).resolve(Layout.RUN_JSON));
  }

  private boolean exists(Path p) {
    try {
      return DurableFs.attributesOrNull(p) != null;
    } catch (IOException e) {
      throw new StoreIoException("cannot read the attributes of " + p + ": " + e, e);
    }
  }

  private @Nullable RunLog load(RunId id) {
    Path dir = layout.runDir(id);
    RunRecord record = readRecord(id, dir.resolve(Layout.RUN_JSON));
    if (record == null) {
      return null;
    }
    RunLog fresh = newLog(record, dir);
    RunLog raced = runs.putIfAbsent(id, fresh);
    return raced != null ? raced : fresh;
  }

  private RunLog newLog(RunRecord record, Path dir) {
    return new RunLog(
        record.id(),
        record,
        dir,
        fs,
        layout.leaseFile(record.id()),
        trash,
        listIndex::leavingTerminal);
  }

  /**
   * Reads a run.json.
   *
   * @param id the run whose directory holds it
   * @param file the file
   * @return the record, or null when there is no such file
   * @throws StoreCorruptedException when it is not this run's record
   */
  static @Nullable RunRecord readRecord(RunId id, Path file) {
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
      String text = Utf8.decodeOrNull(bytes, 0, bytes.length);
      if (text == null) {
        throw new ValidationException(
            "run.json",
            "malformed UTF-8 at byte offset " + Utf8.firstMalformed(bytes, 0, bytes.length));
      }
      record = RunRecord.fromJson(text);
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
    return record;
  }

  CreateResult create(RunRecord record, RunEvent createdEvent) {
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
      listIndex.created(record, RunStatus.CREATED, 1);
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
      RunLog r = newLog(record, runDir);
      BasicFileAttributes la = DurableFs.attributesOrNull(log);
      r.created(line.length, createdEvent, la == null ? null : la.fileKey());
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

  Optional<RunRecord> findByTrigger(String triggerId) {
    RunId id = triggers.get(triggerId);
    if (id != null) {
      RunLog r = run(id);
      if (r != null && r.record.trigger().triggerId().equals(triggerId)) {
        return Optional.of(r.record);
      }
      triggers.remove(triggerId, id);
    }
    return lookupTrigger(triggerId).map(r -> r.record);
  }

  // ---- import and deletion ---------------------------------------------------------------------

  private FileLocks.Held lockStore(String what) {
    try {
      return FileLocks.acquire(layout.storeLock);
    } catch (IOException e) {
      throw new StoreIoException("cannot lock " + layout.storeLock + " to " + what + ": " + e, e);
    }
  }

  /**
   * Puts a staged run in place, under the store lock: the id and the trigger id must be free, the
   * run directory placed like a created one; then the trigger entry is written, a lease left by an
   * earlier run of that id removed, and the staged directory renamed into place (the commit).
   *
   * @param record the run's record
   * @param staged the staged run directory, forced
   * @throws RunAlreadyExistsException when the id or the trigger id is taken
   */
  void commitImport(RunRecord record, StagedRun staged) {
    RunId id = record.id();
    String triggerId = record.trigger().triggerId();
    Path runDir = layout.runDir(id);
    Path leftover = null;
    FileLocks.Held held = lockStore("import run " + id);
    try {
      RunLog existing = run(id);
      if (existing != null) {
        throw new RunAlreadyExistsException(id, existing.record.trigger().triggerId());
      }
      Optional<RunLog> byTrigger = lookupTrigger(triggerId);
      if (byTrigger.isPresent()) {
        throw new RunAlreadyExistsException(byTrigger.get().id, triggerId);
      }
      checkPlacement(id, runDir);
      boolean committed = false;
      try {
        if (DurableFs.attributesOrNull(runDir) != null) {
          leftover = trash.moveIn(runDir); // a creation that stopped left its lock file
        }
        fs.createDirectories(layout.runs, DurableFs.parentOf(runDir));
        ObjectNode t = JSON.createObjectNode();
        t.put("trigger_id", triggerId);
        t.put("run_id", id.value());
        fs.writeAtomically(
            layout.triggerFile(triggerId),
            (t.toString() + "\n").getBytes(StandardCharsets.UTF_8),
            true);
        Path lease = layout.leaseFile(id);
        if (Files.deleteIfExists(lease)) {
          fs.forceDirectory(layout.leases);
        }
        DurableFs.moveAtomically(staged.runDir(), runDir);
        committed = true;
        fs.forceDirectory(DurableFs.parentOf(runDir));
        fs.forceDirectory(DurableFs.parentOf(staged.runDir()));
      } catch (IOException e) {
        if (!committed) {
          throw new StoreIoException(
              "importing run "
                  + id
                  + " into "
                  + runDir
                  + " failed: "
                  + e
                  + "; nothing was imported",
              e);
        }
        log.warn(
            "run {} - imported, but forcing the directories failed ({}); a machine crash may lose"
                + " the import",
            id,
            e.toString());
      }
      RunLog r = newLog(record, runDir);
      BasicFileAttributes la = attributesOf(runDir.resolve(Layout.EVENTS));
      r.publishStaged(staged, la == null ? null : la.fileKey());
      runs.put(id, r);
      triggers.put(triggerId, id);
      listIndex.created(record, staged.head().status(), staged.head().lastSequence());
    } finally {
      held.close();
    }
    if (leftover != null) {
      trash.empty(leftover);
    }
  }

  private static @Nullable BasicFileAttributes attributesOf(Path p) {
    try {
      return DurableFs.attributesOrNull(p);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Deletes a run under the store lock: its directory goes to the trash (the commit), then its
   * lease and trigger entry are removed and namespace directories left empty; the trash entry is
   * emptied after the lock is released.
   *
   * @param id the run
   * @param expectedLastSequence the last sequence the caller saw
   * @return false when the last sequence differs (nothing changed)
   * @throws RunNotFoundException when the run does not exist
   */
  boolean delete(RunId id, long expectedLastSequence) {
    Path entry;
    FileLocks.Held held = lockStore("delete run " + id);
    try {
      for (int attempt = 1; ; attempt++) {
        RunLog r = run(id);
        if (r == null) {
          throw new RunNotFoundException(id);
        }
        try {
          entry = r.delete(expectedLastSequence);
        } catch (RunGone gone) {
          evict(r);
          if (attempt == 3) {
            throw new RunNotFoundException(id);
          }
          continue;
        }
        if (entry == null) {
          return false;
        }
        evict(r);
        removeDeleted(r.record);
        listIndex.deleted(id);
        break;
      }
    } finally {
      held.close();
    }
    trash.empty(entry);
    return true;
  }

  /**
   * Removes the lease and trigger entry of a deleted run, unless a run of that id exists again, and
   * the namespace directories its deletion left empty. The store lock is held. Failures are logged:
   * lookups ignore entries of runs that do not exist, and the sweep at open retries.
   */
  void removeDeleted(RunRecord record) {
    RunId id = record.id();
    Path runDir = layout.runDir(id);
    try {
      if (DurableFs.attributesOrNull(runDir.resolve(Layout.RUN_JSON)) != null) {
        return; // imported again since
      }
      if (Files.deleteIfExists(layout.leaseFile(id))) {
        fs.forceDirectory(layout.leases);
      }
      Path trigger = layout.triggerFile(record.trigger().triggerId());
      if (namesRun(trigger, id) && Files.deleteIfExists(trigger)) {
        fs.forceDirectory(layout.triggers);
      }
      Path dir = DurableFs.parentOf(runDir);
      while (!dir.equals(layout.runs) && dir.startsWith(layout.runs)) {
        try {
          Files.delete(dir);
        } catch (DirectoryNotEmptyException | NoSuchFileException stop) {
          break;
        }
        dir = DurableFs.parentOf(dir);
        fs.forceDirectory(dir);
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "run {} - deleted, but removing its lease, trigger entry or empty namespace directories"
              + " failed ({}); they are ignored and removed when the store is next opened",
          id,
          e.toString());
    }
  }

  private static boolean namesRun(Path triggerFile, RunId id) throws IOException {
    try {
      JsonNode n = JSON.readTree(Files.readString(triggerFile, StandardCharsets.UTF_8));
      return n != null && id.value().equals(n.path("run_id").asText(null));
    } catch (NoSuchFileException e) {
      return false;
    } catch (JsonProcessingException e) {
      return false; // not ours to remove
    }
  }

  /**
   * Lists runs from the listing index: its sorted sets give the candidates in listing order,
   * filtered by their record fields (and by a terminal status the index knows); only the runs read
   * for the page (at most {@code limit + 1} matches) are opened, for their heads.
   */
  RunPage list(RunQuery query) {
    listIndex.sync();
    List<RunEntry> matches = new ArrayList<>();
    List<RunListIndex.Seen> seen = new ArrayList<>();
    for (RunListIndex.Entry c : listIndex.candidates(query)) {
      if (RunListIndex.statusRejects(query, c)) {
        continue;
      }
      RunEntry e = entryOrNull(c.id);
      if (e == null) {
        continue; // deleted since (the index learns it from the deleter's line or at open)
      }
      seen.add(new RunListIndex.Seen(c.id, e.status(), e.lastSequence()));
      if (!query.afterCursor(e.record()) || !query.matches(e)) {
        continue;
      }
      matches.add(e);
      if (matches.size() > query.limit()) {
        break; // one past the page tells that there is a next one
      }
    }
    listIndex.noteStatuses(seen);
    return query.page(matches);
  }

  /**
   * @return the run as listed now (its head read without the run's lock when this process has not
   *     loaded it: {@link RunLog#listHead}), or null when it does not exist
   */
  private @Nullable RunEntry entryOrNull(RunId id) {
    for (int attempt = 1; attempt <= 3; attempt++) {
      RunLog r = run(id);
      if (r == null) {
        return null;
      }
      try {
        RunLog.Head h = r.listHead();
        return new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt());
      } catch (RunGone gone) {
        evict(r); // deleted or replaced by another process since it was cached
      } catch (StoreCorruptedException e) {
        if (!Files.exists(r.dir.resolve(Layout.RUN_JSON))) {
          evict(r); // removed by hand since it was cached
          continue;
        }
        throw e;
      }
    }
    return null;
  }

  /**
   * Compares a run with its entry in the listing index.
   *
   * @param run the run as read before
   * @return one line per disagreement; empty when the index agrees
   */
  List<String> indexProblems(RunEntry run) {
    List<String> problems = listIndex.problems(run);
    if (problems.size() == 1 && listIndex.get(run.id()) == null && run(run.id()) == null) {
      return List.of(); // deleted since it was read
    }
    return problems;
  }

  /**
   * Compares the listing index with the run directories: every run.json is read, and every run
   * whose terminal status the index holds is read for its head.
   *
   * @return one line per disagreement; empty when the index agrees with the directories
   */
  List<String> checkListIndex() {
    List<String> problems = new ArrayList<>(listIndex.check());
    for (RunListIndex.Entry c : listIndex.entries()) {
      RunStatus known = c.status.status();
      if (known == null || !known.isTerminal()) {
        continue; // not trusted by listings: read from the head
      }
      RunEntry e = entryOrNull(c.id);
      if (e != null && e.status() != known) {
        problems.add(
            "run "
                + c.id
                + ": the index says "
                + known.wireName()
                + " but its log says "
                + e.status().wireName());
      }
    }
    return problems;
  }

  /**
   * Lists runs by walking the run directories, without the listing index: what {@link #list}
   * answers must equal this (tests compare the two).
   */
  RunPage scanList(RunQuery query) {
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
      } catch (RunGone gone) {
        evict(r); // deleted by another process since it was cached
        continue;
      } catch (StoreCorruptedException e) {
        if (!Files.exists(r.dir.resolve(Layout.RUN_JSON))) {
          evict(r); // removed by hand since it was cached
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
        if (known != null && !known.isRetired()) {
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
}
