package dev.runs.store.postgres;

import dev.runs.StoreIoException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs units of work on borrowed connections: one connection per unit, given back at once, marked
 * broken when the failure leaves it unusable ({@link PgErrors#isBroken}). Transactions that hit a
 * serialization failure or a deadlock are retried whole; connection failures are not, because the
 * outcome of an interrupted commit is unknown. Driver exceptions become {@link StoreIoException}s
 * naming the store and the operation ({@link PgErrors#io}).
 *
 * <p>Thread-safe: it holds only final references; each unit of work has its own connection.
 */
final class PgTx {
  private static final Logger log = LoggerFactory.getLogger(PgTx.class);
  private static final int MAX_ATTEMPTS = 8;

  private final ConnectionSource source;
  private final String where;
  private final UnaryOperator<String> scrub;

  /** Work on a connection. */
  @FunctionalInterface
  interface SqlWork<T> {
    /**
     * @param c a connection, in auto-commit mode unless run by {@link #inTransaction}
     * @return the result
     * @throws SQLException when a statement fails
     */
    T run(Connection c) throws SQLException;
  }

  /**
   * @param source where connections come from
   * @param where the redacted location, for messages
   * @param scrub removes credentials from driver messages
   */
  PgTx(ConnectionSource source, String where, UnaryOperator<String> scrub) {
    this.source = source;
    this.where = where;
    this.scrub = scrub;
  }

  /**
   * @return the redacted location, for messages
   */
  String where() {
    return where;
  }

  /**
   * Remembers a session as one of this instance's, so its notices are not taken for news.
   *
   * @param c a connection in use
   */
  void noteOwnBackend(Connection c) {
    source.noteOwnBackend(c);
  }

  /**
   * Runs work on a connection in auto-commit mode.
   *
   * @param what the operation, for messages
   * @param work the work
   * @return its result
   * @throws StoreIoException when the work or the connection fails
   */
  <T> T withConnection(String what, SqlWork<T> work) {
    Connection c = acquire(what);
    boolean broken = false;
    try {
      return work.run(c);
    } catch (SQLException e) {
      broken = PgErrors.isBroken(c, e);
      throw io(what, e);
    } finally {
      source.release(c, broken);
    }
  }

  /**
   * Like {@link #withConnection} but lets the caller handle the driver's exception.
   *
   * @param work the work
   * @return its result
   * @throws SQLException when the work fails
   */
  <T> T withConnectionRaw(SqlWork<T> work) throws SQLException {
    Connection c = acquire("append");
    boolean broken = false;
    try {
      return work.run(c);
    } catch (SQLException e) {
      broken = PgErrors.isBroken(c, e);
      throw e;
    } finally {
      source.release(c, broken);
    }
  }

  /**
   * Runs work in a transaction; retries it (work included) after a serialization failure or a
   * deadlock, which PostgreSQL guarantees rolled everything back.
   *
   * @param what the operation, for messages
   * @param work the work
   * @return its result, after the commit
   * @throws StoreIoException when the work or the commit fails, or retries run out
   */
  <T> T inTransaction(String what, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      Connection c = acquire(what);
      boolean broken = false;
      boolean retry = false;
      try {
        c.setAutoCommit(false);
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException e) {
        broken = !rollback(c) || PgErrors.isBroken(c, e);
        if (PgErrors.isRetryable(e) && attempt < MAX_ATTEMPTS) {
          log.debug(
              "{} - {} hit {} ({}), retrying (attempt {})",
              where,
              what,
              e.getSQLState(),
              scrub.apply(e.getMessage()),
              attempt + 1);
          retry = true;
        } else {
          throw io(what, e);
        }
      } catch (RuntimeException | Error e) {
        broken = !rollback(c);
        throw e;
      } finally {
        source.release(c, broken);
      }
      if (retry) {
        backoff(attempt);
      }
    }
  }

  private static void backoff(int attempt) {
    long ms = Math.min(200, (1L << attempt)) + ThreadLocalRandom.current().nextLong(5);
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean rollback(Connection c) {
    try {
      c.rollback();
      return true;
    } catch (SQLException e) {
      log.debug("{} - rollback failed", where, e);
      return false;
    }
  }

  private Connection acquire(String what) {
    try {
      return source.acquire();
    } catch (SQLException e) {
      throw io(what + " (connecting)", e);
    }
  }

  /**
   * @param what the operation, for messages
   * @param e the driver's exception
   * @return the store's exception for it
   */
  /**
   * @param e a driver exception
   * @return its message without credentials, for another exception's message
   */
  String message(SQLException e) {
    return scrub.apply(String.valueOf(e.getMessage()));
  }

  StoreIoException io(String what, SQLException e) {
    return PgErrors.io(where, what, e, scrub);
  }
}
