package dev.runs.store.sqlite;

import dev.runs.StoreClosedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A few read-only connections, opened on demand and shared by every reader. In WAL mode readers
 * never wait for the writer nor for each other; a reader holds a connection only for one query (one
 * page of events, one lookup), so a handful serves any number of threads and no reader pins an old
 * snapshot of the database.
 *
 * <p>Thread safety: safe for use by any thread; a borrowed {@link Reader} is confined to the
 * borrowing thread until released. {@link #read} borrows, runs and releases in one call.
 */
final class ReadPool implements AutoCloseable {
  /** Opens a read connection. */
  interface Opener {
    /**
     * @return a new connection
     * @throws SQLException when it cannot be opened
     */
    Connection open() throws SQLException;
  }

  /** A read connection with its prepared statements. Confined to the borrowing thread. */
  static final class Reader {
    /** The connection, for statements not worth keeping prepared (closed by their user). */
    final Connection connection;

    private final Map<String, PreparedStatement> statements = new HashMap<>();

    /**
     * @param connection an open read connection, closed by {@link #close()}
     */
    Reader(Connection connection) {
      this.connection = connection;
    }

    /**
     * @param sql a query
     * @return its prepared statement, prepared once per connection
     * @throws SQLException when it cannot be prepared
     */
    PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement p = statements.get(sql);
      if (p == null) {
        p = connection.prepareStatement(sql);
        statements.put(sql, p);
      }
      return p;
    }

    /** Closes the statements and the connection, ignoring errors. */
    void close() {
      for (PreparedStatement p : statements.values()) {
        try {
          p.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      }
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }

  /** Work on a read connection. */
  interface Work<T> {
    /**
     * @param r the borrowed connection, for this call only
     * @return the result of the work
     * @throws SQLException when a query fails
     */
    T run(Reader r) throws SQLException;
  }

  private final SqliteSettings settings;
  private final Opener opener;
  private final int max;
  private final ArrayDeque<Reader> idle = new ArrayDeque<>();
  private int open;
  private boolean closed;

  /**
   * @param settings the store, for messages
   * @param opener opens a connection when none is idle
   * @param max most connections open at once
   */
  ReadPool(SqliteSettings settings, Opener opener, int max) {
    this.settings = settings;
    this.opener = opener;
    this.max = max;
  }

  /**
   * @return an idle connection, a new one, or the next one released
   * @throws StoreClosedException when the store is closed
   * @throws SQLException when a new connection cannot be opened
   */
  Reader borrow() throws SQLException {
    synchronized (this) {
      while (true) {
        if (closed) {
          throw new StoreClosedException("store is closed");
        }
        Reader r = idle.pollFirst();
        if (r != null) {
          return r;
        }
        if (open < max) {
          open++;
          break;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for a read connection", e);
        }
      }
    }
    try {
      return new Reader(opener.open());
    } catch (SQLException | RuntimeException e) {
      synchronized (this) {
        open--;
        notifyAll();
      }
      throw e;
    }
  }

  /**
   * @param r a connection from {@link #borrow()}
   */
  void release(Reader r) {
    synchronized (this) {
      if (!closed) {
        idle.addFirst(r);
        notifyAll();
        return;
      }
      open--;
    }
    r.close();
  }

  /**
   * Runs work on a borrowed connection and releases it.
   *
   * @param what what is attempted, for messages
   * @param work the work
   * @param <T> its result type
   * @return its result
   * @throws StoreClosedException when the store is closed
   * @throws dev.runs.StoreIoException when a query fails
   */
  <T> T read(String what, Work<T> work) {
    Reader r;
    try {
      r = borrow();
    } catch (SQLException e) {
      throw Sql.translate(settings, what, e);
    }
    try {
      return work.run(r);
    } catch (SQLException e) {
      throw Sql.translate(settings, what, e);
    } finally {
      release(r);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      for (Reader r : idle) {
        r.close();
        open--;
      }
      idle.clear();
      notifyAll();
    }
  }
}
