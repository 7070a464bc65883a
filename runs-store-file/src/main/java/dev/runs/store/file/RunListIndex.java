package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file store's listing index: one line per run creation, terminal status change and deletion in
 * {@code <root>/runs.index}, loaded at open into sorted sets (all runs, and the runs of each
 * namespace, thread key, workflow name and label pair, newest first), so a listing filters and
 * pages without opening run directories; only the runs it returns are read (their heads). The index
 * is a cache: the run directories stay the source of truth, and the index is rebuilt from them when
 * it is missing or unreadable.
 *
 * <p><b>Format.</b> A header line {@value #HEADER}, then lines {@code <crc32
 * hex>TAB<op>TAB<fields>} with tab, newline, carriage return and backslash escaped in fields:
 * {@code C id created-micros thread recommendation status sequence workflow-name workflow-version
 * labels} (a run, with {@code -} for an absent optional field, {@code +value} for a present one,
 * {@code ?} for a status not known, and the labels as {@code -} or {@code +} and a JSON object),
 * {@code S id status sequence} (a status seen at that sequence, or {@code ?} written before a
 * commit that leaves a terminal status; a line applies at or above the sequence the index holds)
 * and {@code D id} (deleted).
 *
 * <p><b>Writers.</b> Lines are appended under {@code runs.index.lock} (creation, import and
 * deletion append theirs after their commit point while holding the store lock, so the store lock
 * is taken before the index lock, never after), in one write each, after cutting a torn tail left
 * by a crash. When the file holds many more lines than runs it is compacted: rewritten atomically
 * under the index lock. Status lines are written only for changes into or out of a terminal status:
 * only terminal statuses are trusted by a listing's status filter, any other status is read from
 * the run's head.
 *
 * <p><b>Readers.</b> Every listing first catches up with the file (one {@code stat}; the new bytes
 * when it grew, the whole file when it was replaced), so runs created by other processes are
 * listed. Opening a store compares the modification time of each namespace directory with the
 * index's: a directory changed after the index's last write (a crash between a creation's commit
 * and its index line, or a writer that does not know the index) is read again and the index
 * corrected.
 *
 * <p>Thread-safe: the sets are concurrent, catching up is synchronized, appends hold the index
 * lock.
 */
final class RunListIndex {
  private static final Logger log = LoggerFactory.getLogger(RunListIndex.class);

  /** The first line of the index file. */
  static final String HEADER = "runs.file-index/2";

  /** Lines beyond twice the number of runs that trigger a compaction. */
  static final long COMPACT_SLACK = 10_000;

  /** A status as of a sequence; {@code status} null when not known. */
  record StatusAt(@Nullable RunStatus status, long sequence) {}

  /** One indexed run, or a probe for a position in the listing order. */
  static final class Entry {
    final RunId id;
    final String namespace;
    final Instant createdAt;
    final @Nullable String thread;
    final @Nullable String recommendation;
    final String workflowName;
    final String workflowVersion;
    final Map<String, String> labels;

    /** A probe before every id of its creation time... in listing order: after all of them. */
    final boolean last;

    volatile StatusAt status;

    Entry(
        RunId id,
        Instant createdAt,
        @Nullable String thread,
        @Nullable String recommendation,
        WorkflowRef workflow,
        Map<String, String> labels,
        StatusAt status) {
      this(
          id,
          createdAt,
          thread,
          recommendation,
          workflow.name(),
          workflow.version(),
          labels,
          status,
          false);
    }

    private Entry(
        RunId id,
        Instant createdAt,
        @Nullable String thread,
        @Nullable String recommendation,
        String workflowName,
        String workflowVersion,
        Map<String, String> labels,
        StatusAt status,
        boolean last) {
      this.id = id;
      this.namespace = id.namespace();
      this.createdAt = createdAt;
      this.thread = thread;
      this.recommendation = recommendation;
      this.workflowName = workflowName;
      this.workflowVersion = workflowVersion;
      this.labels = labels;
      this.status = status;
      this.last = last;
    }

    /** A position in the listing order, for finding where a page starts. */
    static Entry probe(RunId id, Instant createdAt, boolean last) {
      return new Entry(id, createdAt, null, null, "", "", Map.of(), new StatusAt(null, 0), last);
    }

    static Entry of(RunRecord r, StatusAt status) {
      return new Entry(
          r.id(),
          r.createdAt(),
          r.threadKey().orElse(null),
          r.recommendation().map(l -> l.recommendationId()).orElse(null),
          r.workflow(),
          r.labels(),
          status);
    }

    /** Whether the record fields the index holds are those of a record. */
    boolean describes(RunRecord r) {
      return r.id().equals(id)
          && r.createdAt().equals(createdAt)
          && Objects.equals(r.threadKey().orElse(null), thread)
          && Objects.equals(
              r.recommendation().map(l -> l.recommendationId()).orElse(null), recommendation)
          && r.workflow().name().equals(workflowName)
          && r.workflow().version().equals(workflowVersion)
          && r.labels().equals(labels);
    }

    @Override
    public String toString() {
      return id + "@" + createdAt;
    }
  }

  /** Listing order: newest first, then id descending; a {@code last} probe after its time's ids. */
  static final Comparator<Entry> ORDER =
      (a, b) -> {
        int c = b.createdAt.compareTo(a.createdAt);
        if (c != 0) {
          return c;
        }
        if (a.last || b.last) {
          return a.last == b.last ? 0 : (a.last ? 1 : -1);
        }
        return b.id.compareTo(a.id);
      };

  /** One key's runs in listing order, and how many (changed under the state's lock). */
  private static final class Group {
    final ConcurrentSkipListSet<Entry> entries = new ConcurrentSkipListSet<>(ORDER);
    final AtomicInteger size = new AtomicInteger();
  }

  /** The in-memory index, replaced whole when the file is read again from its start. */
  private static final class State {
    final ConcurrentHashMap<RunId, Entry> byId = new ConcurrentHashMap<>();
    final ConcurrentSkipListSet<Entry> all = new ConcurrentSkipListSet<>(ORDER);
    final ConcurrentHashMap<String, Group> byNamespace = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Group> byThread = new ConcurrentHashMap<>();

    /** By workflow name. */
    final ConcurrentHashMap<String, Group> byWorkflow = new ConcurrentHashMap<>();

    /** By label pair, keyed {@link #labelKey}. */
    final ConcurrentHashMap<String, Group> byLabel = new ConcurrentHashMap<>();

    synchronized void put(Entry e) {
      Entry old = byId.put(e.id, e);
      if (old != null) {
        unlink(old);
      }
      all.add(e);
      add(byNamespace, e.namespace, e);
      if (e.thread != null) {
        add(byThread, e.thread, e);
      }
      add(byWorkflow, e.workflowName, e);
      for (Map.Entry<String, String> l : e.labels.entrySet()) {
        add(byLabel, labelKey(l.getKey(), l.getValue()), e);
      }
    }

    synchronized void remove(RunId id) {
      Entry old = byId.remove(id);
      if (old != null) {
        unlink(old);
      }
    }

    /**
     * @return the runs in a namespace, in listing order (empty when none)
     */
    NavigableSet<Entry> inNamespace(String ns) {
      Group g = byNamespace.get(ns);
      return g == null ? Collections.emptyNavigableSet() : g.entries;
    }

    private void unlink(Entry old) {
      all.remove(old);
      drop(byNamespace, old.namespace, old);
      if (old.thread != null) {
        drop(byThread, old.thread, old);
      }
      drop(byWorkflow, old.workflowName, old);
      for (Map.Entry<String, String> l : old.labels.entrySet()) {
        drop(byLabel, labelKey(l.getKey(), l.getValue()), old);
      }
    }

    private static void add(Map<String, Group> groups, String key, Entry e) {
      Group g = groups.computeIfAbsent(key, k -> new Group());
      if (g.entries.add(e)) {
        g.size.incrementAndGet();
      }
    }

    private static void drop(Map<String, Group> groups, String key, Entry e) {
      Group g = groups.get(key);
      if (g != null && g.entries.remove(e)) {
        if (g.size.decrementAndGet() == 0) {
          groups.remove(key, g);
        }
      }
    }
  }

  /** A label pair as a key of {@link State#byLabel}: unambiguous, as label keys hold no '='. */
  private static String labelKey(String key, String value) {
    return key + '=' + value;
  }

  /** Thrown inside while reading an index file that is not one. */
  private static final class BadIndex extends Exception {
    private static final long serialVersionUID = 1L;

    final String reason;

    BadIndex(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }
  }

  private final Layout layout;
  private final DurableFs fs;
  private volatile State state = new State();

  /** Runs whose run.json could not be read while discovering, as messages. */
  private final List<String> skipped = Collections.synchronizedList(new ArrayList<>());

  /** Lines beyond twice the number of runs that trigger a compaction (tests lower it). */
  volatile long compactSlack = COMPACT_SLACK;

  // ---- guarded by this: how far the file was read
  private @Nullable Object fileKey;
  private long offset;
  private long lines;
  private boolean warnedBad;

  RunListIndex(Layout layout, DurableFs fs) {
    this.layout = layout;
    this.fs = fs;
  }

  /**
   * @return the number of runs indexed
   */
  int size() {
    return state.byId.size();
  }

  /**
   * @return the indexed runs, newest first
   */
  List<Entry> entries() {
    return new ArrayList<>(state.all);
  }

  /**
   * @return the indexed run, or null
   */
  @Nullable Entry get(RunId id) {
    return state.byId.get(id);
  }

  // ---- opening ----------------------------------------------------------------------------------

  /**
   * Loads the index at open, the store lock held: reads it (cutting a torn tail), rebuilds it from
   * the run directories when it is missing or not an index, reads again the namespace directories
   * changed after its last write, and compacts it when it holds many stale lines.
   */
  void open() {
    FileLocks.Held held = lockIndex("open the run index");
    try {
      BasicFileAttributes a = DurableFs.attributesOrNull(layout.index);
      if (a == null || !a.isRegularFile()) {
        if (a != null) {
          throw new StoreIoException(
              layout.index + " is not a regular file; move it away (the index is rebuilt)");
        }
        rebuildLocked("it is missing");
        return;
      }
      FileTime written = a.lastModifiedTime();
      try {
        synchronized (this) {
          readAllLocked(true);
        }
      } catch (BadIndex e) {
        log.warn("{} - {}; rebuilding it from the run directories", layout.index, e.reason);
        rebuildLocked(e.reason);
        return;
      }
      reconcileStaleLocked(written);
      maybeCompactLocked();
    } catch (IOException e) {
      throw new StoreIoException("opening the run index " + layout.index + " failed: " + e, e);
    } finally {
      held.close();
    }
  }

  private FileLocks.Held lockIndex(String what) {
    try {
      return FileLocks.acquire(layout.indexLock);
    } catch (IOException e) {
      throw new StoreIoException("cannot lock " + layout.indexLock + " to " + what + ": " + e, e);
    }
  }

  /** Rebuilds the index from the run directories and writes it whole. The index lock is held. */
  private void rebuildLocked(String why) throws IOException {
    long start = System.nanoTime();
    State fresh = new State();
    List<RunRecord> found = new ArrayList<>();
    discover(layout.runs, "", found);
    for (RunRecord r : found) {
      fresh.put(Entry.of(r, new StatusAt(null, 0)));
    }
    state = fresh;
    writeSnapshotLocked();
    if (found.isEmpty()) {
      return;
    }
    log.info(
        "{} - rebuilt from the run directories ({}): {} runs in {} ms",
        layout.index,
        why,
        found.size(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Finds the runs below a directory: a child directory with a run.json is a run, other directories
   * are namespaces and are searched.
   */
  private void discover(Path dir, String prefix, List<RunRecord> out) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        RunId id = childId(prefix, child);
        if (id == null) {
          continue;
        }
        BasicFileAttributes a = DurableFs.attributesOrNull(child);
        if (a == null || !a.isDirectory()) {
          continue;
        }
        RunRecord r = readOrSkip(id, child);
        if (r != null) {
          out.add(r);
        } else if (!Files.exists(child.resolve(Layout.RUN_JSON))
            && id.segments().size() < RunId.MAX_SEGMENTS) {
          discover(child, id.value(), out);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // no runs there
    }
  }

  /**
   * @return the record in a run directory; null when there is none, or when it is damaged (logged:
   *     the run is not listed, and every other use of it reports the damage)
   */
  private @Nullable RunRecord readOrSkip(RunId id, Path dir) {
    try {
      return FileRunIndex.readRecord(id, dir.resolve(Layout.RUN_JSON));
    } catch (StoreCorruptedException e) {
      skipped.add(id + ": " + e.getMessage());
      log.warn("{} - run {} is not indexed: {}", layout.index, id, e.getMessage());
      return null;
    }
  }

  private static @Nullable RunId childId(String prefix, Path child) {
    String name = child.getFileName().toString();
    try {
      return RunId.of(prefix.isEmpty() ? name : prefix + "/" + name);
    } catch (ValidationException notAnId) {
      return null;
    }
  }

  /**
   * Reads again each namespace directory modified after the index was last written, adding the runs
   * the index misses and dropping those gone. The index lock is held.
   */
  private void reconcileStaleLocked(FileTime written) throws IOException {
    State s = state;
    Set<String> dirs = new TreeSet<>();
    dirs.add("");
    for (String ns : s.byNamespace.keySet()) {
      for (int slash = ns.indexOf('/'); slash >= 0; slash = ns.indexOf('/', slash + 1)) {
        dirs.add(ns.substring(0, slash));
      }
      dirs.add(ns);
    }
    List<String> changes = new ArrayList<>();
    boolean stale = false;
    for (String ns : dirs) {
      Path dir = ns.isEmpty() ? layout.runs : Layout.resolveRelative(layout.runs, ns);
      BasicFileAttributes a = DurableFs.attributesOrNull(dir);
      if (a == null || !a.isDirectory()) {
        NavigableSet<Entry> gone = s.inNamespace(ns);
        for (Entry e : gone) {
          changes.add(deleteLine(e.id));
        }
        stale |= !gone.isEmpty();
        continue;
      }
      if (a.lastModifiedTime().compareTo(written) > 0) {
        stale = true;
        reconcileDir(s, dir, ns, dirs, changes);
      }
    }
    if (!changes.isEmpty()) {
      log.warn(
          "{} - {} runs were created or deleted without updating the index (a crash, or a writer"
              + " that does not know it); corrected from the run directories",
          layout.index,
          changes.size());
      appendLocked(changes, true);
    } else if (stale) {
      Files.setLastModifiedTime(layout.index, FileTime.from(Instant.now()));
    }
  }

  private void reconcileDir(State s, Path dir, String ns, Set<String> knownDirs, List<String> out)
      throws IOException {
    Set<RunId> seen = new HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        RunId id = childId(ns, child);
        if (id == null) {
          continue;
        }
        if (s.byId.containsKey(id)) {
          seen.add(id);
          continue;
        }
        BasicFileAttributes a = DurableFs.attributesOrNull(child);
        if (a == null || !a.isDirectory()) {
          continue;
        }
        RunRecord r = readOrSkip(id, child);
        if (r != null) {
          out.add(createLine(Entry.of(r, new StatusAt(null, 0))));
        } else if (!knownDirs.contains(id.value())
            && !Files.exists(child.resolve(Layout.RUN_JSON))
            && id.segments().size() < RunId.MAX_SEGMENTS) {
          List<RunRecord> found = new ArrayList<>();
          discover(child, id.value(), found);
          for (RunRecord f : found) {
            out.add(createLine(Entry.of(f, new StatusAt(null, 0))));
          }
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // gone meanwhile: every run below it is dropped
    }
    for (Entry e : s.inNamespace(ns)) {
      if (!seen.contains(e.id) && !Files.exists(layout.runDir(e.id).resolve(Layout.RUN_JSON))) {
        out.add(deleteLine(e.id));
      }
    }
  }

  // ---- reading the file -------------------------------------------------------------------------

  /**
   * Catches up with the file: one {@code stat}; the new complete lines when it grew, the whole file
   * when it was replaced or cut. A file that turns out not to be an index is left for the next open
   * to rebuild (logged once); the runs known so far stay listed.
   */
  synchronized void sync() {
    try {
      BasicFileAttributes a = DurableFs.attributesOrNull(layout.index);
      if (a == null) {
        return; // removed by hand: the next open rebuilds it
      }
      if (!Objects.equals(a.fileKey(), fileKey) || a.size() < offset || fileKey == null) {
        readAllLocked(false);
      } else if (a.size() > offset) {
        readTail(state, a.size(), false);
      }
    } catch (BadIndex e) {
      if (!warnedBad) {
        warnedBad = true;
        log.warn(
            "{} - {}; the runs read so far stay listed, and the index is rebuilt when the store is"
                + " next opened",
            layout.index,
            e.reason);
      }
    } catch (IOException e) {
      throw new StoreIoException("reading the run index " + layout.index + " failed: " + e, e);
    }
  }

  /**
   * Reads the whole file into a new state. With {@code repair} (the index lock held) a torn tail is
   * cut.
   */
  private void readAllLocked(boolean repair) throws IOException, BadIndex {
    try (FileChannel ch = FileChannel.open(layout.index, StandardOpenOption.READ)) {
      BasicFileAttributes a = DurableFs.attributesOrNull(layout.index);
      Object key = a == null ? null : a.fileKey();
      long size = ch.size();
      byte[] head = new byte[HEADER.length() + 1];
      ByteBuffer hb = ByteBuffer.wrap(head);
      while (hb.hasRemaining() && ch.read(hb, hb.position()) > 0) {
        // reading the header
      }
      if (hb.hasRemaining() || !new String(head, StandardCharsets.UTF_8).equals(HEADER + "\n")) {
        throw new BadIndex(
            new String(head, StandardCharsets.UTF_8).startsWith("runs.file-index/1")
                ? "it is in the format of an earlier version (runs.file-index/1, without workflows"
                    + " and labels)"
                : "it does not start with the line " + HEADER);
      }
      State fresh = new State();
      fileKey = key;
      offset = head.length;
      lines = 0;
      readTail(fresh, size, repair);
      state = fresh;
    } catch (NoSuchFileException e) {
      throw new BadIndex("it is missing");
    }
  }

  /** Applies the complete lines from {@link #offset} to {@code size}. */
  private void readTail(State into, long size, boolean repair) throws IOException, BadIndex {
    long length = size - offset;
    if (length > Integer.MAX_VALUE - 16) {
      throw new BadIndex("it is larger than 2 GiB");
    }
    byte[] bytes = new byte[(int) length];
    try (FileChannel ch = FileChannel.open(layout.index, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        int n = ch.read(b, offset + b.position());
        if (n < 0) {
          break;
        }
      }
      length = b.position();
    }
    int start = 0;
    int bad = 0;
    String firstBad = null;
    for (int i = 0; i < length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
      try {
        apply(into, line);
      } catch (IllegalArgumentException e) {
        bad++;
        if (firstBad == null) {
          firstBad = "line at byte " + (offset + start) + ": " + e.getMessage();
        }
      }
      lines++;
      start = i + 1;
    }
    offset += start;
    if (bad > 0) {
      throw new BadIndex(bad + " lines are damaged, the first " + firstBad);
    }
    if (repair && start < length) {
      log.warn(
          "{} - cutting a torn last line of {} bytes left by a crash",
          layout.index,
          length - start);
      try (FileChannel w = fs.openWriter(layout.index)) {
        w.truncate(offset);
        fs.force(w);
      }
    }
  }

  // ---- lines ------------------------------------------------------------------------------------

  static String createLine(Entry e) {
    StatusAt s = e.status;
    StringBuilder b = new StringBuilder(96);
    b.append("C\t");
    escape(e.id.value(), b);
    b.append('\t').append(micros(e.createdAt)).append('\t');
    optional(e.thread, b);
    b.append('\t');
    optional(e.recommendation, b);
    b.append('\t').append(s.status() == null ? "?" : s.status().wireName());
    b.append('\t').append(s.sequence());
    b.append('\t');
    escape(e.workflowName, b);
    b.append('\t');
    escape(e.workflowVersion, b);
    b.append('\t');
    labels(e.labels, b);
    return b.toString();
  }

  /** Labels as {@code -} for none, else {@code +} and their JSON object. */
  private static void labels(Map<String, String> labels, StringBuilder b) {
    if (labels.isEmpty()) {
      b.append('-');
      return;
    }
    try {
      b.append('+');
      escape(LABELS.writeValueAsString(labels), b);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("labels do not encode: " + e, e);
    }
  }

  private static Map<String, String> labels(String f) {
    @Nullable String json = optional(f);
    if (json == null) {
      return Map.of();
    }
    try {
      Map<String, String> m = LABELS.readValue(json, LABELS_TYPE);
      if (m == null || m.isEmpty() || m.containsValue(null)) {
        throw new IllegalArgumentException("labels '" + json + "' are not a non-empty object");
      }
      return Collections.unmodifiableMap(m);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("labels '" + json + "' do not parse: " + e, e);
    }
  }

  private static final ObjectMapper LABELS = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, String>> LABELS_TYPE =
      new TypeReference<>() {};

  /** A status line; a null status says that the status is not known as of the sequence. */
  static String statusLine(RunId id, @Nullable RunStatus status, long sequence) {
    StringBuilder b = new StringBuilder(64);
    b.append("S\t");
    escape(id.value(), b);
    b.append('\t').append(status == null ? "?" : status.wireName()).append('\t').append(sequence);
    return b.toString();
  }

  static String deleteLine(RunId id) {
    StringBuilder b = new StringBuilder(40);
    b.append("D\t");
    escape(id.value(), b);
    return b.toString();
  }

  /** A payload as a line: its CRC-32 in hex, a tab, the payload, a newline. */
  static String frame(String payload) {
    CRC32 crc = new CRC32();
    crc.update(payload.getBytes(StandardCharsets.UTF_8));
    String hex = Long.toHexString(crc.getValue());
    return "0".repeat(8 - hex.length()) + hex + "\t" + payload + "\n";
  }

  /**
   * Applies one line (without its newline) after checking its checksum.
   *
   * @throws IllegalArgumentException when it is not a valid line
   */
  static void apply(State into, String line) {
    if (line.length() < 10 || line.charAt(8) != '\t') {
      throw new IllegalArgumentException("no checksum");
    }
    String payload = line.substring(9);
    CRC32 crc = new CRC32();
    crc.update(payload.getBytes(StandardCharsets.UTF_8));
    long want;
    try {
      want = Long.parseLong(line.substring(0, 8), 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("no checksum", e);
    }
    if (crc.getValue() != want) {
      throw new IllegalArgumentException("checksum mismatch");
    }
    applyPayload(into, payload);
  }

  /**
   * Applies a line's payload.
   *
   * @throws IllegalArgumentException when it is not a valid payload
   */
  static void applyPayload(State into, String payload) {
    String[] f = payload.split("\t", -1);
    try {
      switch (f[0]) {
        case "C" -> {
          need(f, 10);
          RunId id = RunId.of(unescape(f[1]));
          Instant created = fromMicros(Long.parseLong(f[2]));
          StatusAt s = new StatusAt(status(f[5]), Long.parseLong(f[6]));
          WorkflowRef workflow = WorkflowRef.of(unescape(f[7]), unescape(f[8]));
          into.put(
              new Entry(id, created, optional(f[3]), optional(f[4]), workflow, labels(f[9]), s));
        }
        case "S" -> {
          need(f, 4);
          RunId id = RunId.of(unescape(f[1]));
          StatusAt s = new StatusAt(status(f[2]), Long.parseLong(f[3]));
          Entry e = into.byId.get(id);
          if (e != null) {
            StatusAt old = e.status;
            if (s.sequence() >= old.sequence()) {
              e.status = s;
            }
          }
        }
        case "D" -> {
          need(f, 2);
          into.remove(RunId.of(unescape(f[1])));
        }
        default -> throw new IllegalArgumentException("unknown operation '" + f[0] + "'");
      }
    } catch (ValidationException | NumberFormatException | java.time.DateTimeException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static void need(String[] f, int n) {
    if (f.length != n) {
      throw new IllegalArgumentException(
          "operation " + f[0] + " needs " + n + " fields but has " + f.length);
    }
  }

  private static @Nullable RunStatus status(String s) {
    return s.equals("?") ? null : RunStatus.fromWireName(s);
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  private static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  private static void optional(@Nullable String v, StringBuilder b) {
    if (v == null) {
      b.append('-');
    } else {
      b.append('+');
      escape(v, b);
    }
  }

  private static @Nullable String optional(String f) {
    if (f.equals("-")) {
      return null;
    }
    if (!f.startsWith("+")) {
      throw new IllegalArgumentException("optional field '" + f + "' starts with neither - nor +");
    }
    return unescape(f.substring(1));
  }

  static void escape(String s, StringBuilder b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (++i == s.length()) {
        throw new IllegalArgumentException("a field ends in a lone backslash");
      }
      switch (s.charAt(i)) {
        case '\\' -> b.append('\\');
        case 't' -> b.append('\t');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        default -> throw new IllegalArgumentException("unknown escape \\" + s.charAt(i));
      }
    }
    return b.toString();
  }

  // ---- writing ----------------------------------------------------------------------------------

  /**
   * Records a run after its commit point (creation or import); the store lock is held.
   *
   * @param record the run
   * @param status its status
   * @param sequence its last sequence
   */
  void created(RunRecord record, RunStatus status, long sequence) {
    Entry e = Entry.of(record, new StatusAt(status.isTerminal() ? status : null, sequence));
    appendLogged(List.of(createLine(e)), "run " + record.id() + " created");
  }

  /** Records a deletion after its commit point; the store lock is held. */
  void deleted(RunId id) {
    appendLogged(List.of(deleteLine(id)), "run " + id + " deleted");
  }

  private void appendLogged(List<String> payloads, String what) {
    try {
      FileLocks.Held held = lockIndex("record that " + what);
      try {
        synchronized (this) {
          sync();
          appendLocked(payloads, true);
        }
      } finally {
        held.close();
      }
    } catch (IOException | RuntimeException e) {
      // the run directories are the truth: the next open finds the run's namespace directory
      // newer than the index and corrects it
      log.warn(
          "{} - {}, but the index could not record it ({}); it is corrected when the store is next"
              + " opened",
          layout.index,
          what,
          e.toString());
    }
  }

  /**
   * Makes the index forget a run's terminal status before a commit changes it: a status line that
   * says the status is not known as of the commit's first sequence, forced before the commit
   * starts. Other status lines are written after their commit, and only terminal statuses are
   * trusted by listings, so without this a crash between a resume's commit and its status line
   * would leave the index trusting the old terminal status: a listing filtered by status would skip
   * the resumed run. With it, the run's status is read from its head until its next terminal status
   * is recorded. A line an interrupt of the calling thread cut is written again on a thread nothing
   * interrupts.
   *
   * @param id the run, in a terminal status, whose log lock the caller holds
   * @param sequence the sequence of the commit's first event
   * @throws StoreIoException when the line cannot be written: the commit must not go on
   */
  void leavingTerminal(RunId id, long sequence) {
    try {
      forgetTerminal(id, sequence);
    } catch (StoreIoException e) {
      if (!RunLog.byInterrupt(e)) {
        throw e;
      }
      Uninterruptible.call(
          "runs-file-index " + id,
          () -> {
            forgetTerminal(id, sequence);
            return Boolean.TRUE;
          });
    }
  }

  private void forgetTerminal(RunId id, long sequence) {
    FileLocks.Held held = lockIndex("record that run " + id + " leaves its terminal status");
    try {
      synchronized (this) {
        sync();
        Entry e = state.byId.get(id);
        StatusAt s = e == null ? null : e.status;
        if (s != null
            && s.status() != null
            && s.status().isTerminal()
            && sequence >= s.sequence()) {
          appendLocked(List.of(statusLine(id, null, sequence)), true);
        }
      }
    } catch (IOException e) {
      throw new StoreIoException(
          layout.index
              + " - cannot record that run "
              + id
              + " leaves its terminal status, so nothing was appended to it: "
              + e,
          e);
    } finally {
      held.close();
    }
  }

  /** A run's status as a commit or a listing saw it. */
  record Seen(RunId id, RunStatus status, long sequence) {}

  /**
   * Notes a run's status as a commit saw it; see {@link #noteStatuses}.
   *
   * @param id the run
   * @param status its status
   * @param sequence the sequence it was seen at
   */
  void noteStatus(RunId id, RunStatus status, long sequence) {
    if (needsLine(id, status, sequence)) {
      noteStatuses(List.of(new Seen(id, status, sequence)));
    }
  }

  /**
   * Notes runs' statuses as commits or a listing saw them: each is recorded when it enters or
   * leaves a terminal status as far as the index knows, all in one write. Never throws: the index
   * is a cache, and a status it lacks is read from the run's head.
   *
   * @param seen the statuses
   */
  void noteStatuses(List<Seen> seen) {
    if (seen.stream().noneMatch(x -> needsLine(x.id(), x.status(), x.sequence()))) {
      return;
    }
    try {
      FileLocks.Held held = lockIndex("record run statuses");
      try {
        synchronized (this) {
          sync();
          List<String> lines = new ArrayList<>();
          for (Seen x : seen) {
            if (needsLine(x.id(), x.status(), x.sequence())) {
              lines.add(statusLine(x.id(), x.status(), x.sequence()));
            }
          }
          if (!lines.isEmpty()) {
            appendLocked(lines, false);
          }
        }
      } finally {
        held.close();
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "{} - cannot record the statuses of {} runs ({}); listings read their heads instead",
          layout.index,
          seen.size(),
          e.toString());
    }
  }

  private boolean needsLine(RunId id, RunStatus status, long sequence) {
    Entry e = state.byId.get(id);
    if (e == null) {
      return false;
    }
    StatusAt s = e.status;
    if (s.status() == status || sequence < s.sequence()) {
      return false; // known already, or older than what the index holds: it would not apply
    }
    return status.isTerminal() || (s.status() != null && s.status().isTerminal());
  }

  /**
   * Appends lines in one write (after cutting a torn tail), then applies them. The index lock and
   * this monitor are held and the state has caught up with the file.
   */
  private void appendLocked(List<String> payloads, boolean force) throws IOException {
    BasicFileAttributes a = DurableFs.attributesOrNull(layout.index);
    if (a == null || !Objects.equals(a.fileKey(), fileKey) || a.size() < offset) {
      // removed or replaced by hand: write it whole
      for (String p : payloads) {
        applyPayload(state, p);
      }
      writeSnapshotLocked();
      return;
    }
    StringBuilder b = new StringBuilder();
    for (String p : payloads) {
      b.append(frame(p));
    }
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = fs.openWriter(layout.index)) {
      long size = ch.size();
      if (size > offset) {
        // a torn tail left by a crash (complete lines were read by sync)
        log.warn("{} - cutting a torn last line of {} bytes", layout.index, size - offset);
        ch.truncate(offset);
      }
      DurableFs.writeFully(ch, ByteBuffer.wrap(bytes), offset);
      if (force) {
        fs.force(ch);
      }
    }
    for (String p : payloads) {
      applyPayload(state, p);
      lines++;
    }
    offset += bytes.length;
    maybeCompactLocked();
  }

  private synchronized void maybeCompactLocked() throws IOException {
    if (lines > 2L * state.byId.size() + compactSlack) {
      long before = lines;
      writeSnapshotLocked();
      log.info("{} - compacted from {} to {} lines", layout.index, before, lines);
    }
  }

  /** Writes the whole index atomically from the state. The index lock is held. */
  private synchronized void writeSnapshotLocked() throws IOException {
    State s = state;
    StringBuilder b = new StringBuilder(64 + s.byId.size() * 96);
    b.append(HEADER).append('\n');
    List<Entry> entries = new ArrayList<>(s.all);
    Collections.reverse(entries); // oldest first, like an appended file
    for (Entry e : entries) {
      b.append(frame(createLine(e)));
    }
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    fs.writeAtomically(layout.index, bytes, true);
    BasicFileAttributes a = DurableFs.attributesOrNull(layout.index);
    fileKey = a == null ? null : a.fileKey();
    offset = bytes.length;
    lines = entries.size();
  }

  // ---- querying ---------------------------------------------------------------------------------

  /**
   * The indexed runs a query's record filters (namespace, thread key, workflow, labels,
   * recommendation, creation time, cursor) accept, in listing order, read lazily from the smallest
   * indexed set that holds them all. Statuses are left to the caller.
   *
   * @param q the query
   * @return the candidates, newest first
   */
  Iterable<Entry> candidates(RunQuery q) {
    NavigableSet<Entry> base = narrowest(q);
    Entry from = null;
    if (q.cursor().isPresent()) {
      RunQuery.Cursor c = q.cursor().get();
      from = Entry.probe(c.runId(), c.createdAt(), false);
    }
    if (q.createdBefore().isPresent()) {
      RunId any = from != null ? from.id : RunId.of("x");
      Entry before = Entry.probe(any, q.createdBefore().get(), true);
      if (from == null || ORDER.compare(before, from) > 0) {
        from = before;
      }
    }
    NavigableSet<Entry> range = from == null ? base : base.tailSet(from, false);
    Instant lowest = q.createdFrom().orElse(null);
    return () ->
        new Iterator<>() {
          private final Iterator<Entry> it = range.iterator();
          private @Nullable Entry next = advance();

          private @Nullable Entry advance() {
            while (it.hasNext()) {
              Entry e = it.next();
              if (lowest != null && e.createdAt.isBefore(lowest)) {
                return null;
              }
              if (matches(q, e)) {
                return e;
              }
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Entry next() {
            Entry e = next;
            if (e == null) {
              throw new NoSuchElementException();
            }
            next = advance();
            return e;
          }
        };
  }

  /**
   * The smallest set holding every run a query can select: of its thread key's, its workflow
   * name's, each of its labels' and its namespace's runs (all runs when it names none); empty when
   * one of them has no runs.
   */
  NavigableSet<Entry> narrowest(RunQuery q) {
    State s = state;
    List<@Nullable Group> groups = new ArrayList<>();
    q.threadKey().ifPresent(t -> groups.add(s.byThread.get(t)));
    q.workflowName().ifPresent(w -> groups.add(s.byWorkflow.get(w)));
    q.labels().forEach((k, v) -> groups.add(s.byLabel.get(labelKey(k, v))));
    q.namespace().ifPresent(ns -> groups.add(s.byNamespace.get(ns)));
    NavigableSet<Entry> best = s.all;
    int smallest = Integer.MAX_VALUE;
    for (Group g : groups) {
      if (g == null) {
        return Collections.emptyNavigableSet();
      }
      int n = g.size.get();
      if (n < smallest) {
        smallest = n;
        best = g.entries;
      }
    }
    return best;
  }

  private static boolean matches(RunQuery q, Entry e) {
    if (q.namespace().isPresent() && !q.namespace().get().equals(e.namespace)) {
      return false;
    }
    if (q.threadKey().isPresent() && !q.threadKey().get().equals(e.thread)) {
      return false;
    }
    if (q.recommendationId().isPresent() && !q.recommendationId().get().equals(e.recommendation)) {
      return false;
    }
    if (q.workflowName().isPresent() && !q.workflowName().get().equals(e.workflowName)) {
      return false;
    }
    if (q.workflowVersion().isPresent() && !q.workflowVersion().get().equals(e.workflowVersion)) {
      return false;
    }
    for (Map.Entry<String, String> l : q.labels().entrySet()) {
      if (!l.getValue().equals(e.labels.get(l.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a query's status filter rejects an indexed run on the index alone: only a terminal
   * status is trusted (it is recorded after the commit that reached it).
   */
  static boolean statusRejects(RunQuery q, Entry e) {
    RunStatus s = e.status.status();
    return !q.statuses().isEmpty() && s != null && s.isTerminal() && !q.statuses().contains(s);
  }

  // ---- checking ---------------------------------------------------------------------------------

  /**
   * Compares one run with its entry, after catching up with the file. A terminal status recorded at
   * a sequence the run had reached when it was read must be the run's status: the status line of a
   * commit leaving a terminal status is written before that commit.
   *
   * @param run the run as read before
   * @return one line per disagreement; empty when the index agrees
   */
  List<String> problems(RunEntry run) {
    sync();
    Entry e = state.byId.get(run.id());
    String repair =
        "; remove " + layout.index + " while no process has the store open to have it rebuilt";
    if (e == null) {
      return List.of("the listing index does not hold the run: listings skip it" + repair);
    }
    List<String> problems = new ArrayList<>();
    if (!e.describes(run.record())) {
      problems.add(
          "the listing index holds other record fields (creation time, thread, recommendation,"
              + " workflow or labels) than run.json: listings filter and order the run by the"
              + " index's"
              + repair);
    }
    StatusAt s = e.status;
    RunStatus known = s.status();
    if (known != null
        && known.isTerminal()
        && s.sequence() <= run.lastSequence()
        && known != run.status()) {
      problems.add(
          "the listing index says "
              + known.wireName()
              + " as of sequence "
              + s.sequence()
              + " but the log says "
              + run.status().wireName()
              + " at "
              + run.lastSequence()
              + ": listings filtered by status trust the index"
              + repair);
    }
    return problems;
  }

  /**
   * Compares the index with the run directories (every run.json is read).
   *
   * @return one line per disagreement; empty when the index agrees
   */
  List<String> check() {
    sync();
    skipped.clear();
    List<RunRecord> found = new ArrayList<>();
    try {
      discover(layout.runs, "", found);
    } catch (IOException e) {
      throw new StoreIoException("listing runs under " + layout.runs + " failed: " + e, e);
    }
    State s = state;
    List<String> problems = new ArrayList<>();
    synchronized (skipped) {
      for (String m : skipped) {
        problems.add("run " + m);
      }
      skipped.clear();
    }
    Set<RunId> seen = new HashSet<>();
    for (RunRecord r : found) {
      seen.add(r.id());
      Entry e = s.byId.get(r.id());
      if (e == null) {
        problems.add("run " + r.id() + " is not in the index");
      } else if (!e.describes(r)) {
        problems.add("run " + r.id() + ": the index holds other record fields than its run.json");
      }
    }
    for (RunId id : s.byId.keySet()) {
      if (!seen.contains(id)) {
        problems.add("run " + id + " is in the index but has no run directory");
      }
    }
    return problems;
  }
}
