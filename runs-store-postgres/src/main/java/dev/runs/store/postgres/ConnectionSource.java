package dev.runs.store.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where the engine gets connections: the built-in pool of the URI form, or a host's {@link
 * javax.sql.DataSource}. The engine holds a connection only for one statement group or transaction
 * and gives it back with {@link #release}.
 */
interface ConnectionSource extends AutoCloseable {
  /**
   * @return a connection in auto-commit mode
   * @throws SQLException when the server cannot be reached
   * @throws dev.runs.StoreIoException when none is free within the pool timeout
   */
  Connection acquire() throws SQLException;

  /**
   * Gives a connection back.
   *
   * @param connection from {@link #acquire()}
   * @param broken true when it failed in a way that makes it unusable
   */
  void release(Connection connection, boolean broken);

  /**
   * Opens a connection outside the pool's bound, for the long-lived LISTEN session.
   *
   * @return a connection the caller closes itself
   * @throws SQLException when the server cannot be reached
   */
  Connection openDedicated() throws SQLException;

  /**
   * @param backendPid a server process id from a notification
   * @return true when it is one of this source's own sessions (its notifications are not news)
   */
  boolean isOwnBackend(int backendPid);

  /**
   * Remembers a session as one of ours (for sources that do not create their connections).
   *
   * @param connection a connection in use
   */
  void noteOwnBackend(Connection connection);

  /** Closes idle connections; connections in use are closed when released. */
  @Override
  void close();
}
