package dev.runs.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.ArchivedRun;
import dev.runs.AuditEntry;
import dev.runs.CommitReport;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.HashChain;
import dev.runs.Lease;
import dev.runs.LimitExceededException;
import dev.runs.Payload;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunSelection;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunVerification;
import dev.runs.RunsException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreClosedException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.StoreLimits;
import dev.runs.StoreListener;
import dev.runs.StoreObserver;
import dev.runs.SubscribeOptions;
import dev.runs.Tombstone;
import dev.runs.ValidationException;
import dev.runs.internal.move.RunMoves;
import dev.runs.internal.support.JsonSupport;
import dev.runs.internal.support.Uuid7;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoreLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RunStore} every store module returns: the append path (validation, redaction, limits,
 * state machine, idempotency, expected sequence, group commit) over a {@link StorageEngine}.
 *
 * <p>Longer than our ~500-line guide on purpose: it is the one gate between the public API and an
 * engine, so each of {@code RunStore}'s methods checks its arguments, the open state and the
 * store's rules here, in one place, before the engine sees anything. The heavy parts live elsewhere
 * ({@link GroupCommitter}, {@link PlannedBatch}, {@link SubscriptionHub}, the SPI's {@code
 * StageSlots} and {@code StageIntegrity}); what remains is a few lines per method.
 *
 * <p>Thread-safe.
 */
public final class DefaultRunStore implements RunStore, RunMoves.Holder {
  private static final Logger log = LoggerFactory.getLogger(DefaultRunStore.class);
  private static final AtomicInteger STORE_NUMBERS = new AtomicInteger();

  private final StorageEngine engine;
  private final StoreLocation location;
  private final RunStoreOptions options;
  private final boolean hashChain;
  private final StoreLimits limits;
  private final GroupCommitter committer;
  private final Uuid7 ids;
  private final CopyOnWriteArrayList<StoreListener> listeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<StoreObserver> observers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean observerWarned = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean listenerWarned = new AtomicBoolean();
  private final SubscriptionHub hub;
  private final RunMoves moves;
  private final Optional<ArchiveStore> ownedArchive;

  /**
   * @param engine the engine; closed with this store
   * @param location where the store lives and its options
   */
  public DefaultRunStore(StorageEngine engine, StoreLocation location) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.location = Objects.requireNonNull(location, "location");
    this.options = location.options();
    this.hashChain = location.hashChain();
    this.limits = options.limits();
    this.ids = new Uuid7(options.clock());
    int lanes = options.commitLanes().orElse(Math.max(1, engine.preferredCommitLanes()));
    this.hub =
        new SubscriptionHub(
            this,
            new SubscriptionHub.Lifecycle() {
              @Override
              public void opened(RunSubscription s) {
                for (StoreObserver o : observers) {
                  try {
                    o.subscriptionOpened(s.view());
                  } catch (RuntimeException e) {
                    observerFailed(o, e);
                  }
                }
              }

              @Override
              public void closed(RunSubscription s) {
                for (StoreObserver o : observers) {
                  try {
                    o.subscriptionClosed(s.view());
                  } catch (RuntimeException e) {
                    observerFailed(o, e);
                  }
                }
              }
            });
    this.ownedArchive = location.archiveUri().map(ArchiveStores::open);
    this.moves =
        new RunMoves(
            engine,
            options,
            ids,
            ownedArchive.isPresent() ? ownedArchive : options.archive(),
            change -> {
              hub.externalChange(change);
              publish(change);
            });
    this.committer =
        new GroupCommitter(
            engine,
            options.clock(),
            hashChain,
            lanes,
            options.maxBatchEvents(),
            location.scheme() + "-" + STORE_NUMBERS.incrementAndGet(),
            new GroupCommitter.CommitListener() {
              @Override
              public void committed(
                  RunId runId, dev.runs.spi.RunHead head, List<RunEvent> written) {
                DefaultRunStore.this.committed(runId, head, written);
              }

              @Override
              public void groupCommitted(int appends, List<List<RunEvent>> written, long nanos) {
                observeCommit(appends, written, nanos);
              }

              @Override
              public void groupFailed(RuntimeException error, int appends) {
                observeFailure(error, appends);
              }
            });
    engine.watchExternalChanges(
        change -> {
          hub.externalChange(change);
          publish(change);
        });
    log.info(
        "run store opened: {} ({} commit lane{})",
        location.redacted(),
        lanes,
        lanes == 1 ? "" : "s");
  }

  private void committed(RunId runId, dev.runs.spi.RunHead head, List<RunEvent> written) {
    hub.committed(runId, written);
    publish(new RunChange(runId, head.lastSequence(), head.status(), false));
  }

  private void observeCommit(int appends, List<List<RunEvent>> written, long nanos) {
    if (observers.isEmpty()) {
      return;
    }
    List<RunEvent> all;
    if (written.size() == 1) {
      all = written.get(0);
    } else {
      all = new ArrayList<>();
      written.forEach(all::addAll);
    }
    CommitReport report = new CommitReport(appends, written.size(), Duration.ofNanos(nanos), all);
    for (StoreObserver o : observers) {
      try {
        o.committed(report);
      } catch (RuntimeException e) {
        observerFailed(o, e);
      }
    }
  }

  private void observeCreate(RunRecord record, RunEvent created) {
    for (StoreObserver o : observers) {
      try {
        o.created(record, created);
      } catch (RuntimeException e) {
        observerFailed(o, e);
      }
    }
  }

  private void observeFailure(RuntimeException error, int appends) {
    for (StoreObserver o : observers) {
      try {
        o.commitFailed(error, appends);
      } catch (RuntimeException e) {
        observerFailed(o, e);
      }
    }
  }

  private void observerFailed(StoreObserver o, RuntimeException e) {
    if (observerWarned.compareAndSet(false, true)) {
      log.warn("store observer {} failed (further failures are logged at debug)", o, e);
    } else {
      log.debug("store observer {} failed", o, e);
    }
  }

  private void publish(RunChange change) {
    for (StoreListener l : listeners) {
      try {
        l.onChange(change);
      } catch (RuntimeException e) {
        if (listenerWarned.compareAndSet(false, true)) {
          log.warn(
              "store listener {} failed on {} (further failures are logged at debug)",
              l,
              change,
              e);
        } else {
          log.debug("store listener {} failed on {}", l, change, e);
        }
      }
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new StoreClosedException("store is closed: " + location.redacted());
    }
  }

  // ---- runs
  // --------------------------------------------------------------------------------------

  @Override
  public CreateResult create(RunRecord record) {
    Objects.requireNonNull(record, "record");
    checkOpen();
    RunRecord stored =
        record
            .withConfig(options.redactor().redact(record.config()))
            .withCreatedAt(options.clock().instant());
    ObjectNode payload = JsonSupport.object();
    ObjectNode wf = payload.putObject("workflow");
    wf.put("name", stored.workflow().name());
    wf.put("version", stored.workflow().version());
    payload.put("config_sha256", stored.config().sha256());
    ObjectNode trig = payload.putObject("trigger");
    trig.put("source", stored.trigger().source().wireName());
    trig.put("trigger_id", stored.trigger().triggerId());
    stored.trigger().actor().ifPresent(a -> trig.put("actor", a));
    stored
        .lineage()
        .ifPresent(
            l -> {
              ObjectNode lin = payload.putObject("lineage");
              lin.put("parent_run_id", l.parentRunId().value());
              lin.put("relation", l.relation().wireName());
            });
    stored.recommendation().ifPresent(r -> payload.put("recommendation_id", r.recommendationId()));
    RunEvent created =
        new RunEvent(
            RunEvent.SCHEMA,
            EventId.of(ids.next()),
            stored.id(),
            1,
            EventTypes.RUN_CREATED,
            stored.createdAt(),
            Optional.empty(),
            OptionalInt.empty(),
            Optional.empty(),
            "store",
            Optional.empty(),
            Payload.of(payload),
            java.util.Map.of());
    if (hashChain) {
      created = created.withHash(Optional.of(HashChain.link(HashChain.genesis(stored), created)));
    }
    moves.refuseDeleted(stored.id(), "created again");
    CreateResult result = engine.create(stored, created);
    if (result.created()) {
      log.debug("run {} - created by trigger {}", stored.id(), stored.trigger().triggerId());
      publish(new RunChange(stored.id(), 1, RunStatus.CREATED, true));
      observeCreate(result.record(), created);
    }
    return result;
  }

  @Override
  public Optional<RunRecord> get(RunId id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    return engine.find(id);
  }

  @Override
  public Optional<RunRecord> findByTrigger(String triggerId) {
    Objects.requireNonNull(triggerId, "triggerId");
    checkOpen();
    return engine.findByTrigger(triggerId);
  }

  @Override
  public Optional<RunEntry> entry(RunId id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    return engine.entry(id);
  }

  // ---- appends
  // -----------------------------------------------------------------------------------

  @Override
  public RunEvent append(RunId runId, EventDraft draft) {
    return append(runId, List.of(draft), ExpectedSequence.any()).get(0);
  }

  @Override
  public List<RunEvent> append(RunId runId, List<EventDraft> drafts) {
    return append(runId, drafts, ExpectedSequence.any());
  }

  @Override
  public List<RunEvent> append(RunId runId, List<EventDraft> drafts, ExpectedSequence expected) {
    CompletableFuture<List<RunEvent>> f = submit(runId, drafts, expected, true);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          // the append is already queued and will be committed; wait for its outcome
          interrupted = true;
        } catch (ExecutionException e) {
          throw unwrap(e.getCause() == null ? e : e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static RuntimeException unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RuntimeException re) {
      return re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return new StoreIoException("append failed: " + t, t);
  }

  @Override
  public CompletableFuture<RunEvent> appendAsync(RunId runId, EventDraft draft) {
    return appendAsync(runId, List.of(draft), ExpectedSequence.any()).thenApply(l -> l.get(0));
  }

  @Override
  public CompletableFuture<List<RunEvent>> appendAsync(
      RunId runId, List<EventDraft> drafts, ExpectedSequence expected) {
    return submit(runId, drafts, expected, false);
  }

  private CompletableFuture<List<RunEvent>> submit(
      RunId runId, List<EventDraft> drafts, ExpectedSequence expected, boolean callerWaits) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(drafts, "drafts");
    Objects.requireNonNull(expected, "expected");
    checkOpen();
    List<EventDraft> prepared = prepare(runId, drafts);
    PendingAppend pending = new PendingAppend(runId, prepared, expected);
    committer.submit(pending, callerWaits);
    return pending.future;
  }

  /** Validates, redacts and checks limits in the caller's thread; returns the drafts to plan. */
  private List<EventDraft> prepare(RunId runId, List<EventDraft> drafts) {
    if (drafts.isEmpty()) {
      throw new ValidationException("run " + runId, "events", "an append needs at least one event");
    }
    if (drafts.size() > limits.maxEventsPerAppend()) {
      throw new LimitExceededException(
          "events", "maxEventsPerAppend", limits.maxEventsPerAppend(), drafts.size());
    }
    List<EventDraft> out = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      EventDraft d = Objects.requireNonNull(drafts.get(i), "drafts[" + i + "]");
      String context =
          "run " + runId + " event " + (i + 1) + " of " + drafts.size() + " (" + d.type() + ")";
      PayloadRules.checkAppendable(context, d.type());
      Payload redacted = options.redactor().redact(d.payload());
      @SuppressWarnings("ReferenceEquality") // a redactor returns the same instance when unchanged
      boolean changed = redacted != d.payload();
      if (changed) {
        redacted = markRedactedOutput(d, redacted);
        d = d.withPayload(redacted);
      }
      // UTF-8 needs at most 3 bytes per UTF-16 char: count exactly only when that could matter
      int bytes =
          redacted.json().length() * 3L <= limits.maxPayloadBytes() ? 0 : redacted.utf8Length();
      if (bytes > limits.maxPayloadBytes()) {
        throw new LimitExceededException(
            context, "payload", "maxPayloadBytes", limits.maxPayloadBytes(), bytes);
      }
      ObjectNode tree = redacted.toJsonNode();
      int depth = JsonSupport.depth(tree);
      if (depth > limits.maxJsonDepth()) {
        throw new LimitExceededException(
            context, "payload", "maxJsonDepth", limits.maxJsonDepth(), depth);
      }
      PayloadRules.check(context, d, tree);
      out.add(d);
    }
    return out;
  }

  /**
   * Adds {@code "output_redacted": true} to a {@code step.completed} whose {@code output} the
   * redactor changed, so that a resume or replay knows the log does not hold what the step returned
   * and runs the step again instead of handing the masked output back to the workflow.
   *
   * @param draft the draft as the caller gave it
   * @param redacted its payload after redaction, known to differ from the draft's
   * @return {@code redacted}, marked when its output differs from the draft's
   */
  private static Payload markRedactedOutput(EventDraft draft, Payload redacted) {
    if (!draft.type().equals(EventTypes.STEP_COMPLETED)) {
      return redacted;
    }
    ObjectNode after = redacted.toJsonNode();
    if (Objects.equals(draft.payload().toJsonNode().get("output"), after.get("output"))) {
      return redacted;
    }
    after.put("output_redacted", true);
    return Payload.of(after);
  }

  // ---- reads
  // -------------------------------------------------------------------------------------

  @Override
  public EventStream read(RunId runId, long afterSequence) {
    Objects.requireNonNull(runId, "runId");
    checkAfter(afterSequence);
    checkOpen();
    return moves.read(runId, afterSequence, () -> engine.read(runId, afterSequence));
  }

  @Override
  public List<RunEvent> read(RunId runId, long afterSequence, int limit) {
    if (limit < 1) {
      throw new ValidationException("limit", "must be at least 1 but was " + limit);
    }
    List<RunEvent> out = new ArrayList<>(Math.min(limit, 1024));
    try (EventStream s = read(runId, afterSequence)) {
      while (out.size() < limit && s.hasNext()) {
        out.add(s.next());
      }
    }
    return out;
  }

  private static void checkAfter(long afterSequence) {
    if (afterSequence < 0) {
      throw new ValidationException("after", "must be 0 or more but was " + afterSequence);
    }
  }

  @Override
  public RunState state(RunId runId) {
    try (EventStream s = read(runId, 0)) {
      RunState.Folder f = new RunState.Folder(runId);
      while (s.hasNext()) {
        f.accept(s.next());
      }
      if (f.lastSequence() == 0) {
        throw new RunNotFoundException(runId);
      }
      return f.snapshot();
    }
  }

  @Override
  public RunVerification verify(RunId runId) {
    RunEntry entry = entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
    // Events after the entry's last sequence were appended after the entry was read: the fold
    // compared with it stops there. The log is read to its end all the same, to tell a cached head
    // behind its log from a run appended to meanwhile (a commit moves a run's log and its cached
    // head together, so an entry read again after the log is behind the log's end only when the
    // cache is).
    long cached = entry.lastSequence();
    RunState.Folder folder = new RunState.Folder(runId);
    long logEnd = 0;
    try (EventStream events = read(runId, 0)) {
      while (events.hasNext()) {
        RunEvent e = events.next();
        logEnd = e.sequence();
        if (e.sequence() <= cached || folder.lastSequence() == 0) {
          folder.accept(e);
        }
      }
    }
    if (logEnd == 0) {
      throw new RunNotFoundException(runId);
    }
    RunState state = folder.snapshot();
    long reread = cached;
    if (logEnd > cached) {
      reread = entry(runId).map(RunEntry::lastSequence).orElse(cached);
    }
    List<String> problems = new ArrayList<>();
    if (entry.status() != state.status()) {
      problems.add(
          "cached status "
              + entry.status().wireName()
              + " but the events fold to "
              + state.status().wireName());
    }
    if (logEnd < cached || reread < logEnd) {
      problems.add(
          "cached last sequence " + Math.min(cached, reread) + " but the log ends at " + logEnd);
    }
    // the head is read after the log: compare it only while the run has not moved on from the
    // entry (sequences only grow), so a run appended to during verify shows no problem
    boolean still = entry.lastSequence() == state.lastSequence();
    state
        .lastEventTime()
        .filter(t -> still && !t.equals(entry.updatedAt()))
        .ifPresent(
            t ->
                problems.add(
                    "cached update time " + entry.updatedAt() + " but the last event is at " + t));
    HashChain.Result chain;
    try (EventStream events = read(runId, 0)) {
      chain = HashChain.verify(entry.record(), events);
    }
    if (!chain.intact()) {
      problems.add("hash chain: " + chain.detail());
    } else {
      engine
          .head(runId)
          .filter(h -> still && h.lastSequence() == entry.lastSequence())
          .filter(h -> !h.lastHash().equals(chain.headHash()))
          .ifPresent(
              h ->
                  problems.add(
                      "cached head link "
                          + h.lastHash().orElse("(none)")
                          + " but the chain ends at "
                          + chain.headHash().orElse("(none)")
                          + ": the next append would link to the cached one"));
    }
    problems.addAll(engine.indexProblems(entry));
    return new RunVerification(
        runId, entry.status(), state.status(), entry.lastSequence(), logEnd, problems, chain);
  }

  @Override
  public RunPage list(RunQuery query) {
    Objects.requireNonNull(query, "query");
    checkOpen();
    return engine.list(query);
  }

  // ---- stages
  // ------------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId runId, StageWrite write) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(write, "write");
    checkOpen();
    if (engine.find(runId).isEmpty()) {
      throw new RunNotFoundException(runId);
    }
    StageWrite redacted = write;
    String context = "run " + runId + " stage " + write.stageKey();
    if (write.input().isPresent()) {
      checkDepth(context, "input", write.input().get());
      redacted = redacted.withInput(options.redactor().redact(write.input().get()));
    }
    if (write.output().isPresent()) {
      checkDepth(context, "output", write.output().get());
      redacted = redacted.withOutput(options.redactor().redact(write.output().get()));
    }
    return engine.writeStage(runId, redacted, options.clock().instant());
  }

  /** Applies {@link StoreLimits#maxJsonDepth()} to JSON a stage write carries. */
  private void checkDepth(String context, String field, Payload json) {
    int depth = JsonSupport.depthUpTo(json.toJsonNode(), limits.maxJsonDepth());
    if (depth > limits.maxJsonDepth()) {
      throw new LimitExceededException(
          context, field, "maxJsonDepth", limits.maxJsonDepth(), depth);
    }
  }

  @Override
  public List<StageManifest> stages(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    if (engine.find(runId).isEmpty()) {
      throw moves.notFound(runId, new RunNotFoundException(runId), "read");
    }
    List<StageManifest> local = engine.stages(runId);
    // an archived run has no stages in the engine: only then ask whether the archive holds them
    List<StageManifest> found = local.isEmpty() ? moves.archivedStages(runId).orElse(local) : local;
    for (StageManifest m : found) {
      if (!m.runId().equals(runId)) {
        throw new StoreCorruptedException(
            engine.describe()
                + ": the manifest of stage '"
                + m.stageKey()
                + "' attempt "
                + m.attempt()
                + " of run "
                + runId
                + " says run "
                + m.runId());
      }
    }
    return found;
  }

  @Override
  public byte[] readStageFile(RunId runId, String stageKey, int attempt, String path) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stageKey, "stageKey");
    Objects.requireNonNull(path, "path");
    checkOpen();
    StageWrite.checkStageKey(stageKey);
    StageIntegrity.checkPath(path);
    try {
      return engine.readStageFile(runId, stageKey, attempt, path);
    } catch (RunsException e) {
      // an archived run's files are not in the engine: only then look in the archive
      return moves.archivedStageFile(runId, stageKey, attempt, path).orElseThrow(() -> e);
    }
  }

  @Override
  public StageVerification verifyStage(RunId runId, String stageKey, int attempt) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stageKey, "stageKey");
    checkOpen();
    StageWrite.checkStageKey(stageKey);
    try {
      return engine.verifyStage(runId, stageKey, attempt);
    } catch (RunsException e) {
      return moves.archivedVerifyStage(runId, stageKey, attempt).orElseThrow(() -> e);
    }
  }

  // ---- leases and documents --------------------------------------------------------------------

  @Override
  public Optional<Lease> acquireLease(RunId runId, String owner, Duration ttl) {
    checkLeaseArgs(runId, owner, ttl);
    requireRun(runId);
    for (int i = 0; i < 100; i++) {
      Optional<Lease> current = engine.readLease(runId);
      Instant now = options.clock().instant();
      if (current.isPresent()
          && !current.get().owner().equals(owner)
          && !current.get().isExpired(now)) {
        return Optional.empty();
      }
      Lease next = new Lease(runId, owner, now.plus(ttl));
      if (engine.compareAndSetLease(runId, current, Optional.of(next))) {
        return Optional.of(next);
      }
    }
    throw new StoreIoException(
        "run " + runId + ": lease kept changing under 100 attempts to acquire it");
  }

  @Override
  public Optional<Lease> renewLease(RunId runId, String owner, Duration ttl) {
    checkLeaseArgs(runId, owner, ttl);
    Optional<Lease> current = engine.readLease(runId);
    if (current.isEmpty() || !current.get().owner().equals(owner)) {
      return Optional.empty();
    }
    Lease next = new Lease(runId, owner, options.clock().instant().plus(ttl));
    return engine.compareAndSetLease(runId, current, Optional.of(next))
        ? Optional.of(next)
        : Optional.empty();
  }

  @Override
  public void releaseLease(RunId runId, String owner) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    checkOpen();
    // one conditional delete on the owner: the owner's own renewals (the orchestrator's lease
    // thread) change the expiry, which a compare-and-set on the whole lease could keep missing
    engine.removeLease(runId, owner);
  }

  @Override
  public Optional<Lease> lease(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    return engine.readLease(runId);
  }

  @Override
  public List<Lease> expiredLeases(int limit) {
    if (limit < 1) {
      throw new ValidationException("limit", "must be at least 1 but was " + limit);
    }
    checkOpen();
    return engine.expiredLeases(options.clock().instant(), limit);
  }

  private void checkLeaseArgs(RunId runId, String owner, Duration ttl) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(ttl, "ttl");
    checkOpen();
    if (ttl.isNegative() || ttl.isZero()) {
      throw new ValidationException("ttl", "must be positive but was " + ttl);
    }
    new Lease(runId, owner, Instant.EPOCH); // validates the owner
  }

  private void requireRun(RunId runId) {
    if (engine.find(runId).isEmpty()) {
      throw new RunNotFoundException(runId);
    }
  }

  @Override
  public void saveDocument(String collection, String id, Payload json) {
    checkDocumentKey(collection, id);
    Objects.requireNonNull(json, "json");
    checkOpen();
    Payload redacted = options.redactor().redact(json);
    if (redacted.utf8Length() > limits.maxPayloadBytes()) {
      throw new LimitExceededException(
          "document", "maxPayloadBytes", limits.maxPayloadBytes(), redacted.utf8Length());
    }
    if (!engine.saveDocument(collection, id, redacted.json())) {
      throw new ValidationException(
          "document", collection + "/" + id + " already exists; documents are immutable");
    }
  }

  @Override
  public Optional<Payload> findDocument(String collection, String id) {
    checkDocumentKey(collection, id);
    checkOpen();
    return engine
        .findDocument(collection, id)
        .map(
            json -> {
              try {
                return Payload.of(json);
              } catch (ValidationException e) {
                // the store's copy is damaged; the caller asked nothing wrong
                throw new StoreCorruptedException(
                    "document "
                        + collection
                        + "/"
                        + id
                        + " in "
                        + engine.describe()
                        + " is damaged: "
                        + e.getMessage(),
                    e);
              }
            });
  }

  private static void checkDocumentKey(String collection, String id) {
    Objects.requireNonNull(collection, "collection");
    Objects.requireNonNull(id, "id");
    if (!collection.matches("[a-z0-9_-]{1,64}")) {
      throw new ValidationException(
          "collection", "'" + collection + "' must be 1 to 64 of a-z, 0-9, '_', '-'");
    }
    if (id.isEmpty() || id.length() > 200 || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new ValidationException("document id", "must be 1 to 200 printable characters");
    }
  }

  // ---- runs that move
  // ---------------------------------------------------------------------------

  @Override
  public Tombstone delete(RunId runId, String reason) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(reason, "reason");
    checkOpen();
    return moves.delete(runId, reason);
  }

  @Override
  public List<Tombstone> delete(RunSelection selection, String reason) {
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(reason, "reason");
    checkOpen();
    return moves.delete(this, selection, reason);
  }

  @Override
  public Optional<Tombstone> tombstone(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    return moves.tombstone(runId);
  }

  @Override
  public Optional<ArchivedRun> archived(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    checkOpen();
    return moves.archived(runId);
  }

  @Override
  public List<AuditEntry> auditLog(String afterId, int limit) {
    checkOpen();
    return moves.auditLog(afterId, limit);
  }

  /**
   * @return the operations bundles and the archiver need beyond the public API
   * @throws StoreClosedException when the store is closed
   */
  @Override
  public RunMoves moves() {
    checkOpen();
    return moves;
  }

  // ---- watching and lifecycle
  // --------------------------------------------------------------------

  @Override
  public Flow.Publisher<RunEvent> subscribe(
      RunId runId, long afterSequence, SubscribeOptions options) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(options, "options");
    checkAfter(afterSequence);
    checkOpen();
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber");
      new RunSubscription(hub, runId, afterSequence, options, subscriber).start();
    };
  }

  @Override
  public Registration watch(StoreListener listener) {
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public Registration observe(StoreObserver observer) {
    Objects.requireNonNull(observer, "observer");
    checkOpen();
    observers.add(observer);
    return () -> observers.remove(observer);
  }

  @Override
  public String location() {
    return location.redacted();
  }

  @Override
  public String format() {
    return engine.format();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      committer.shutdown();
      hub.close();
    } finally {
      try {
        engine.close();
      } catch (RunsException e) {
        log.warn("closing {} failed", location.redacted(), e);
      }
      ownedArchive.ifPresent(ArchiveStore::close);
      listeners.clear();
      observers.clear();
      log.info("run store closed: {}", location.redacted());
    }
  }

  @Override
  public String toString() {
    return "RunStore[" + location.redacted() + "]";
  }
}
