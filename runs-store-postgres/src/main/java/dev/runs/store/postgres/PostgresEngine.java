package dev.runs.store.postgres;

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
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoredDocument;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The {@code postgres:} engine: the {@link StorageEngine} the core wraps, delegating each group of
 * the SPI to the class that owns its tables.
 *
 * <ul>
 *   <li>{@link PgRunIndex}: the {@code runs} table, one row per run with its record and the cached
 *       head of its log (last sequence, status, time): create, look up, list;
 *   <li>{@link PgAppends}: group commits to the {@code events} table, a fast path for runs whose
 *       head this instance wrote last ({@link PgKnownHeads}), a locking path for the rest;
 *   <li>{@link PgEventReader}: a run's events, paged by sequence;
 *   <li>{@link PgStages}, {@link PgLeases}, {@link PgDocuments}: stage attempts with their files,
 *       run leases, documents;
 *   <li>{@link PgMoves}: runs that move: imports and restores, deletion, archive stubs (the {@code
 *       stub} column of {@code runs});
 *   <li>{@link PgChangeFeed}: changes committed by other instances;
 *   <li>{@link PgTx}: connections, transactions, retries and error mapping, shared by all of them.
 * </ul>
 *
 * <p>Prepared statements only; the schema name, validated as a plain identifier, is the one piece
 * of SQL text not passed as a parameter.
 *
 * <p>Thread-safe as the SPI requires: every part is, and this class holds only final references.
 */
final class PostgresEngine implements StorageEngine {
  private final ConnectionSource source;
  private final String where;
  private final int lanes;

  /** Changes by other instances (tests count its polls). */
  final PgChangeFeed feed;

  /**
   * The heads this instance wrote last, shared by creates and appends (tests shorten a setting).
   */
  final PgKnownHeads heads;

  /** Runs (tests build its list queries). */
  final PgRunIndex runs;

  /** Appends (tests read its counters). */
  final PgAppends appends;

  private final PgEventReader reader;
  private final PgStages stages;
  private final PgLeases leases;
  private final PgDocuments documents;

  /** Imports, deletes and archive stubs (tests flip its COPY switch). */
  final PgMoves moves;

  /**
   * @param source where connections come from; closed with the engine
   * @param schema the validated schema name (already migrated)
   * @param where the redacted location, for messages
   * @param scrub removes credentials from driver messages
   * @param pollMs fallback poll interval for changes by other instances, 0 for none
   * @param lanes commit lanes to suggest to the core
   */
  PostgresEngine(
      ConnectionSource source,
      String schema,
      String where,
      UnaryOperator<String> scrub,
      long pollMs,
      int lanes) {
    this.source = source;
    this.where = where;
    this.lanes = lanes;
    PgTx tx = new PgTx(source, where, scrub);
    this.feed = new PgChangeFeed(source, schema, where, scrub, pollMs);
    String s = PgSchema.quote(schema);
    heads = new PgKnownHeads(feed);
    runs = new PgRunIndex(tx, schema, s, heads);
    appends = new PgAppends(tx, schema, s, heads);
    reader = new PgEventReader(tx, s);
    stages = new PgStages(tx, schema, s);
    leases = new PgLeases(tx, s);
    documents = new PgDocuments(tx, s);
    moves = new PgMoves(tx, schema, s, heads);
  }

  // ---- runs
  // --------------------------------------------------------------------------------------

  @Override
  public int preferredCommitLanes() {
    return lanes;
  }

  @Override
  public CreateResult create(RunRecord record, RunEvent createdEvent) {
    return runs.create(record, createdEvent);
  }

  @Override
  public Optional<RunRecord> find(RunId id) {
    return runs.find(id);
  }

  @Override
  public Optional<RunRecord> findByTrigger(String triggerId) {
    return runs.findByTrigger(triggerId);
  }

  @Override
  public Optional<RunEntry> entry(RunId id) {
    return runs.entry(id);
  }

  @Override
  public Optional<RunHead> head(RunId id) {
    return runs.head(id);
  }

  @Override
  public RunPage list(RunQuery query) {
    return runs.list(query);
  }

  // ---- appends
  // -----------------------------------------------------------------------------------

  @Override
  public void commit(List<RunBatch> batches) {
    appends.commit(batches);
  }

  // ---- reads
  // -------------------------------------------------------------------------------------

  @Override
  public EventStream read(RunId id, long afterSequence) {
    return reader.read(id, afterSequence);
  }

  /** The body column holds each event's canonical JSON: it is copied out undecoded. */
  @Override
  public EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    return reader.readEnvelopes(id, afterSequence);
  }

  // ---- stages
  // ------------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    return stages.writeStage(id, write, now);
  }

  @Override
  public List<StageManifest> stages(RunId id) {
    return stages.stages(id);
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    return stages.readStageFile(id, stageKey, attempt, path);
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    return stages.verifyStage(id, stageKey, attempt);
  }

  // ---- leases and documents
  // ----------------------------------------------------------------------

  @Override
  public Optional<Lease> readLease(RunId id) {
    return leases.readLease(id);
  }

  @Override
  public boolean compareAndSetLease(
      RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    return leases.compareAndSetLease(id, expected, replacement);
  }

  @Override
  public boolean removeLease(RunId id, String owner) {
    return leases.removeLease(id, owner);
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    return leases.expiredLeases(now, limit);
  }

  @Override
  public boolean saveDocument(String collection, String id, String json) {
    return documents.saveDocument(collection, id, json);
  }

  @Override
  public Optional<String> findDocument(String collection, String id) {
    return documents.findDocument(collection, id);
  }

  @Override
  public boolean deleteDocument(String collection, String id) {
    return documents.deleteDocument(collection, id);
  }

  @Override
  public List<StoredDocument> listDocuments(String collection, String afterId, int limit) {
    return documents.listDocuments(collection, afterId, limit);
  }

  // ---- moving runs
  // -------------------------------------------------------------------------------

  @Override
  public void importRun(ImportedRun run) {
    moves.importRun(run);
  }

  @Override
  public boolean deleteRun(RunId id, long expectedLastSequence) {
    return moves.deleteRun(id, expectedLastSequence);
  }

  @Override
  public boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    return moves.stubRun(id, expectedLastSequence, stubJson);
  }

  @Override
  public Optional<String> stub(RunId id) {
    return moves.stub(id);
  }

  // ---- watching and lifecycle
  // --------------------------------------------------------------------

  @Override
  public void watchExternalChanges(Consumer<RunChange> sink) {
    feed.start(sink);
  }

  @Override
  public String describe() {
    return where;
  }

  @Override
  public String format() {
    return "postgres schema version " + PgSchema.CURRENT_VERSION;
  }

  @Override
  public void close() {
    try {
      feed.close();
    } finally {
      source.close();
    }
  }
}
