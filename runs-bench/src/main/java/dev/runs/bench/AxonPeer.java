package dev.runs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.axonframework.common.DateTimeUtils;
import org.axonframework.common.jdbc.ConnectionWrapperFactory;
import org.axonframework.common.lock.Lock;
import org.axonframework.common.lock.PessimisticLockFactory;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.AbstractEventTableFactory;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.serialization.json.JacksonSerializer;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The peer of the comparison: Axon Framework 4's {@link JdbcEventStorageEngine} behind an {@link
 * EmbeddedEventStore}, on one SQLite database file with the durability of Runs' SQLite store (WAL,
 * {@code synchronous=FULL}), one reused connection per thread.
 *
 * <p>Stock Axon 4.13 does not run on SQLite; this class holds the smallest set of fixes that makes
 * it run, each explained in {@code docs/benchmarks-peer.md}: a table factory with an {@code
 * INTEGER} (rowid) global index and {@code BLOB} payloads, five statements rewritten from {@code
 * min()/max()} to {@code ORDER BY … LIMIT 1}, a duplicate-key resolver that reads SQLite's result
 * codes, and per-thread connections whose {@code close()} is a no-op until this peer closes. It is
 * tuned as a careful user would: a transaction per unit of work, write transactions queued in
 * process for SQLite's single write lock, and Axon's per-aggregate lock for a shared aggregate.
 *
 * <p>Longer than our ~500-line guide on purpose: the peer's fixes are kept in one file so that a
 * reader can check in one place that the comparison is fair.
 *
 * <p>Each append is one Axon publish of one or more domain events (one JDBC batch in one
 * transaction, one commit). Sequence numbers are the caller's, as in Axon: a duplicate (aggregate,
 * sequence) is refused by the unique index and surfaces as {@link ConcurrencyException}.
 */
final class AxonPeer implements AutoCloseable {
  /** Aggregate type written with every event (Axon's {@code type} column). */
  static final String AGGREGATE_TYPE = "run";

  /** Axon's read batch size; streams are read in pages of this many events. */
  static final int READ_BATCH_SIZE = 1_000;

  /** Busy timeout for writers waiting on SQLite's write lock. */
  private static final int BUSY_TIMEOUT_MILLIS = 60_000;

  /** Text of every console line: with the other fields the JSON payload is about 300 bytes. */
  private static final String TEXT =
      ("step 7/12 tool.call.completed search(query=\"event sourcing on sqlite\")"
              + " returned 20 results in 412 ms; first: 'Group commit in embedded databases' ")
          .repeat(2)
          .substring(0, 262);

  private final Path database;
  private final String url;
  private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();

  // per peer instance on purpose: each peer has its own database, so its own connections
  @SuppressWarnings("ThreadLocalUsage")
  private final ThreadLocal<Connection> rawConnection = new ThreadLocal<>();

  @SuppressWarnings("ThreadLocalUsage") // as above
  private final ThreadLocal<Connection> wrappedConnection = new ThreadLocal<>();

  /** Per thread: [0] transaction nesting depth, [1] 1 when a nested transaction rolled back. */
  private final ThreadLocal<int[]> transactionState = ThreadLocal.withInitial(() -> new int[2]);

  private final ThreadConnectionTransactions transactions = new ThreadConnectionTransactions();

  /** Taken around each write transaction when writers queue in process (SQLite has one writer). */
  private final ReentrantLock writeLock = new ReentrantLock(true);

  private final boolean queueWriters;
  private final PessimisticLockFactory aggregateLocks = PessimisticLockFactory.usingDefaults();
  private final Map<String, Long> cachedNext = new ConcurrentHashMap<>();
  private final JdbcEventStorageEngine engine;
  private final EmbeddedEventStore store;
  private volatile boolean closed;

  /** Payload of every event: the shape of a Runs {@code console.line} event. */
  record ConsoleLine(String stream, String text, long i) {}

  private AxonPeer(Path database, boolean queueWriters) {
    this.database = database;
    this.queueWriters = queueWriters;
    this.url = "jdbc:sqlite:" + database.toAbsolutePath();
    JacksonSerializer serializer = JacksonSerializer.defaultSerializer();
    this.engine =
        JdbcEventStorageEngine.builder()
            .connectionProvider(this::connection)
            .transactionManager(transactions)
            .eventSerializer(serializer)
            .snapshotSerializer(serializer)
            .persistenceExceptionResolver(AxonPeer::isDuplicateKey)
            .batchSize(READ_BATCH_SIZE)
            // events are never deleted, so a short page is the last one: saves one query per read
            .finalAggregateBatchPredicate(batch -> batch.size() < READ_BATCH_SIZE)
            .lastSequenceNumberFor(AxonPeer::lastSequenceNumberFor)
            .createTailToken(AxonPeer::createTailToken)
            .createHeadToken(AxonPeer::createHeadToken)
            .createTokenAt(AxonPeer::createTokenAt)
            .fetchTrackedEvents(AxonPeer::fetchTrackedEvents)
            .build();
    this.store = EmbeddedEventStore.builder().storageEngine(engine).build();
  }

  /**
   * Opens (or creates) Axon's event tables in the given SQLite database file.
   *
   * @param database the database file; its directory must exist
   * @return the peer, to be closed
   */
  static AxonPeer open(Path database) {
    return open(database, true);
  }

  /**
   * Opens (or creates) Axon's event tables in the given SQLite database file.
   *
   * @param database the database file; its directory must exist
   * @param queueWriters whether write transactions queue in this process for SQLite's single write
   *     lock (the tuned setting) instead of waiting in SQLite's busy handler, which sleeps and
   *     polls
   * @return the peer, to be closed
   */
  static AxonPeer open(Path database, boolean queueWriters) {
    Objects.requireNonNull(database, "database");
    AxonPeer peer = new AxonPeer(database, queueWriters);
    try {
      peer.transactions.executeInTransaction(
          () -> peer.engine.createSchema(new SqliteEventTableFactory()));
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
    return peer;
  }

  /**
   * @return the database file
   */
  Path database() {
    return database;
  }

  /**
   * @return the storage engine, for tests of the rewritten statements
   */
  JdbcEventStorageEngine engine() {
    return engine;
  }

  /**
   * Appends {@code count} console-line events to an aggregate in one Axon publish: one JDBC batch,
   * one transaction, one durable commit.
   *
   * @param aggregate the aggregate (one run's stream)
   * @param firstSequence the sequence number of the first event (Axon's sequences start at 0)
   * @param count how many events
   * @return the sequence number after the last one appended
   * @throws ConcurrencyException when one of those sequence numbers is taken (nothing is written)
   * @throws AggregateStreamCreationException when {@code firstSequence} is 0 and is taken
   */
  long append(String aggregate, long firstSequence, int count) {
    List<DomainEventMessage<ConsoleLine>> events = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      long sequence = firstSequence + k;
      events.add(
          new GenericDomainEventMessage<>(
              AGGREGATE_TYPE, aggregate, sequence, new ConsoleLine("stdout", TEXT, sequence)));
    }
    store.publish(events);
    return firstSequence + count;
  }

  /**
   * Appends one event to an aggregate that other threads append to as well, the way Axon's
   * repositories do it in one JVM: hold the aggregate's lock from Axon's {@link
   * PessimisticLockFactory} (what {@code LockingRepository} uses), append after the cached last
   * sequence number (what a caching repository keeps), and when the store refuses it (another
   * process appended) drop the cached number, read it again and retry.
   *
   * @param aggregate the shared aggregate
   * @return how many conflicts this append met before it succeeded
   */
  int appendLocked(String aggregate) {
    Lock lock = aggregateLocks.obtainLock(aggregate);
    try {
      int conflicts = 0;
      while (true) {
        Long next = cachedNext.get(aggregate);
        if (next == null) {
          next = lastSequence(aggregate).map(last -> last + 1).orElse(0L);
        }
        try {
          cachedNext.put(aggregate, append(aggregate, next, 1));
          return conflicts;
        } catch (ConcurrencyException | AggregateStreamCreationException e) {
          cachedNext.remove(aggregate);
          conflicts++;
        }
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Appends one event to an aggregate that other threads append to as well, with no lock at all:
   * read the last sequence number, append after it, and on a duplicate-key conflict read again and
   * retry (optimistic concurrency, as between processes).
   *
   * @param aggregate the shared aggregate
   * @return how many conflicts this append met before it succeeded
   */
  int appendWithRetry(String aggregate) {
    int conflicts = 0;
    while (true) {
      long next = lastSequence(aggregate).map(last -> last + 1).orElse(0L);
      try {
        append(aggregate, next, 1);
        return conflicts;
      } catch (ConcurrencyException | AggregateStreamCreationException e) {
        conflicts++;
      }
    }
  }

  /**
   * @param aggregate an aggregate
   * @return its last sequence number, empty when it has no events
   */
  Optional<Long> lastSequence(String aggregate) {
    return store.lastSequenceNumberFor(aggregate);
  }

  /**
   * Reads an aggregate's whole stream back (deserializing every payload).
   *
   * @param aggregate an aggregate
   * @return its events in sequence order
   */
  List<DomainEventMessage<?>> read(String aggregate) {
    List<DomainEventMessage<?>> events = new ArrayList<>();
    DomainEventStream stream = store.readEvents(aggregate);
    while (stream.hasNext()) {
      DomainEventMessage<?> event = stream.next();
      event.getPayload(); // Axon deserializes lazily: force it, a reader would
      events.add(event);
    }
    return events;
  }

  /**
   * Reads one SQLite pragma on this thread's connection.
   *
   * @param name pragma name, e.g. {@code synchronous}
   * @return its value as text
   */
  String pragma(String name) {
    try (Statement st = connection().createStatement();
        ResultSet rs = st.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read pragma " + name + " of " + database, e);
    }
  }

  /** Shuts the event store down and closes every per-thread connection. */
  @Override
  public void close() {
    closed = true;
    store.shutDown();
    Connection c;
    while ((c = opened.poll()) != null) {
      try {
        c.close();
      } catch (SQLException e) {
        throw new IllegalStateException("cannot close a connection to " + database, e);
      }
    }
  }

  /** Deletes a database file with its WAL and shared-memory files. */
  static void deleteDatabase(Path database) {
    try {
      for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
        Files.deleteIfExists(database.resolveSibling(database.getFileName() + suffix));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + database, e);
    }
  }

  /**
   * This thread's connection, opened on first use and kept until {@link #close()}: Axon closes the
   * connection after every statement, so the wrapper's {@code close()} does nothing.
   */
  private Connection connection() throws SQLException {
    Connection wrapped = wrappedConnection.get();
    if (wrapped != null) {
      return wrapped;
    }
    if (closed) {
      throw new SQLException("the Axon peer on " + database + " is closed");
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    Connection raw = config.createConnection(url);
    opened.add(raw);
    wrapped = ConnectionWrapperFactory.wrap(raw, new KeepOpen());
    rawConnection.set(raw);
    wrappedConnection.set(wrapped);
    return wrapped;
  }

  private Connection rawConnection() {
    try {
      connection();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open " + database, e);
    }
    return rawConnection.get();
  }

  /**
   * SQLite's answer to a duplicate (aggregate, sequence) or event id: a UNIQUE or PRIMARY KEY code.
   */
  static boolean isDuplicateKey(Exception exception) {
    for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLiteException e) {
        SQLiteErrorCode code = e.getResultCode();
        if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
            || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
          return true;
        }
      }
    }
    return false;
  }

  // The five statements below replace Axon's min()/max() queries, whose NULL result on an empty
  // range sqlite-jdbc cannot read as a Long; "no row" reads as null instead.

  private static PreparedStatement lastSequenceNumberFor(
      Connection c, EventSchema s, String aggregate) throws SQLException {
    PreparedStatement st =
        c.prepareStatement(
            "SELECT "
                + s.sequenceNumberColumn()
                + " FROM "
                + s.domainEventTable()
                + " WHERE "
                + s.aggregateIdentifierColumn()
                + " = ? ORDER BY "
                + s.sequenceNumberColumn()
                + " DESC LIMIT 1");
    st.setString(1, aggregate);
    return st;
  }

  private static PreparedStatement createTailToken(Connection c, EventSchema s)
      throws SQLException {
    return c.prepareStatement(
        "SELECT "
            + s.globalIndexColumn()
            + " - 1 FROM "
            + s.domainEventTable()
            + " ORDER BY "
            + s.globalIndexColumn()
            + " ASC LIMIT 1");
  }

  private static PreparedStatement createHeadToken(Connection c, EventSchema s)
      throws SQLException {
    return c.prepareStatement(
        "SELECT "
            + s.globalIndexColumn()
            + " FROM "
            + s.domainEventTable()
            + " ORDER BY "
            + s.globalIndexColumn()
            + " DESC LIMIT 1");
  }

  private static PreparedStatement createTokenAt(Connection c, EventSchema s, Instant at)
      throws SQLException {
    PreparedStatement st =
        c.prepareStatement(
            "SELECT "
                + s.globalIndexColumn()
                + " - 1 FROM "
                + s.domainEventTable()
                + " WHERE "
                + s.timestampColumn()
                + " >= ? ORDER BY "
                + s.globalIndexColumn()
                + " ASC LIMIT 1");
    st.setString(1, DateTimeUtils.formatInstant(at));
    return st;
  }

  private static PreparedStatement fetchTrackedEvents(Connection c, EventSchema s, long index)
      throws SQLException {
    PreparedStatement st =
        c.prepareStatement(
            "SELECT "
                + s.globalIndexColumn()
                + " FROM "
                + s.domainEventTable()
                + " WHERE "
                + s.globalIndexColumn()
                + " > ? ORDER BY "
                + s.globalIndexColumn()
                + " ASC LIMIT 1");
    st.setLong(1, index);
    return st;
  }

  /**
   * Axon's table layout with SQLite types: an {@code INTEGER} global index in a single-column
   * primary key is SQLite's rowid, so it is assigned on insert; payload and metadata are BLOBs.
   */
  static final class SqliteEventTableFactory extends AbstractEventTableFactory {
    @Override
    protected String idColumnType() {
      return "INTEGER";
    }

    @Override
    protected String payloadType() {
      return "BLOB";
    }
  }

  /** Keeps a per-thread connection open when Axon closes it after a statement. */
  private static final class KeepOpen implements ConnectionWrapperFactory.ConnectionCloseHandler {
    @Override
    public void close(Connection connection) {
      // kept for the next statement on this thread; AxonPeer.close() closes it
    }

    @Override
    public void commit(Connection connection) throws SQLException {
      connection.commit();
    }
  }

  /**
   * Transactions on the calling thread's connection: the outermost one turns auto-commit off and
   * commits at its end, nested ones join it (a nested rollback makes the whole one roll back).
   * Without this, sqlite-jdbc would commit each row of a JDBC batch on its own.
   */
  private final class ThreadConnectionTransactions implements TransactionManager {
    /** Writes (appends, snapshots, schema) queue for the single writer when writers are queued. */
    @Override
    public void executeInTransaction(Runnable task) {
      if (!queueWriters || writeLock.isHeldByCurrentThread()) {
        TransactionManager.super.executeInTransaction(task);
        return;
      }
      writeLock.lock();
      try {
        TransactionManager.super.executeInTransaction(task);
      } finally {
        writeLock.unlock();
      }
    }

    @Override
    public Transaction startTransaction() {
      Connection c = rawConnection();
      int[] state = transactionState.get();
      if (state[0] == 0) {
        try {
          c.setAutoCommit(false);
        } catch (SQLException e) {
          throw new IllegalStateException("cannot begin a transaction on " + database, e);
        }
        state[1] = 0;
      }
      state[0]++;
      return new Transaction() {
        @Override
        public void commit() {
          end(c, true);
        }

        @Override
        public void rollback() {
          end(c, false);
        }
      };
    }

    private void end(Connection c, boolean success) {
      int[] state = transactionState.get();
      if (!success) {
        state[1] = 1;
      }
      if (--state[0] > 0) {
        return;
      }
      boolean commit = state[1] == 0;
      try {
        if (commit) {
          c.commit();
        } else {
          c.rollback();
        }
        c.setAutoCommit(true);
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot " + (commit ? "commit" : "roll back") + " a transaction on " + database, e);
      }
    }
  }
}
