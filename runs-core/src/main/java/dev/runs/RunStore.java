package dev.runs;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A store of runs: records written once, an append-only event log per run, stage outputs with
 * manifests. Open one with {@link RunStores#open(String)}; stores differ in their medium ({@code
 * memory:}, {@code sqlite:}, {@code file:}, {@code postgres:}), never in behaviour, which the
 * conformance suite in {@code runs-testkit} pins down.
 *
 * <p><b>Appends.</b> Every append is validated (envelope, taxonomy payload rules, limits), redacted
 * and checked against the run state machine and the optional expected sequence; then concurrent
 * appends from all threads are gathered into one store commit (group commit). Each caller gets back
 * exactly its own events, in order, once they are durable. An append is atomic: all its events are
 * written, or none and the caller gets the exception. A draft whose idempotency key the run has
 * seen returns the first event with that key instead of writing again.
 *
 * <p><b>Threads.</b> Implementations are thread-safe. Futures from {@code appendAsync} complete on
 * the thread that committed them (a store commit thread, or a blocking appender that committed a
 * batch it was part of): attach slow follow-up work with the {@code ...Async} methods of {@link
 * CompletableFuture}. After {@link #close()} every method throws {@link StoreClosedException} (an
 * {@link IllegalStateException}), and appends still queued fail with it.
 */
public interface RunStore extends AutoCloseable {

  /**
   * Creates a run: writes its record and its first event, {@code run.created} (sequence 1). The
   * config snapshot is redacted first. Idempotent per trigger: if a run with the same trigger id
   * exists, that run is returned with {@code created == false} and nothing is written.
   *
   * @param record the record; its creation time is replaced by the store's clock
   * @return the stored record and whether this call created it
   * @throws RunAlreadyExistsException when the id is taken by a run with another trigger id
   * @throws StoreIoException when the store cannot write
   */
  CreateResult create(RunRecord record);

  /**
   * @param id a run id
   * @return the run's record
   */
  Optional<RunRecord> get(RunId id);

  /**
   * @param triggerId a trigger id
   * @return the run created by that trigger
   */
  Optional<RunRecord> findByTrigger(String triggerId);

  /**
   * Returns a run's record with its current status and last sequence.
   *
   * @param id a run id
   * @return the entry when the run exists
   */
  Optional<RunEntry> entry(RunId id);

  /**
   * Appends one event and waits until it is durable.
   *
   * @param runId the run
   * @param draft the event
   * @return the stored event (or the earlier one with the same idempotency key)
   * @throws ValidationException when the draft breaks a rule (nothing written)
   * @throws IllegalTransitionException when the run's status refuses the type (nothing written)
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreIoException when the store cannot write (not acknowledged)
   */
  RunEvent append(RunId runId, EventDraft draft);

  /**
   * Appends events atomically and waits until they are durable.
   *
   * @param runId the run
   * @param drafts the events, in order
   * @return the stored events, one per draft, in order
   * @throws ValidationException when any draft breaks a rule (nothing written)
   * @throws IllegalTransitionException when a draft is refused by the state machine (nothing
   *     written)
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreIoException when the store cannot write (not acknowledged)
   */
  List<RunEvent> append(RunId runId, List<EventDraft> drafts);

  /**
   * Appends events atomically if the run's last sequence is still {@code expected}.
   *
   * @param runId the run
   * @param drafts the events, in order
   * @param expected the last sequence the caller saw, or {@link ExpectedSequence#any()}
   * @return the stored events, one per draft, in order
   * @throws SequenceConflictException when the log moved on (nothing written)
   * @throws ValidationException when any draft breaks a rule (nothing written)
   * @throws IllegalTransitionException when a draft is refused by the state machine
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreIoException when the store cannot write (not acknowledged)
   */
  List<RunEvent> append(RunId runId, List<EventDraft> drafts, ExpectedSequence expected);

  /**
   * Appends one event without waiting. Validation failures are thrown at once; everything else
   * completes the future exceptionally.
   *
   * @param runId the run
   * @param draft the event
   * @return completes with the stored event once durable
   * @throws ValidationException when the draft breaks a rule
   */
  CompletableFuture<RunEvent> appendAsync(RunId runId, EventDraft draft);

  /**
   * Appends events atomically without waiting; lets one producer pipeline many events per commit.
   *
   * @param runId the run
   * @param drafts the events, in order
   * @param expected the last sequence the caller saw, or {@link ExpectedSequence#any()}
   * @return completes with the stored events once durable
   * @throws ValidationException when a draft breaks a rule
   */
  CompletableFuture<List<RunEvent>> appendAsync(
      RunId runId, List<EventDraft> drafts, ExpectedSequence expected);

  /**
   * Reads a run's events after a sequence, lazily and in bounded memory.
   *
   * @param runId the run
   * @param afterSequence 0 for all events
   * @return the events in sequence order; close it
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreCorruptedException from the stream, for an archived run whose archive copy does
   *     not match what the store archived (checked as it is read)
   */
  EventStream read(RunId runId, long afterSequence);

  /**
   * Reads a page of a run's events.
   *
   * @param runId the run
   * @param afterSequence 0 for the start
   * @param limit most events to return, at least 1
   * @return up to {@code limit} events in sequence order
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreCorruptedException for an archived run whose archive copy does not match what the
   *     store archived, up to the page's end
   */
  List<RunEvent> read(RunId runId, long afterSequence, int limit);

  /**
   * Folds a run's events into its state.
   *
   * @param runId the run
   * @return the fold
   * @throws RunNotFoundException when the run does not exist
   */
  RunState state(RunId runId);

  /**
   * Recomputes a run's status from its events and compares it with what the store keeps cached for
   * the run's head: status, last sequence and update time (the time of the last event), and the
   * hash chain link the next append links to, where the store keeps one apart from the log. A run
   * appended to while it is verified shows no difference: the events are folded up to the cached
   * last sequence, and a log that goes on past it is a problem only when the cached head, read
   * again, is still behind it. Checks the hash chain from the run's genesis, and compares the run
   * with any listing index the store keeps apart from its commits (the file store's). Each
   * difference is one of {@link RunVerification#problems()}.
   *
   * @param runId the run
   * @return the comparison
   * @throws RunNotFoundException when the run does not exist
   */
  RunVerification verify(RunId runId);

  /**
   * Lists runs, newest first.
   *
   * @param query filters, page size and cursor
   * @return one page
   */
  RunPage list(RunQuery query);

  /**
   * Writes a stage attempt: its files, then its manifest; all or nothing, never overwriting.
   *
   * @param runId the run
   * @param write the files
   * @return the manifest written
   * @throws StageExistsException when the attempt exists
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreIoException when the store cannot write (nothing of the attempt remains)
   */
  StageManifest writeStage(RunId runId, StageWrite write);

  /**
   * @param runId the run
   * @return manifests of every stage attempt, by position then attempt
   * @throws RunNotFoundException when the run does not exist
   * @throws StoreCorruptedException when a stored manifest is damaged (it does not parse, or lists
   *     a path no stage file can have)
   */
  List<StageManifest> stages(RunId runId);

  /**
   * Reads a file of a stage attempt and checks it against its manifest.
   *
   * @param runId the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param path relative path from the manifest, e.g. {@code output.json} or {@code
   *     artifacts/report.html}
   * @return the bytes
   * @throws StoreCorruptedException when size or sha256 differ from the manifest
   * @throws ValidationException when no such file is listed
   */
  byte[] readStageFile(RunId runId, String stageKey, int attempt, String path);

  /**
   * Reads an artifact; same as {@code readStageFile(runId, stageKey, attempt, "artifacts/" +
   * name)}.
   *
   * @param runId the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param name the artifact name
   * @return the bytes, checked against the manifest
   */
  default byte[] readArtifact(RunId runId, String stageKey, int attempt, String name) {
    return readStageFile(runId, stageKey, attempt, "artifacts/" + name);
  }

  /**
   * Re-hashes every file of a stage attempt against its manifest.
   *
   * @param runId the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @return each mismatch or missing file
   */
  StageVerification verifyStage(RunId runId, String stageKey, int attempt);

  /**
   * Claims a run for an owner until {@code ttl} from now. Succeeds when the run has no lease, when
   * its lease expired, or when {@code owner} already holds it (then it is renewed).
   *
   * @param runId the run
   * @param owner the claiming instance
   * @param ttl how long the claim holds unless renewed
   * @return the lease when claimed; empty when another owner holds an unexpired lease
   * @throws RunNotFoundException when the run does not exist
   */
  Optional<Lease> acquireLease(RunId runId, String owner, java.time.Duration ttl);

  /**
   * Extends a lease the owner holds.
   *
   * @param runId the run
   * @param owner the holder
   * @param ttl new lifetime from now
   * @return the renewed lease; empty when the owner no longer holds it (it expired and was taken)
   */
  Optional<Lease> renewLease(RunId runId, String owner, java.time.Duration ttl);

  /**
   * Gives a lease up; does nothing when the owner does not hold it.
   *
   * @param runId the run
   * @param owner the holder
   */
  void releaseLease(RunId runId, String owner);

  /**
   * @param runId the run
   * @return its current lease, expired or not
   */
  Optional<Lease> lease(RunId runId);

  /**
   * Finds leases that have lapsed, oldest first, for crash recovery.
   *
   * @param limit most leases to return
   * @return expired leases at the store clock's now
   */
  List<Lease> expiredLeases(int limit);

  /**
   * Stores a small JSON document in a named collection, once. Used for data that belongs to no
   * single run, such as recommendations. Documents are immutable: saving an existing id fails.
   *
   * @param collection collection name, lowercase letters, digits, {@code _} and {@code -}
   * @param id document id, 1 to 200 printable characters
   * @param json one JSON object
   * @throws ValidationException when the id is taken or an argument is malformed
   */
  void saveDocument(String collection, String id, Payload json);

  /**
   * @param collection collection name
   * @param id document id
   * @return the document
   * @throws StoreCorruptedException when the store's copy of the document is damaged
   */
  Optional<Payload> findDocument(String collection, String id);

  /**
   * Deletes a run that has ended: its record, events, stage files, trigger mapping and lease, and
   * its archive copy when it was archived. A small {@link Tombstone} (id, time, reason) stays, so
   * the id cannot be created or imported again unless forced, and the store's audit log records the
   * deletion. Runs whose lineage names the deleted run keep working; {@link #tombstone} reports the
   * parent as deleted. Deleting a deleted run returns its tombstone (and retries removing an
   * archive copy a failure left).
   *
   * @param runId the run
   * @param reason why, 1 to 1,000 characters; kept in the tombstone and the audit log
   * @return the tombstone
   * @throws RunActiveException when the run has not ended (nothing deleted)
   * @throws RunNotFoundException when no such run exists or existed
   * @throws ValidationException when the reason is malformed
   * @throws ArchiveUnavailableException when the run is gone from the store but its archive copy
   *     could not be removed; delete it again to retry
   */
  Tombstone delete(RunId runId, String reason);

  /**
   * Deletes every run a selection selects ("forget this customer"): all of them, or none when one
   * of them has not ended.
   *
   * @param selection which runs, e.g. a namespace, a thread or a label
   * @param reason why, kept in each tombstone
   * @return the tombstones, newest run first
   * @throws RunActiveException when a selected run has not ended (nothing deleted)
   */
  List<Tombstone> delete(RunSelection selection, String reason);

  /**
   * @param runId a run id
   * @return the tombstone when the run was deleted
   */
  Optional<Tombstone> tombstone(RunId runId);

  /**
   * @param runId a run
   * @return where its events are when a {@link RunArchiver} moved them to an archive; empty for a
   *     run whose events are in the store, or no run
   * @throws StoreCorruptedException when the run's archive stub in the store is damaged
   */
  Optional<ArchivedRun> archived(RunId runId);

  /**
   * Reads the store's audit log: deletions, archivings, restores and imports, in the order they
   * happened.
   *
   * @param afterId the id of the last entry seen, or {@code ""} for the first page
   * @param limit most entries, 1 to 10,000
   * @return the entries after {@code afterId}
   */
  List<AuditEntry> auditLog(String afterId, int limit);

  /**
   * Subscribes to a run's events after a sequence with {@link SubscribeOptions#defaults()}.
   *
   * @param runId the run
   * @param afterSequence 0 for the whole log
   * @return a publisher; each subscriber gets the events after {@code afterSequence}
   * @see #subscribe(RunId, long, SubscribeOptions)
   */
  default Flow.Publisher<RunEvent> subscribe(RunId runId, long afterSequence) {
    return subscribe(runId, afterSequence, SubscribeOptions.defaults());
  }

  /**
   * Subscribes to a run's events: first the stored events after {@code afterSequence} (catch-up),
   * then new ones as they become durable (live), with no gap and no duplicate at the hand-over.
   * Delivery follows demand ({@code request(n)}); undelivered events wait in a bounded buffer per
   * subscriber (events beyond it are read again from the store, so memory stays bounded). A
   * subscriber that has stopped requesting while more than {@link SubscribeOptions#bufferSize()}
   * newer events wait is ended with {@link SlowSubscriberException} carrying the sequence to
   * resubscribe after; writers and other subscribers never wait for it. The stream completes after
   * the run's terminal event (unless {@link SubscribeOptions#followResumed()}). Each {@code
   * subscribe} call on the publisher starts an independent subscription. Signals are delivered on a
   * store thread, one at a time.
   *
   * @param runId the run
   * @param afterSequence 0 for the whole log
   * @param options buffer, follow and polling options
   * @return a publisher of the run's events
   */
  Flow.Publisher<RunEvent> subscribe(RunId runId, long afterSequence, SubscribeOptions options);

  /**
   * Registers a listener told of every change (creation and appends) after it is durable. A change
   * made through this store is told before the call that made it returns; a change made by another
   * process sharing the store's medium is told when the store notices it.
   *
   * @param listener the listener
   * @return closing it unregisters the listener
   */
  Registration watch(StoreListener listener);

  /**
   * Registers an observer of the append path: told after every group commit (with its size, latency
   * and events) and of every failed commit. An observer never blocks or fails an append: its
   * exceptions are logged and ignored.
   *
   * @param observer the observer
   * @return closing it unregisters the observer
   * @throws StoreClosedException when the store is closed
   */
  Registration observe(StoreObserver observer);

  /**
   * @return the store's location with credentials redacted, e.g. {@code sqlite:runs.db}
   */
  String location();

  /**
   * Names the format the store keeps its runs in and its version, after the store checked (and,
   * where it migrates, migrated) it on open: {@code sqlite schema version 4}, {@code postgres
   * schema version 4}, {@code runs.file-store/2}, {@code memory}. For operators ({@code runs
   * doctor}); not meant to be parsed.
   *
   * @return the format and version; {@code unknown format} for a store that does not say
   */
  default String format() {
    return "unknown format";
  }

  /** Commits what is queued, stops the commit threads and releases the medium. Idempotent. */
  @Override
  void close();

  /** A listener registration; closing it stops the notifications. */
  interface Registration extends AutoCloseable {
    /** Unregisters; idempotent. */
    @Override
    void close();
  }
}
