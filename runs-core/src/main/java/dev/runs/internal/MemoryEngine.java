package dev.runs.internal;

import dev.runs.CreateResult;
import dev.runs.EventStream;
import dev.runs.Lease;
import dev.runs.RunAlreadyExistsException;
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
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StageSlots;
import dev.runs.spi.StoredDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code memory:} engine: everything in the heap, nothing survives {@code close()}. Each run
 * has its own monitor, so unrelated runs never contend; readers copy events out in small pages so a
 * reader never holds a run's lock while the caller works.
 */
public final class MemoryEngine implements dev.runs.spi.StorageEngine {
  private static final int READ_PAGE = 256;

  private final String description;
  private final Map<RunId, MemRun> runs = new ConcurrentHashMap<>();
  private final Map<String, RunId> triggers = new ConcurrentHashMap<>();
  private final Map<String, String> documents = new ConcurrentHashMap<>();

  /** Guards creation so id and trigger uniqueness are decided together. */
  private final Object createLock = new Object();

  /**
   * @param description for messages
   */
  public MemoryEngine(String description) {
    this.description = description;
  }

  private static final class MemRun {
    final RunRecord record;
    final ArrayList<RunEvent> events = new ArrayList<>();
    final Map<String, RunEvent> byKey = new HashMap<>();
    RunStatus status;
    Instant updatedAt;
    final List<StoredStage> stages = new ArrayList<>();
    @Nullable Lease lease;
    @Nullable String stub;
    @Nullable RunHead stubHead;

    MemRun(RunRecord record, RunEvent createdEvent) {
      this.record = record;
      this.events.add(createdEvent);
      this.status = RunStatus.CREATED;
      this.updatedAt = createdEvent.time();
    }

    MemRun(RunRecord record, RunHead head) {
      this.record = record;
      this.status = head.status();
      this.updatedAt = head.updatedAt();
    }

    synchronized RunHead head() {
      if (stubHead != null) {
        return stubHead;
      }
      return new RunHead(events.size(), status, updatedAt, events.get(events.size() - 1).hash());
    }
  }

  private record StoredStage(StageManifest manifest, Map<String, byte[]> files) {}

  @Override
  public boolean allowsCommitOnCallerThread() {
    return true;
  }

  @Override
  public CreateResult create(RunRecord record, RunEvent createdEvent) {
    synchronized (createLock) {
      RunId byTrigger = triggers.get(record.trigger().triggerId());
      MemRun sameTrigger = byTrigger == null ? null : runs.get(byTrigger);
      if (sameTrigger != null) {
        return new CreateResult(sameTrigger.record, false);
      }
      MemRun existing = runs.get(record.id());
      if (existing != null) {
        throw new RunAlreadyExistsException(record.id(), existing.record.trigger().triggerId());
      }
      MemRun run = new MemRun(record, createdEvent);
      runs.put(record.id(), run);
      triggers.put(record.trigger().triggerId(), record.id());
      return new CreateResult(record, true);
    }
  }

  @Override
  public Optional<RunRecord> find(RunId id) {
    MemRun r = runs.get(id);
    return r == null ? Optional.empty() : Optional.of(r.record);
  }

  @Override
  public Optional<RunRecord> findByTrigger(String triggerId) {
    RunId id = triggers.get(triggerId);
    return id == null ? Optional.empty() : find(id);
  }

  @Override
  public Optional<RunEntry> entry(RunId id) {
    MemRun r = runs.get(id);
    if (r == null) {
      return Optional.empty();
    }
    RunHead h = r.head();
    return Optional.of(new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt()));
  }

  @Override
  public Optional<RunHead> head(RunId id) {
    MemRun r = runs.get(id);
    return r == null ? Optional.empty() : Optional.of(r.head());
  }

  @Override
  public void commit(List<RunBatch> batches) {
    for (RunBatch b : batches) {
      MemRun run = runs.get(b.runId());
      if (run == null) {
        b.plan(Optional.empty(), Map.of());
        continue;
      }
      synchronized (run) {
        Map<String, RunEvent> known = new HashMap<>();
        for (String key : b.idempotencyKeys()) {
          RunEvent e = run.byKey.get(key);
          if (e != null) {
            known.put(key, e);
          }
        }
        List<RunEvent> toWrite = b.plan(Optional.of(run.head()), known);
        if (toWrite.isEmpty()) {
          continue;
        }
        for (RunEvent e : toWrite) {
          if (e.sequence() != run.events.size() + 1) {
            throw new IllegalStateException(
                "planner produced sequence " + e.sequence() + " after " + run.events.size());
          }
          run.events.add(e);
          e.idempotencyKey().ifPresent(k -> run.byKey.put(k, e));
        }
        RunHead after = b.headAfter();
        run.status = after.status();
        run.updatedAt = after.updatedAt();
      }
    }
  }

  @Override
  public EventStream read(RunId id, long afterSequence) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    return new EventStream() {
      private long next = afterSequence + 1;
      private List<RunEvent> page = List.of();
      private int index;

      @Override
      public boolean hasNext() {
        if (index < page.size()) {
          return true;
        }
        synchronized (run) {
          int from = (int) Math.min(next - 1, run.events.size());
          int to = Math.min(from + READ_PAGE, run.events.size());
          page = new ArrayList<>(run.events.subList(from, to));
        }
        index = 0;
        return !page.isEmpty();
      }

      @Override
      public RunEvent next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        RunEvent e = page.get(index++);
        next = e.sequence() + 1;
        return e;
      }

      @Override
      public void close() {
        page = List.of();
      }
    };
  }

  @Override
  public RunPage list(RunQuery query) {
    List<RunEntry> matches = new ArrayList<>();
    for (MemRun r : runs.values()) {
      if (!query.afterCursor(r.record)) {
        continue;
      }
      RunHead h = r.head();
      RunEntry e = new RunEntry(r.record, h.status(), h.lastSequence(), h.updatedAt());
      if (query.matches(e)) {
        matches.add(e);
      }
    }
    matches.sort(
        Comparator.comparing((RunEntry e) -> e.record().createdAt())
            .thenComparing(e -> e.record().id())
            .reversed());
    return query.page(matches);
  }

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    synchronized (run.stages) {
      StageSlots slots = StageSlots.of(id, write);
      for (StoredStage s : run.stages) {
        slots.add(s.manifest());
      }
      StageManifest m = slots.manifest(now);
      Map<String, byte[]> files = new HashMap<>();
      for (StageWrite.StageFile f : write.files()) {
        files.put(f.path(), f.content().clone());
      }
      run.stages.add(new StoredStage(m, files));
      return m;
    }
  }

  @Override
  public List<StageManifest> stages(RunId id) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    synchronized (run.stages) {
      List<StageManifest> out = new ArrayList<>();
      for (StoredStage s : run.stages) {
        out.add(s.manifest());
      }
      out.sort(
          Comparator.comparingInt(StageManifest::position)
              .thenComparingInt(StageManifest::attempt));
      return out;
    }
  }

  private StoredStage stage(RunId id, String stageKey, int attempt) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    synchronized (run.stages) {
      for (StoredStage s : run.stages) {
        if (s.manifest().stageKey().equals(stageKey) && s.manifest().attempt() == attempt) {
          return s;
        }
      }
    }
    throw StageIntegrity.noSuchAttempt(id, stageKey, attempt);
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    StoredStage s = stage(id, stageKey, attempt);
    return StageIntegrity.read(
        s.manifest(), path, "memory store", StageIntegrity.Source.of(s.files()));
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    StoredStage s = stage(id, stageKey, attempt);
    return StageIntegrity.verify(
        s.manifest(), s.files().keySet(), "memory store", StageIntegrity.Source.of(s.files()));
  }

  @Override
  public Optional<Lease> readLease(RunId id) {
    MemRun run = runs.get(id);
    if (run == null) {
      return Optional.empty();
    }
    synchronized (run) {
      return Optional.ofNullable(run.lease);
    }
  }

  @Override
  public boolean compareAndSetLease(
      RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    synchronized (run) {
      if (!Objects.equals(Optional.ofNullable(run.lease), expected)) {
        return false;
      }
      run.lease = replacement.orElse(null);
      return true;
    }
  }

  @Override
  public boolean removeLease(RunId id, String owner) {
    MemRun run = runs.get(id);
    if (run == null) {
      return false;
    }
    synchronized (run) {
      if (run.lease == null || !run.lease.owner().equals(owner)) {
        return false;
      }
      run.lease = null;
      return true;
    }
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    List<Lease> out = new ArrayList<>();
    for (MemRun run : runs.values()) {
      synchronized (run) {
        if (run.lease != null && run.lease.isExpired(now)) {
          out.add(run.lease);
        }
      }
    }
    out.sort(Comparator.comparing(Lease::expiresAt).thenComparing(Lease::runId));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  @Override
  public boolean saveDocument(String collection, String id, String json) {
    return documents.putIfAbsent(collection + "\u0000" + id, json) == null;
  }

  @Override
  public Optional<String> findDocument(String collection, String id) {
    return Optional.ofNullable(documents.get(collection + "\u0000" + id));
  }

  @Override
  public void importRun(ImportedRun imported) {
    RunRecord record = imported.record();
    MemRun run = new MemRun(record, imported.head());
    try (EventStream events = imported.events()) {
      while (events.hasNext()) {
        RunEvent e = events.next();
        run.events.add(e);
        e.idempotencyKey().ifPresent(k -> run.byKey.putIfAbsent(k, e));
      }
    }
    for (StageManifest m : imported.stages()) {
      Map<String, byte[]> files = new HashMap<>();
      for (StageManifest.Entry f : m.files()) {
        files.put(f.path(), imported.stageFile(m, f.path()));
      }
      run.stages.add(new StoredStage(m, files));
    }
    synchronized (createLock) {
      MemRun existing = runs.get(record.id());
      if (imported.replacesStub()) {
        if (existing == null || existing.stub == null) {
          throw new IllegalStateException("run " + record.id() + " is not an archive stub");
        }
        runs.put(record.id(), run);
        return;
      }
      if (existing != null) {
        throw new RunAlreadyExistsException(record.id(), existing.record.trigger().triggerId());
      }
      RunId byTrigger = triggers.get(record.trigger().triggerId());
      if (byTrigger != null) {
        throw new RunAlreadyExistsException(byTrigger, record.trigger().triggerId());
      }
      runs.put(record.id(), run);
      triggers.put(record.trigger().triggerId(), record.id());
    }
  }

  @Override
  public boolean deleteRun(RunId id, long expectedLastSequence) {
    synchronized (createLock) {
      MemRun run = runs.get(id);
      if (run == null) {
        throw new RunNotFoundException(id);
      }
      synchronized (run) {
        if (run.head().lastSequence() != expectedLastSequence) {
          return false;
        }
        runs.remove(id);
        triggers.remove(run.record.trigger().triggerId(), id);
        return true;
      }
    }
  }

  @Override
  public boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    MemRun run = runs.get(id);
    if (run == null) {
      throw new RunNotFoundException(id);
    }
    synchronized (run) {
      RunHead head = run.head();
      if (head.lastSequence() != expectedLastSequence) {
        return false;
      }
      run.stubHead = head.asArchived();
      run.stub = stubJson;
      run.events.clear();
      run.byKey.clear();
      run.lease = null;
      synchronized (run.stages) {
        run.stages.clear();
      }
      return true;
    }
  }

  @Override
  public Optional<String> stub(RunId id) {
    MemRun run = runs.get(id);
    if (run == null) {
      return Optional.empty();
    }
    synchronized (run) {
      return Optional.ofNullable(run.stub);
    }
  }

  @Override
  public boolean deleteDocument(String collection, String id) {
    return documents.remove(collection + "\u0000" + id) != null;
  }

  @Override
  public List<StoredDocument> listDocuments(String collection, String afterId, int limit) {
    String prefix = collection + "\u0000";
    List<StoredDocument> out = new ArrayList<>();
    for (Map.Entry<String, String> e : documents.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        String id = e.getKey().substring(prefix.length());
        if (id.compareTo(afterId) > 0) {
          out.add(new StoredDocument(id, e.getValue()));
        }
      }
    }
    out.sort(Comparator.comparing(StoredDocument::id));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String format() {
    return "memory (nothing kept after close)";
  }

  @Override
  public void close() {
    runs.clear();
    triggers.clear();
  }
}
