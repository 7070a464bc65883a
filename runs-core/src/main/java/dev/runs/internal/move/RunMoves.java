package dev.runs.internal.move;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.ArchivedRun;
import dev.runs.AuditEntry;
import dev.runs.EventStream;
import dev.runs.HashChain;
import dev.runs.RunActiveException;
import dev.runs.RunChange;
import dev.runs.RunDeletedException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunSelection;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunsException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StoreCorruptedException;
import dev.runs.Tombstone;
import dev.runs.ValidationException;
import dev.runs.internal.support.Uuid7;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoredDocument;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a store does for runs that move, beside its append path: tombstones and deletion, the audit
 * log, reads of archived runs from the archive, and the engine calls imports, archiving and
 * restores make. One per store; thread-safe.
 */
public final class RunMoves {
  private static final Logger log = LoggerFactory.getLogger(RunMoves.class);

  /** Document collection of tombstones, by run id. */
  public static final String TOMBSTONES = "runs_tombstones";

  /** Document collection of the audit log, by time-ordered id. */
  public static final String AUDIT = "runs_audit";

  private final StorageEngine engine;
  private final RunStoreOptions options;
  private final Uuid7 ids;
  private final Optional<ArchiveStore> archive;
  private final Consumer<RunChange> changed;

  /**
   * @param engine the store's engine
   * @param options the store's options (clock)
   * @param ids id source for audit entries
   * @param archive where archived runs are read from, if anywhere
   * @param changed told of runs that appear through an import or restore
   */
  public RunMoves(
      StorageEngine engine,
      RunStoreOptions options,
      Uuid7 ids,
      Optional<ArchiveStore> archive,
      Consumer<RunChange> changed) {
    this.engine = engine;
    this.options = options;
    this.ids = ids;
    this.archive = archive;
    this.changed = changed;
  }

  /** A store that has moves: the store the core builds over an engine. */
  public interface Holder {
    /**
     * @return the store's moves
     */
    RunMoves moves();
  }

  /**
   * The moves of a store, for bundles and the archiver.
   *
   * @param store a store opened through {@link dev.runs.RunStores}
   * @return its moves
   * @throws IllegalArgumentException for another implementation of {@link RunStore}
   */
  public static RunMoves of(RunStore store) {
    Objects.requireNonNull(store, "store");
    if (!(store instanceof Holder h)) {
      throw new IllegalArgumentException(
          "bundles and archives need a store opened through RunStores, not "
              + store.getClass().getName());
    }
    return h.moves();
  }

  /**
   * @return the engine, for the archiver and bundles
   */
  public StorageEngine engine() {
    return engine;
  }

  /**
   * @return the store's options
   */
  public RunStoreOptions options() {
    return options;
  }

  /**
   * @return the archive archived runs are read from
   */
  public Optional<ArchiveStore> archive() {
    return archive;
  }

  // ---- tombstones and the audit log
  // ----------------------------------------------------------------

  /**
   * @param id a run
   * @return its tombstone when it was deleted
   */
  public Optional<Tombstone> tombstone(RunId id) {
    return engine.findDocument(TOMBSTONES, id.value()).map(json -> MoveJson.tombstone(id, json));
  }

  /**
   * Turns a missing run into a {@link RunDeletedException} when it was deleted.
   *
   * @param id the run
   * @param e the engine's exception
   * @param action what was refused, for the message
   * @return the exception to throw
   */
  public RunNotFoundException notFound(RunId id, RunNotFoundException e, String action) {
    if (e instanceof RunDeletedException) {
      return e;
    }
    Optional<Tombstone> t = tombstone(id);
    return t.isPresent() ? new RunDeletedException(t.get(), action) : e;
  }

  /**
   * Refuses an id that was deleted.
   *
   * @param id the run id about to be created or imported
   * @param action what is refused
   */
  public void refuseDeleted(RunId id, String action) {
    Optional<Tombstone> t = tombstone(id);
    if (t.isPresent()) {
      throw new RunDeletedException(t.get(), action);
    }
  }

  /**
   * Writes an audit entry.
   *
   * @param action what happened
   * @param id to which run
   * @param detail reason, location or source
   */
  public void audit(String action, RunId id, Optional<String> detail) {
    String json = MoveJson.audit(options.clock().instant(), action, id, detail);
    engine.saveDocument(AUDIT, ids.next().toString(), json);
  }

  /**
   * @param afterId list entries after this id; empty for the first
   * @param limit most entries
   * @return entries in the order written
   */
  public List<AuditEntry> auditLog(String afterId, int limit) {
    Objects.requireNonNull(afterId, "afterId");
    if (limit < 1 || limit > 10_000) {
      throw new ValidationException("limit", "must be 1 to 10000 but was " + limit);
    }
    List<AuditEntry> out = new ArrayList<>();
    for (StoredDocument d : engine.listDocuments(AUDIT, afterId, limit)) {
      out.add(MoveJson.audit(d.id(), d.json()));
    }
    return out;
  }

  // ---- deletion
  // ------------------------------------------------------------------------------------

  /**
   * Deletes a terminal run: tombstone first, then the run, then its archive copy.
   *
   * @param id the run
   * @param reason why
   * @return the tombstone
   */
  public Tombstone delete(RunId id, String reason) {
    Tombstone.checkReason(reason);
    for (int attempt = 0; attempt < 100; attempt++) {
      Optional<RunEntry> entry = engine.entry(id);
      if (entry.isEmpty()) {
        Optional<Tombstone> gone = tombstone(id);
        if (gone.isEmpty()) {
          throw new RunNotFoundException(id);
        }
        gone.get().archive().ifPresent(prefix -> removeArchiveCopy(id, prefix));
        return gone.get();
      }
      if (!entry.get().status().isTerminal()) {
        throw new RunActiveException(id, entry.get().status(), "deleted");
      }
      Optional<String> prefix = engine.stub(id).map(s -> MoveJson.stub(id, s).archived().prefix());
      Tombstone t = new Tombstone(id, options.clock().instant(), reason, prefix);
      engine.deleteDocument(TOMBSTONES, id.value());
      engine.saveDocument(TOMBSTONES, id.value(), MoveJson.tombstone(t));
      if (!engine.deleteRun(id, entry.get().lastSequence())) {
        engine.deleteDocument(TOMBSTONES, id.value());
        continue; // an append raced the delete: look again
      }
      audit("deleted", id, Optional.of(reason));
      log.info("run {} - deleted ({})", id, reason);
      prefix.ifPresent(p -> removeArchiveCopy(id, p));
      return t;
    }
    throw new RunsException("run " + id + " kept changing under 100 attempts to delete it");
  }

  private void removeArchiveCopy(RunId id, String prefix) {
    ArchiveStore a =
        archive.orElseThrow(
            () ->
                new ArchiveUnavailableException(
                    "run "
                        + id
                        + " is deleted from the store, but its archive copy under "
                        + prefix
                        + " stays: the store has no archive to remove it from; open the store"
                        + " with its archive and delete the run again"));
    try {
      a.delete(prefix + ArchiveLayout.MANIFEST);
      for (String key : a.list(prefix)) {
        a.delete(key);
      }
    } catch (ArchiveUnavailableException e) {
      throw new ArchiveUnavailableException(
          "run "
              + id
              + " is deleted from the store, but removing its archive copy failed; delete the run"
              + " again to retry: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Deletes every terminal run a selection selects.
   *
   * @param store the store
   * @param selection which runs
   * @param reason why
   * @return the tombstones, newest run first
   */
  public List<Tombstone> delete(RunStore store, RunSelection selection, String reason) {
    Tombstone.checkReason(reason);
    List<RunEntry> selected = Selections.list(store, selection);
    for (RunEntry e : selected) {
      if (!e.status().isTerminal()) {
        throw new RunActiveException(e.id(), e.status(), "deleted (nothing was deleted)");
      }
    }
    List<Tombstone> out = new ArrayList<>();
    for (RunEntry e : selected) {
      out.add(delete(e.id(), reason));
    }
    return out;
  }

  // ---- archived runs
  // -------------------------------------------------------------------------------

  /**
   * @param id a run
   * @return where its archive copy is, when it is archived
   */
  public Optional<ArchivedRun> archived(RunId id) {
    return engine.stub(id).map(s -> MoveJson.stub(id, s).archived());
  }

  Optional<MoveJson.Stub> stub(RunId id) {
    return engine.stub(id).map(s -> MoveJson.stub(id, s));
  }

  /**
   * The archive to read a stub's run from.
   *
   * @param id the run
   * @param stub its stub
   * @return the store's archive
   * @throws ArchiveUnavailableException when the store has none
   */
  ArchiveStore archiveFor(RunId id, MoveJson.Stub stub) {
    return archive.orElseThrow(
        () ->
            new ArchiveUnavailableException(
                "run "
                    + id
                    + " is archived in "
                    + stub.archived().archive()
                    + ", but this store has no archive configured: open the store with"
                    + " ?archive=<archive URI> or RunStoreOptions.Builder.archive"));
  }

  /**
   * Reads a run's events, from the archive when the run is archived. The engine is asked first; an
   * engine's empty or failing read of a stub's run switches to the archive.
   *
   * @param id the run
   * @param after sequence to read after
   * @param local opens the engine's read
   * @return the events
   */
  public EventStream read(RunId id, long after, Supplier<EventStream> local) {
    EventStream s;
    try {
      s = local.get();
    } catch (RunNotFoundException e) {
      throw notFound(id, e, "read");
    } catch (RunsException e) {
      Optional<MoveJson.Stub> stub = stub(id);
      if (stub.isPresent()) {
        return archivedEvents(id, stub.get(), after);
      }
      throw e;
    }
    return new SwitchingStream(id, after, s);
  }

  /** An engine stream that turns to the archive when the engine has nothing for a stub. */
  private final class SwitchingStream implements EventStream {
    private final RunId id;
    private final long after;
    private EventStream current;
    private boolean decided;

    SwitchingStream(RunId id, long after, EventStream local) {
      this.id = id;
      this.after = after;
      this.current = local;
    }

    @Override
    public boolean hasNext() {
      if (decided) {
        return current.hasNext();
      }
      boolean has;
      try {
        has = current.hasNext();
      } catch (RunsException e) {
        if (switchToArchive()) {
          return current.hasNext();
        }
        throw e;
      }
      if (has) {
        decided = true;
        return true;
      }
      if (switchToArchive()) {
        return current.hasNext();
      }
      decided = true;
      return false;
    }

    private boolean switchToArchive() {
      decided = true;
      Optional<MoveJson.Stub> stub = stub(id);
      if (stub.isEmpty()) {
        return false;
      }
      current.close();
      current = archivedEvents(id, stub.get(), after);
      return true;
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }

    @Override
    public void close() {
      current.close();
    }
  }

  private EventStream archivedEvents(RunId id, MoveJson.Stub stub, long after) {
    ArchiveStore a = archiveFor(id, stub);
    String key = stub.archived().prefix() + ArchiveLayout.EVENTS;
    String where = "archive " + a.location() + " object " + key;
    @Nullable String genesis = engine.find(id).map(HashChain::genesis).orElse(null);
    InputStream in = ArchiveLayout.open(a, key);
    EventLines.Reader reader =
        new EventLines.Reader(
            new LineInput(in, EventLines.MAX_LINE),
            id,
            1,
            false,
            (line, reason, cause) ->
                EventLines.corrupted(where + " line " + line + ": " + reason, cause),
            genesis,
            EventLines.Reader.defaultThreads());
    return new ArchivedEvents(reader, where, stub, after);
  }

  /**
   * The events of an archived run, read from the archive's copy and checked as they go: each
   * chained event against its hash chain link (from the run's genesis), and at the end the count
   * and the last link against the head the store archived. The lines of a run whose chain does not
   * start at its first event are hashed instead, and their count and sha256 compared at the end. A
   * stream closed before its end that handed out an event no link vouches for reads the rest on
   * close, so such a page is checked as a whole read is.
   */
  private static final class ArchivedEvents implements EventStream {
    private final EventLines.Reader reader;
    private final String where;
    private final MoveJson.Stub stub;
    private final long after;
    private @Nullable RunEvent pending;
    private boolean chained;
    private boolean linkedFromTheStart;
    private @Nullable String lastLink;
    private boolean handedOutUnchecked;
    private boolean checked;

    ArchivedEvents(EventLines.Reader reader, String where, MoveJson.Stub stub, long after) {
      this.reader = reader;
      this.where = where;
      this.stub = stub;
      this.after = after;
    }

    @Override
    public boolean hasNext() {
      try {
        while (pending == null) {
          if (!reader.hasNext()) {
            checkWhole();
            return false;
          }
          RunEvent e = reader.next();
          boolean linked = checkLink(e);
          if (e.sequence() > after) {
            handedOutUnchecked |= !linked;
            pending = e;
          }
        }
        return true;
      } catch (RuntimeException e) {
        checked = true; // refused already: close has nothing left to check
        throw e;
      }
    }

    /**
     * @return whether the event's hash chain link vouches for it
     */
    private boolean checkLink(RunEvent e) {
      long line = reader.lineOfLast();
      if (line == 1 && e.sequence() != 1) {
        throw corrupted(line, "the first event has sequence " + e.sequence() + ", not 1");
      }
      Optional<String> hash = e.hash();
      if (hash.isEmpty()) {
        if (chained) {
          throw corrupted(
              line,
              "sequence "
                  + e.sequence()
                  + " has no hash although sequence "
                  + (e.sequence() - 1)
                  + " is chained");
        }
        return false;
      }
      @Nullable String link = reader.link();
      if (link == null) {
        return false; // no genesis: the run's record is not here to start the chain from
      }
      if (!link.equals(hash.get())) {
        throw corrupted(line, "sequence " + e.sequence() + " does not match its hash chain link");
      }
      if (line == 1) {
        // every later event must be chained too, so the links check the lines: no sha256 needed
        linkedFromTheStart = true;
        reader.stopDigest();
      }
      chained = true;
      lastLink = link;
      return true;
    }

    private StoreCorruptedException corrupted(long line, String reason) {
      return new StoreCorruptedException(where + " line " + line + ": " + reason);
    }

    private void checkWhole() {
      if (checked) {
        return;
      }
      checked = true;
      ArchivedRun archived = stub.archived();
      if (linkedFromTheStart) {
        Optional<String> head = stub.head().lastHash();
        if (reader.count() != archived.eventCount()
            || head.isEmpty()
            || !head.get().equals(lastLink)) {
          throw new StoreCorruptedException(
              where
                  + " holds "
                  + reader.count()
                  + " events ending in hash chain link "
                  + lastLink
                  + ", but the store archived "
                  + archived.eventCount()
                  + " ending in "
                  + head.orElse("no link"));
        }
        return;
      }
      if (reader.count() != archived.eventCount()
          || !reader.sha256().equals(archived.eventsSha256())) {
        throw new StoreCorruptedException(
            where
                + " holds "
                + reader.count()
                + " events with sha256 "
                + reader.sha256()
                + ", but the store archived "
                + archived.eventCount()
                + " with sha256 "
                + archived.eventsSha256());
      }
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e = Objects.requireNonNull(pending);
      pending = null;
      return e;
    }

    @Override
    public void close() {
      try {
        if (handedOutUnchecked && !checked) {
          // no link vouched for what was handed out: check the whole copy, as a full read does
          pending = null;
          while (reader.hasNext()) {
            var unused = reader.next();
          }
          checkWhole();
        }
      } finally {
        reader.close();
      }
    }
  }

  /**
   * @param id a run
   * @return the stage manifests from the archive when the run is archived
   */
  public Optional<List<StageManifest>> archivedStages(RunId id) {
    Optional<MoveJson.Stub> stub = stub(id);
    if (stub.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(manifest(id, stub.get()).stages());
  }

  ArchiveLayout.Manifest manifest(RunId id, MoveJson.Stub stub) {
    ArchiveStore a = archiveFor(id, stub);
    String key = stub.archived().prefix() + ArchiveLayout.MANIFEST;
    byte[] bytes = ArchiveLayout.readAll(a, key);
    String sha = dev.runs.spi.Sha256.hex(bytes);
    if (!sha.equals(stub.manifestSha256())) {
      throw new StoreCorruptedException(
          "archive "
              + a.location()
              + " object "
              + key
              + " has sha256 "
              + sha
              + " but the store archived "
              + stub.manifestSha256());
    }
    return ArchiveLayout.decode(id, bytes, a.location() + " " + key);
  }

  /**
   * Reads a stage file of an archived run, checked against its manifest.
   *
   * @param id the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param path the file
   * @return the bytes, when the run is archived
   */
  public Optional<byte[]> archivedStageFile(RunId id, String stageKey, int attempt, String path) {
    Optional<MoveJson.Stub> stub = stub(id);
    if (stub.isEmpty()) {
      return Optional.empty();
    }
    StageManifest m = archivedAttempt(id, stub.get(), stageKey, attempt);
    ArchiveStore a = archiveFor(id, stub.get());
    String dir = stub.get().archived().prefix() + ArchiveLayout.stageDir(m);
    return Optional.of(StageIntegrity.read(m, path, a.location(), p -> a.open(dir + p)));
  }

  /**
   * Verifies a stage attempt of an archived run.
   *
   * @param id the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @return the verification, when the run is archived
   */
  public Optional<StageVerification> archivedVerifyStage(RunId id, String stageKey, int attempt) {
    Optional<MoveJson.Stub> stub = stub(id);
    if (stub.isEmpty()) {
      return Optional.empty();
    }
    StageManifest m = archivedAttempt(id, stub.get(), stageKey, attempt);
    ArchiveStore a = archiveFor(id, stub.get());
    String dir = stub.get().archived().prefix() + ArchiveLayout.stageDir(m);
    List<String> stored = new ArrayList<>();
    for (String key : a.list(dir)) {
      String rel = key.substring(dir.length());
      if (!rel.equals(StageIntegrity.MANIFEST)) {
        stored.add(rel);
      }
    }
    return Optional.of(StageIntegrity.verify(m, stored, a.location(), p -> a.open(dir + p)));
  }

  private StageManifest archivedAttempt(
      RunId id, MoveJson.Stub stub, String stageKey, int attempt) {
    for (StageManifest m : manifest(id, stub).stages()) {
      if (m.stageKey().equals(stageKey) && m.attempt() == attempt) {
        return m;
      }
    }
    throw StageIntegrity.noSuchAttempt(id, stageKey, attempt);
  }

  // ---- engine writes of moving runs
  // ----------------------------------------------------------------

  /**
   * Stores an imported or restored run and tells listeners.
   *
   * @param run the run, checked
   */
  public void importRun(ImportedRun run) {
    engine.importRun(run);
    changed.accept(
        new RunChange(
            run.record().id(),
            run.head().lastSequence(),
            run.head().status(),
            !run.replacesStub()));
  }

  /**
   * Replaces a run with its stub.
   *
   * @param id the run
   * @param lastSequence the last sequence archived
   * @param stub the stub
   * @return false when the run moved on
   */
  boolean stubRun(RunId id, long lastSequence, MoveJson.Stub stub) {
    return engine.stubRun(id, lastSequence, MoveJson.stub(stub));
  }
}
