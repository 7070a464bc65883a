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
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.Utf8;
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
 * run creation (placement checks, the trigger index, the first line, run.json as commit point) and
 * listing by walking the run directories. Thread-safe: the caches are concurrent maps, and creation
 * holds the store lock.
 */
final class FileRunIndex {
  private static final Logger log = LoggerFactory.getLogger(FileRunIndex.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Layout layout;
  private final DurableFs fs;
  private final ConcurrentHashMap<RunId, RunLog> runs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, RunId> triggers = new ConcurrentHashMap<>();
  private final Set<Path> warnedIncomplete = ConcurrentHashMap.newKeySet();

  FileRunIndex(Layout layout, DurableFs fs) {
    this.layout = layout;
    this.fs = fs;
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
    RunLog fresh = new RunLog(id, record, dir, fs);
    RunLog raced = runs.putIfAbsent(id, fresh);
    return raced != null ? raced : fresh;
  }

  RunLog requireRun(RunId id) {
    RunLog r = run(id);
    if (r == null) {
      throw new RunNotFoundException(id);
    }
    return r;
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

  Optional<RunRecord> findByTrigger(String triggerId) {
    RunId id = triggers.get(triggerId);
    if (id != null) {
      RunLog r = run(id);
      if (r != null) {
        return Optional.of(r.record);
      }
    }
    return lookupTrigger(triggerId).map(r -> r.record);
  }

  RunPage list(RunQuery query) {
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
}
