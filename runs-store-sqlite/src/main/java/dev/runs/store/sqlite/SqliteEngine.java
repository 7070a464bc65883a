package dev.runs.store.sqlite;

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
import dev.runs.StoreConfigurationException;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.StorageEngine;
import dev.runs.spi.StoredDocument;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * The {@code sqlite:} engine: one database file in WAL mode. This class opens the database and
 * wires the parts; each {@link StorageEngine} method delegates to the part that owns its tables:
 *
 * <ul>
 *   <li>{@link RunIndex}: creating, finding and listing runs ({@code runs});
 *   <li>{@link EventLog}: group commits and event reads ({@code events} and the run heads);
 *   <li>{@link Stages}: stage attempts ({@code stages}, {@code stage_files});
 *   <li>{@link Leases} and {@link Documents}: {@code leases} and {@code documents};
 *   <li>{@link RunMoves}: runs that move across all of them: imports and archive restores, archive
 *       stubs ({@code runs.stub}) and deletion.
 * </ul>
 *
 * <p><b>Writes</b> go through the one connection of {@link WriteConnection}, guarded by a lock;
 * every write transaction starts with {@code BEGIN IMMEDIATE}, so it holds SQLite's write lock from
 * its first statement and writers in other processes wait (up to {@code busy_timeout_ms}) instead
 * of failing half way. A group commit is one transaction for all its runs: heads and idempotency
 * keys are read inside it, so the plan is correct even when another process appended in between. An
 * import ({@link #importRun}) is one transaction too, and holds the write lock for as long as it
 * takes to store the run (see {@link RunMoves}).
 *
 * <p><b>Reads</b> use a small pool of read-only connections ({@link ReadPool}) and see every
 * committed transaction, from this process or another: nothing is cached but immutable data.
 *
 * <p>Thread safety: safe for use by any thread, as {@link StorageEngine} requires; the parts share
 * the write connection's lock and the read pool and hold no other mutable state.
 */
final class SqliteEngine implements StorageEngine {
  private static final Logger log = LoggerFactory.getLogger(SqliteEngine.class);
  private static final int READ_CONNECTIONS = 4;

  private final SqliteSettings settings;
  private final WriteConnection writes;
  private final ReadPool readers;
  private final EventLog events;
  private final RunIndex runs;
  private final Stages stages;
  private final Leases leases;
  private final Documents documents;
  private final RunMoves moves;

  private SqliteEngine(SqliteSettings settings, Connection writer) throws SQLException {
    this.settings = settings;
    this.writes = new WriteConnection(settings, writer);
    this.readers = new ReadPool(settings, () -> connect(settings, true), READ_CONNECTIONS);
    events = new EventLog(settings, writes, readers);
    runs = new RunIndex(settings, writes, readers, events);
    stages = new Stages(settings, writes, readers);
    leases = new Leases(writes, readers);
    documents = new Documents(writes, readers);
    moves = new RunMoves(settings, writes, readers);
  }

  /**
   * Opens (creating or migrating) the database.
   *
   * @param settings the parsed URI
   * @return the open engine
   * @throws StoreConfigurationException when the path is not usable; nothing was modified
   */
  static SqliteEngine open(SqliteSettings settings) {
    boolean created = DatabaseFile.prepare(settings.file(), settings.description());
    Connection w = null;
    try {
      w = connect(settings, false);
      Schema.RUNS.installedVersion(w, settings.description()); // refuses before any write
      String mode;
      try (java.sql.Statement s = w.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
        mode = rs.next() ? rs.getString(1) : "?";
      }
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new StoreConfigurationException(
            "sqlite store '"
                + settings.description()
                + "': cannot switch "
                + settings.file()
                + " to WAL mode (journal_mode is "
                + mode
                + "); the file system may not support shared memory (network file systems do not)");
      }
      Sql.execute(w, "PRAGMA journal_size_limit = 67108864");
      int from = Schema.RUNS.migrate(w, settings.description());
      SqliteEngine engine = new SqliteEngine(settings, w);
      log.info(
          "sqlite store {} opened: {} (schema version {}{}, durability {}, busy timeout {} ms)",
          settings.description(),
          settings.file(),
          Schema.RUNS.latest(),
          from == Schema.RUNS.latest()
              ? ""
              : from == 0 ? ", new database" : ", migrated from " + from,
          settings.durability().name().toLowerCase(java.util.Locale.ROOT),
          settings.busyTimeoutMillis());
      return engine;
    } catch (SQLException | RuntimeException e) {
      Sql.closeQuietly(w);
      if (created) {
        DatabaseFile.deleteCreated(settings.file());
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      SQLException se = (SQLException) e;
      int code = Sql.code(se);
      if (code == Sql.SQLITE_NOTADB) {
        throw new StoreConfigurationException(
            "sqlite store '"
                + settings.description()
                + "': "
                + settings.file()
                + " is not a SQLite database ("
                + se.getMessage()
                + "); it was left unchanged",
            se);
      }
      if (code == Sql.SQLITE_CANTOPEN || code == Sql.SQLITE_READONLY) {
        throw new StoreConfigurationException(
            "sqlite store '"
                + settings.description()
                + "': cannot open "
                + settings.file()
                + " for writing; is the file or its directory "
                + settings.file().getParent()
                + " read-only? ("
                + se.getMessage()
                + ")",
            se);
      }
      throw Sql.translate(settings, "opening " + settings.file(), se);
    }
  }

  /**
   * Opens a connection to the (existing) database file with the store's busy timeout and
   * durability.
   *
   * @param settings the store
   * @param readOnly true for a read-only connection
   * @return the connection
   * @throws SQLException when it cannot be opened
   */
  static Connection connect(SqliteSettings settings, boolean readOnly) throws SQLException {
    SQLiteConfig c = new SQLiteConfig();
    c.resetOpenMode(SQLiteOpenMode.CREATE); // the file exists: DatabaseFile made sure of it
    c.setBusyTimeout(settings.busyTimeoutMillis());
    c.setSynchronous(
        settings.durability() == SqliteSettings.Durability.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    if (readOnly) {
      c.setReadOnly(true);
    }
    return c.createConnection("jdbc:sqlite:" + settings.file());
  }

  // ---- runs (RunIndex) --------------------------------------------------------------------------

  /**
   * Commits may run on an appending thread: writes go through sqlite-jdbc's native calls under a
   * non-interruptible lock, so an interrupted caller cannot harm them.
   */
  @Override
  public boolean allowsCommitOnCallerThread() {
    return true;
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
    return events.head(id);
  }

  @Override
  public RunPage list(RunQuery query) {
    return runs.list(query);
  }

  // ---- events (EventLog) ------------------------------------------------------------------------

  @Override
  public void commit(List<RunBatch> batches) {
    events.commit(batches);
  }

  @Override
  public EventStream read(RunId id, long afterSequence) {
    return events.read(id, afterSequence, runs::exists);
  }

  /** The envelope column holds each event's canonical JSON: it is copied out undecoded. */
  @Override
  public EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    return events.readEnvelopes(id, afterSequence, runs::exists);
  }

  // ---- stages -----------------------------------------------------------------------------------

  @Override
  public StageManifest writeStage(RunId id, StageWrite write, Instant now) {
    return stages.write(id, write, now);
  }

  @Override
  public List<StageManifest> stages(RunId id) {
    return stages.list(id);
  }

  @Override
  public byte[] readStageFile(RunId id, String stageKey, int attempt, String path) {
    return stages.readFile(id, stageKey, attempt, path);
  }

  @Override
  public StageVerification verifyStage(RunId id, String stageKey, int attempt) {
    return stages.verify(id, stageKey, attempt);
  }

  // ---- leases and documents ---------------------------------------------------------------------

  @Override
  public Optional<Lease> readLease(RunId id) {
    return leases.read(id);
  }

  @Override
  public boolean compareAndSetLease(
      RunId id, Optional<Lease> expected, Optional<Lease> replacement) {
    return leases.compareAndSet(id, expected, replacement);
  }

  @Override
  public boolean removeLease(RunId id, String owner) {
    return leases.remove(id, owner);
  }

  @Override
  public List<Lease> expiredLeases(Instant now, int limit) {
    return leases.expired(now, limit);
  }

  @Override
  public boolean saveDocument(String collection, String id, String json) {
    return documents.save(collection, id, json);
  }

  @Override
  public Optional<String> findDocument(String collection, String id) {
    return documents.find(collection, id);
  }

  @Override
  public boolean deleteDocument(String collection, String id) {
    return documents.delete(collection, id);
  }

  /**
   * Lists in the primary key's {@code BINARY} order, which is {@link String#compareTo}'s for ids of
   * the Basic Multilingual Plane (see {@link Documents}).
   */
  @Override
  public List<StoredDocument> listDocuments(String collection, String afterId, int limit) {
    return documents.list(collection, afterId, limit);
  }

  // ---- runs that move (RunMoves) ----------------------------------------------------------------

  /**
   * Imports in one write transaction that holds the store's write lock until the run is stored:
   * other writers of this store wait meanwhile, writers in other processes up to {@code
   * busy_timeout_ms} (see {@link RunMoves}).
   */
  @Override
  public void importRun(ImportedRun run) {
    moves.importRun(run);
  }

  @Override
  public boolean deleteRun(RunId id, long expectedLastSequence) {
    return moves.delete(id, expectedLastSequence);
  }

  @Override
  public boolean stubRun(RunId id, long expectedLastSequence, String stubJson) {
    return moves.stubRun(id, expectedLastSequence, stubJson);
  }

  @Override
  public Optional<String> stub(RunId id) {
    return moves.stub(id);
  }

  // ---- watching and lifecycle -------------------------------------------------------------------

  @Override
  public void watchExternalChanges(Consumer<RunChange> sink) {
    writes.watch(() -> connect(settings, true), sink);
  }

  /**
   * Reads a pragma on the write connection, for tests and diagnostics.
   *
   * @param name e.g. {@code synchronous}
   * @return its value as text
   */
  String pragma(String name) {
    return writes.pragma(name);
  }

  @Override
  public String describe() {
    return settings.description();
  }

  @Override
  public String format() {
    return "sqlite schema version " + Schema.RUNS.latest();
  }

  @Override
  public void close() {
    if (writes.close(readers::close)) {
      log.info("sqlite store {} closed", settings.description());
    }
  }
}
