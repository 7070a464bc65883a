package dev.runs.spi;

import dev.runs.CreateResult;
import dev.runs.EventStream;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a store module implements: the medium-specific part of a store. The core wraps an engine
 * into a {@link dev.runs.RunStore} ({@link RunStoreFactory}) that does validation, redaction,
 * state-machine checks, idempotency, optimistic concurrency and group commit once for every store,
 * so an engine only persists and reads.
 *
 * <p>The rules that are not about the medium are written once, outside the engines: sequences and
 * idempotency are planned by {@link RunBatch}, stage positions and attempts by {@link StageSlots},
 * stage file checks by {@link StageIntegrity}, hashes by {@link Sha256}, and the lease rules by the
 * core, which asks the engine for conditional writes ({@link #compareAndSetLease}, {@link
 * #removeLease}). A provider opens its engine through {@link RunStoreFactory#open}. Arguments the
 * core passes are already validated and never null.
 *
 * <p>Threads: {@link #commit(List)} is called by the core's commit lanes; two lanes never pass
 * batches of the same run at once, but with several lanes commits for different runs run in
 * parallel. Every other method may be called from any thread at any time, concurrently with
 * commits. After {@link #close()} engines throw {@link dev.runs.StoreClosedException}. Engines
 * throw {@link dev.runs.StoreIoException} for medium failures, {@link
 * dev.runs.StoreCorruptedException} for damaged data, {@link dev.runs.RunNotFoundException} for
 * unknown runs where stated.
 */
public interface StorageEngine extends AutoCloseable {

  /**
   * How many commit lanes suit this engine: 1 when all writes share one lock (SQLite), more when
   * runs are independent (one file per run).
   *
   * @return the preferred lane count
   */
  default int preferredCommitLanes() {
    return 1;
  }

  /**
   * Whether runs commit independently of each other: a commit of one run shares nothing with a
   * commit of another (one file per run), so putting several runs into one {@link #commit(List)}
   * saves nothing, and commits of different runs may run at the same time. When true, every run
   * with appends in flight gets a commit lane of its own, so busy runs never take turns on a shared
   * lane, and {@link #preferredCommitLanes()} is the number of threads that commit asynchronous
   * appends. When false (the default), runs share that many lanes by hash and one commit may carry
   * several runs.
   *
   * @return true when runs commit independently
   */
  default boolean commitsRunsIndependently() {
    return false;
  }

  /**
   * Whether {@link #commit(List)} may run on an appending caller's thread. When true, a blocking
   * append that finds no commit in progress commits its batch itself instead of handing it to a
   * commit thread and waiting to be woken, which saves two thread switches per commit. Return true
   * only if a commit cannot be harmed by the calling thread's state, in particular by an interrupt:
   * {@link java.nio.channels.FileChannel} closes itself when the thread using it is interrupted, so
   * an engine writing through file channels returns true only if its commit survives that (the
   * {@code file:} store clears the interrupt flag while it commits and redoes a step cut by an
   * interrupt once on a thread nothing interrupts, the write at its known offset on a reopened
   * channel); otherwise it keeps the default, false.
   *
   * @return true to allow commits on callers' threads
   */
  default boolean allowsCommitOnCallerThread() {
    return false;
  }

  /**
   * Atomically creates a run: stores the record and its first event. If a run with the record's
   * trigger id exists, returns it with {@code created == false} and writes nothing; if the id is
   * taken by another trigger, throws {@link dev.runs.RunAlreadyExistsException}. Durable on return.
   *
   * @param record the record
   * @param createdEvent the {@code run.created} event, sequence 1
   * @return the stored record and whether it was created
   */
  CreateResult create(RunRecord record, RunEvent createdEvent);

  /**
   * @param id a run id
   * @return its record
   */
  Optional<RunRecord> find(RunId id);

  /**
   * @param triggerId a trigger id
   * @return the record of the run it created
   */
  Optional<RunRecord> findByTrigger(String triggerId);

  /**
   * @param id a run id
   * @return its record and head
   */
  Optional<RunEntry> entry(RunId id);

  /**
   * The head the engine keeps for a run, exactly as the next {@link #commit} would hand it to the
   * planner (its last hash included): what {@link dev.runs.RunStore#verify} compares with the log's
   * own end. An engine that keeps heads apart from the log (a row beside the events, a stub file)
   * reads what it stored, never a cache in memory, so damage to it is found. The default returns
   * empty: the engine keeps no head to compare, and verify compares the entry only.
   *
   * @param id a run id
   * @return its head, marked {@link RunHead#archived()} for an archive stub; empty when the run
   *     does not exist or the engine does not say
   */
  default Optional<RunHead> head(RunId id) {
    return Optional.empty();
  }

  /**
   * What the engine finds wrong between a run and the index it keeps beside the runs to list them
   * (a listing file that is not written in the run's own commit): what {@link
   * dev.runs.RunStore#verify} adds to its report. The entry was read before this call, so an index
   * that moved past it meanwhile (the run was appended to) is not a problem. The default finds
   * none: the engine keeps no such index, or updates it in the run's own transactions.
   *
   * @param entry the run as verify read it
   * @return one line per problem, saying what listings get wrong and how to repair it; empty when
   *     none
   */
  default List<String> indexProblems(RunEntry entry) {
    return List.of();
  }

  /**
   * Makes the batches durable (see {@link RunBatch} for the protocol). Each run appears at most
   * once in the list.
   *
   * @param batches one per run
   */
  void commit(List<RunBatch> batches);

  /**
   * Opens a lazy reader of a run's events after a sequence, in bounded memory.
   *
   * @param id the run
   * @param afterSequence 0 for all
   * @return the events in order
   * @throws dev.runs.RunNotFoundException when the run does not exist
   */
  EventStream read(RunId id, long afterSequence);

  /**
   * Opens a lazy reader of a run's events as envelopes, without decoding them: what an export
   * copies out. The envelopes must be exactly {@link dev.runs.EventCodec#encodeUtf8} of the events
   * {@link #read} returns. The default encodes the events {@link #read} decodes; an engine that
   * keeps each event's canonical JSON (a column, an NDJSON line) returns the stored bytes instead,
   * checking only the sequence of each.
   *
   * @param id the run
   * @param afterSequence 0 for all
   * @return the envelopes in order, gapless
   * @throws dev.runs.RunNotFoundException when the run does not exist
   */
  default EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    return EnvelopeStream.encoding(read(id, afterSequence));
  }

  /**
   * Opens a run's envelopes of sequences 1 to {@code upTo} as one stream of bytes: each envelope
   * ({@link #readEnvelopes}'s bytes) followed by a line feed, and nothing else, which is exactly
   * the event lines of a bundle. For an engine that keeps its log in that very form (an NDJSON
   * file), so an export copies it in large blocks instead of line by line. The default, and an
   * engine that keeps its events otherwise, returns empty; the caller then uses {@link
   * #readEnvelopes}.
   *
   * <p>The caller closes the stream. It must hold whole lines only: the engine knows where the line
   * of {@code upTo} ends, and ends the stream there.
   *
   * @param id the run
   * @param upTo the last sequence wanted, at least 1
   * @return the lines, or empty when the engine does not keep them so, or cannot hand over exactly
   *     these now (the run is archived, or its head is not {@code upTo})
   * @throws dev.runs.RunNotFoundException when the run does not exist
   */
  default Optional<InputStream> readEnvelopeLines(RunId id, long upTo) {
    return Optional.empty();
  }

  /**
   * Lists runs newest first (creation time desc, then id desc) after the query's cursor.
   *
   * @param query the query
   * @return up to {@code query.limit()} entries; {@link RunPage#nextCursor()} set when more match
   */
  RunPage list(RunQuery query);

  /**
   * Writes a stage attempt atomically: files first, manifest last, so an attempt with a manifest is
   * complete. The slot comes from {@link StageSlots}: while holding what keeps the run's other
   * stage writers out (a lock, a transaction), feed it every stored attempt of the run, including
   * attempts a failed write left without a manifest, and store {@link StageSlots#manifest}. Two
   * writers, in this process or another, never get the same slot.
   *
   * @param id the run (exists)
   * @param write the files, redacted
   * @param now the write time
   * @return the manifest written
   * @throws dev.runs.StageExistsException when the write names an attempt that exists
   */
  StageManifest writeStage(RunId id, StageWrite write, Instant now);

  /**
   * @param id the run (exists)
   * @return manifests of complete attempts (those with a manifest), by position then attempt
   */
  List<StageManifest> stages(RunId id);

  /**
   * Reads a stage file, checking size and sha256 against the manifest: find the attempt's manifest
   * and return {@link StageIntegrity#read} over the stored bytes.
   *
   * @param id the run
   * @param stageKey the stage (valid)
   * @param attempt the attempt
   * @param path relative path, already checked with {@link StageIntegrity#checkPath}
   * @return the bytes
   * @throws dev.runs.ValidationException when the attempt ({@link StageIntegrity#noSuchAttempt}) or
   *     the file is unknown, or the attempt has no manifest yet
   * @throws dev.runs.StoreCorruptedException when the file is missing or differs from the manifest,
   *     or the manifest cannot be decoded
   * @throws dev.runs.RunNotFoundException may be thrown instead of {@code noSuchAttempt} when the
   *     run is unknown (the core does not look the run up first)
   */
  byte[] readStageFile(RunId id, String stageKey, int attempt, String path);

  /**
   * Re-hashes a stage attempt: find its manifest and return {@link StageIntegrity#verify} over the
   * stored files, or {@link StageIntegrity#unreadableManifest} when the manifest is missing or
   * cannot be decoded.
   *
   * @param id the run
   * @param stageKey the stage (valid)
   * @param attempt the attempt
   * @return the problems found
   * @throws dev.runs.ValidationException when the attempt is unknown ({@link
   *     StageIntegrity#noSuchAttempt})
   * @throws dev.runs.RunNotFoundException may be thrown instead when the run is unknown
   */
  StageVerification verifyStage(RunId id, String stageKey, int attempt);

  /**
   * @param id a run
   * @return its lease record, expired or not; empty when it has none or the run does not exist
   */
  Optional<dev.runs.Lease> readLease(RunId id);

  /**
   * Conditionally writes a run's lease, the one write leases need. The core decides everything
   * else: it reads the lease with {@link #readLease}, applies the lease rules (a free or expired
   * lease may be taken, only the owner renews or releases, the new expiry is its clock plus the
   * ttl) and asks for the swap; when the swap fails, an acquire reads again and retries while a
   * renew or release gives up. The engine only makes the swap atomic against every other writer of
   * the run's lease, in this process and in others. Two leases are the same when their owner and
   * expiry (to the microsecond) are equal.
   *
   * <p>The core calls it only for a run that exists, never with both arguments empty, and with
   * leases of {@code id}. Each of the three cases is one conditional write; a SQL engine runs one
   * statement and returns whether it changed a row:
   *
   * <ul>
   *   <li>{@code expected} empty: store {@code replacement} if the run has no lease ({@code INSERT
   *       ... ON CONFLICT (run_id) DO NOTHING});
   *   <li>{@code replacement} empty: remove the lease if it is {@code expected} ({@code DELETE ...
   *       WHERE run_id = ? AND owner = ? AND expires_at = ?});
   *   <li>both present: replace the lease if it is {@code expected} ({@code UPDATE ... SET owner =
   *       ?, expires_at = ? WHERE run_id = ? AND owner = ? AND expires_at = ?}).
   * </ul>
   *
   * <p>Durable on return when it returns true.
   *
   * @param id the run (exists)
   * @param expected the lease the core read, or empty for none
   * @param replacement the lease to store, or empty to remove it
   * @return true when the stored lease was {@code expected} and now is {@code replacement}; false
   *     when it was something else (nothing written)
   */
  boolean compareAndSetLease(
      RunId id, Optional<dev.runs.Lease> expected, Optional<dev.runs.Lease> replacement);

  /**
   * Removes the run's lease if {@code owner} holds it, whatever its expiry: {@code DELETE ... WHERE
   * run_id = ? AND owner = ?}. One conditional write, so a release cannot be starved by the owner's
   * own renewals changing the expiry under a compare-and-set.
   *
   * <p>The default reads and compares-and-sets until the lease is gone or held by another owner;
   * engines that can remove in one write override it. Durable on return.
   *
   * @param id the run
   * @param owner the owner whose lease to remove
   * @return true when a lease held by {@code owner} was removed; false when there was none or
   *     another owner held it (nothing written)
   */
  default boolean removeLease(RunId id, String owner) {
    while (true) {
      Optional<dev.runs.Lease> current = readLease(id);
      if (current.isEmpty() || !current.get().owner().equals(owner)) {
        return false;
      }
      if (compareAndSetLease(id, current, Optional.empty())) {
        return true;
      }
      Thread.onSpinWait();
    }
  }

  /**
   * @param now the current time
   * @param limit most to return
   * @return leases with {@code expiresAt <= now}, oldest expiry first
   */
  List<dev.runs.Lease> expiredLeases(Instant now, int limit);

  /**
   * Stores a document once.
   *
   * @param collection collection name (validated by the core)
   * @param id document id (validated by the core)
   * @param json compact JSON object text
   * @return false when the id already exists in the collection (nothing written)
   */
  boolean saveDocument(String collection, String id, String json);

  /**
   * @param collection collection name
   * @param id document id
   * @return the document's JSON text
   */
  Optional<String> findDocument(String collection, String id);

  // ---- moving runs: import, archive stubs, deletion
  // ---------------------------------------------------------------

  /**
   * Stores a whole run as it was written elsewhere: a bundle import, or a restore from an archive.
   * The record, the trigger id's mapping, every event exactly as given (ids, sequences, times,
   * idempotency keys, hashes), {@link ImportedRun#head()}, and every stage attempt with its
   * manifest as given (not through {@link StageSlots}). All or nothing: the run becomes visible, in
   * this process and in others, only when everything is durable; a failure at any point, including
   * an exception thrown by {@link ImportedRun#events()} or {@link ImportedRun#stageFile}, leaves
   * the store as it was. The core has checked the events and files against their hashes before
   * calling.
   *
   * <p>When {@link ImportedRun#replacesStub()} is true, the run exists as an archive stub ({@link
   * #stubRun}) with the same head: the events and stages are put back and the stub removed, in one
   * step.
   *
   * @param run the run to store
   * @throws dev.runs.RunAlreadyExistsException when a run with the record's id or trigger id exists
   *     (and {@code replacesStub} is false, or the run is not a stub); nothing written
   */
  void importRun(ImportedRun run);

  /**
   * Removes a run entirely: record, trigger mapping, events, stages, lease and archive stub. Atomic
   * and durable on return: after a crash the run is either whole or gone. Conditional on the run's
   * log: when its last sequence is no longer {@code expectedLastSequence} (an append raced the
   * delete), nothing is removed.
   *
   * @param id the run
   * @param expectedLastSequence the last sequence the core saw
   * @return true when removed; false when the run's last sequence differs (nothing removed)
   * @throws dev.runs.RunNotFoundException when the run does not exist
   */
  boolean deleteRun(RunId id, long expectedLastSequence);

  /**
   * Replaces a run's events and stage files with an archive stub, after the core has verified the
   * archive copy. Keeps the record, the trigger mapping and the head (so {@link #entry}, {@link
   * #find} and {@link #list} answer as before); stores {@code stubJson}; drops the events, stage
   * files and manifests and any lease. Atomic and durable on return: after a crash the run is
   * either whole or a stub. Conditional like {@link #deleteRun}.
   *
   * <p>From then on {@link #stub} returns {@code stubJson}, heads loaded for commits carry {@link
   * RunHead#archived()} (so the planner refuses appends), and {@link #read}, {@link #stages} and
   * the stage file methods may behave as for a run without events; the core sends those reads to
   * the archive and never asks the engine.
   *
   * @param id the run
   * @param expectedLastSequence the last sequence the core saw
   * @param stubJson the stub, a compact JSON object written by the core
   * @return true when stubbed; false when the run's last sequence differs (nothing changed)
   * @throws dev.runs.RunNotFoundException when the run does not exist
   */
  boolean stubRun(RunId id, long expectedLastSequence, String stubJson);

  /**
   * @param id a run
   * @return the archive stub's JSON when the run's events live in an archive; empty when the run is
   *     whole or does not exist
   */
  Optional<String> stub(RunId id);

  /**
   * Removes a document.
   *
   * @param collection collection name
   * @param id document id
   * @return true when it existed
   */
  boolean deleteDocument(String collection, String id);

  /**
   * Lists a collection's documents in id order (ordinal comparison of the ids' UTF-16 code units,
   * as {@link String#compareTo}).
   *
   * @param collection collection name
   * @param afterId list ids greater than this; empty string for the first page
   * @param limit most to return, at least 1
   * @return the documents after {@code afterId}
   */
  List<StoredDocument> listDocuments(String collection, String afterId, int limit);

  /**
   * Starts reporting changes made by other processes sharing the medium, for engines that can see
   * them (polling, notifications). Changes made through this engine are reported by the core and
   * need not be. The default reports nothing.
   *
   * @param sink receives changes; must not be called after {@link #close()}
   */
  default void watchExternalChanges(Consumer<RunChange> sink) {}

  /**
   * @return a description for messages, e.g. the redacted URI
   */
  String describe();

  /**
   * Names the medium's format and its version, as {@link dev.runs.RunStore#format()} reports it.
   * The default says nothing is known.
   *
   * @return e.g. {@code sqlite schema version 4}
   */
  default String format() {
    return "unknown format";
  }

  /** Releases the medium. Called once, after the last commit. */
  @Override
  void close();
}
