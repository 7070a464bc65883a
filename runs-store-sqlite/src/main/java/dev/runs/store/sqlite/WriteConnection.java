package dev.runs.store.sqlite;

import dev.runs.RunChange;
import dev.runs.StoreClosedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The store's one write connection and its write transactions. Every write runs in {@link #write}:
 * under one lock, inside a transaction started with {@code BEGIN IMMEDIATE}, so it holds SQLite's
 * write lock from its first statement and writers in other processes wait (up to {@code
 * busy_timeout_ms}) instead of failing half way. A transaction that touches runs takes a change
 * number ({@link Tx#change()}), which the {@link ChangeWatcher} started here uses to tell this
 * engine's own commits from other processes' commits.
 *
 * <p>It also owns the statements prepared on the write connection ({@link #prepare}), closes them
 * with the connection, and refuses writes once closed.
 *
 * <p>Thread safety: safe for use by any thread. The connection, its statements and a {@link Tx} are
 * used only by the thread holding the lock, that is inside {@link #write} (or {@link #pragma});
 * statements from {@link #prepare} must be used only there too.
 */
final class WriteConnection {
  private final SqliteSettings settings;
  private final ReentrantLock lock = new ReentrantLock();
  private final Connection connection;

  /** change_seq values committed by this engine and not yet passed by the watcher. */
  private final NavigableSet<Long> ownChanges = new ConcurrentSkipListSet<>();

  private volatile @Nullable ChangeWatcher watcher;
  private volatile boolean closed;

  /** Every statement prepared on the connection, in order, closed with it. */
  private final List<PreparedStatement> statements = new ArrayList<>();

  // used under the lock only
  private final PreparedStatement begin;
  private final PreparedStatement commit;
  private final PreparedStatement rollback;
  private final PreparedStatement nextChange;

  /**
   * @param settings the store
   * @param connection the write connection, open and migrated; closed by {@link #close}
   * @throws SQLException when a statement cannot be prepared
   */
  WriteConnection(SqliteSettings settings, Connection connection) throws SQLException {
    this.settings = settings;
    this.connection = connection;
    begin = prepare("BEGIN IMMEDIATE");
    commit = prepare("COMMIT");
    rollback = prepare("ROLLBACK");
    // above every run's number and every deleted run's (change_floor), so numbers never repeat
    nextChange =
        prepare(
            "SELECT max(coalesce((SELECT max(change_seq) FROM runs), 0),"
                + " coalesce((SELECT change_seq FROM change_floor WHERE id = 1), 0)) + 1");
  }

  /**
   * Prepares a statement on the write connection, to be kept and used inside {@link #write} only;
   * it is closed by {@link #close}.
   *
   * @param sql the statement
   * @return the prepared statement
   * @throws SQLException when it cannot be prepared
   */
  PreparedStatement prepare(String sql) throws SQLException {
    lock.lock();
    try {
      PreparedStatement p = connection.prepareStatement(sql);
      statements.add(p);
      return p;
    } finally {
      lock.unlock();
    }
  }

  /** Work inside a write transaction. */
  interface Work<T> {
    /**
     * @param tx the transaction
     * @return the result of the work
     * @throws SQLException when a statement fails; the transaction is rolled back
     */
    T run(Tx tx) throws SQLException;
  }

  /** The state of one write transaction. Confined to the thread running it. */
  final class Tx {
    private long change = -1;
    private boolean rollback;

    /**
     * @return this transaction's change number, for the runs it touches
     * @throws SQLException when it cannot be read
     */
    long change() throws SQLException {
      if (change < 0) {
        try (ResultSet rs = nextChange.executeQuery()) {
          rs.next();
          change = rs.getLong(1);
        }
        if (watcher != null) {
          ownChanges.add(change); // so the watcher does not report this engine's own commits
        }
      }
      return change;
    }

    /** Ends the transaction with a rollback instead of a commit (nothing was written). */
    void rollbackOnly() {
      rollback = true;
    }

    /**
     * @return the write connection, for statements prepared and closed within the transaction
     */
    Connection connection() {
      return connection;
    }
  }

  /**
   * Runs work in a write transaction: commits when it returns, rolls back when it throws.
   *
   * @param what what is attempted, for messages
   * @param work the work
   * @param <T> its result type
   * @return its result
   * @throws StoreClosedException when the store is closed
   * @throws dev.runs.StoreIoException when a statement fails
   */
  <T> T write(String what, Work<T> work) {
    lock.lock();
    try {
      if (closed) {
        throw new StoreClosedException("store is closed: " + settings.description());
      }
      Tx tx = new Tx();
      boolean done = false;
      try {
        begin.execute();
        T result = work.run(tx);
        (tx.rollback ? rollback : commit).execute();
        done = true;
        return result;
      } finally {
        if (!done) {
          rollbackQuietly();
          if (tx.change >= 0) {
            ownChanges.remove(tx.change);
          }
        }
      }
    } catch (SQLException e) {
      throw Sql.translate(settings, what, e);
    } finally {
      lock.unlock();
    }
  }

  private void rollbackQuietly() {
    try {
      rollback.execute();
    } catch (SQLException ignored) {
      // no transaction was active, or the connection is gone: SQLite rolled back itself
    }
  }

  /**
   * Starts the watcher of other processes' commits, once; does nothing when closed.
   *
   * @param watchConnection opens the watcher's own read connection
   * @param sink receives the changes
   */
  void watch(ReadPool.Opener watchConnection, Consumer<RunChange> sink) {
    lock.lock();
    try {
      if (closed || watcher != null) {
        return;
      }
      Connection c = watchConnection.open();
      try {
        watcher = new ChangeWatcher(c, settings, ownChanges, sink);
      } catch (SQLException | RuntimeException e) {
        Sql.closeQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw Sql.translate(settings, "starting the watch for other processes' commits", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads a pragma on the write connection.
   *
   * @param name e.g. {@code synchronous}
   * @return its value as text
   * @throws IllegalArgumentException when the name is not a pragma name
   */
  String pragma(String name) {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("not a pragma name: " + name);
    }
    lock.lock();
    try (java.sql.Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getString(1) : "";
    } catch (SQLException e) {
      throw Sql.translate(settings, "reading PRAGMA " + name, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes once: refuses further writes, stops the watcher, runs {@code afterStopping} outside the
   * lock, then closes the statements and the connection.
   *
   * @param afterStopping what to close between the watcher and the connection (the readers)
   * @return true when this call closed it, false when it was closed already
   * @throws dev.runs.StoreIoException when the connection cannot be closed
   */
  boolean close(Runnable afterStopping) {
    ChangeWatcher w;
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      w = watcher;
    } finally {
      lock.unlock();
    }
    if (w != null) {
      w.close();
    }
    afterStopping.run();
    lock.lock();
    try {
      for (PreparedStatement p : statements) {
        try {
          p.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      }
      connection.close();
      return true;
    } catch (SQLException e) {
      throw Sql.translate(settings, "closing " + settings.file(), e);
    } finally {
      lock.unlock();
    }
  }
}
