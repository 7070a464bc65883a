package dev.runs.store.postgres;

import dev.runs.StoreClosedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections from a host's {@link DataSource} (typically its own pool): borrowed per statement
 * group or transaction and closed (given back) right after. The LISTEN session keeps one of them
 * for the store's lifetime. Connections are switched to {@code READ COMMITTED} while the store
 * holds them when the pool hands out another isolation level. Backend pids of the sessions used for
 * writes are remembered (the last 256) so that the store's own notifications are not reported as
 * changes by other instances.
 */
final class DataSourceSource implements ConnectionSource {
  private static final Logger log = LoggerFactory.getLogger(DataSourceSource.class);
  private static final int REMEMBERED_PIDS = 256;

  private final DataSource dataSource;
  private final Map<Integer, Boolean> pids =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
              return size() > REMEMBERED_PIDS;
            }
          });
  private volatile boolean closed;
  private volatile @Nullable Boolean forceReadCommitted;
  private volatile int hostIsolation = Connection.TRANSACTION_READ_COMMITTED;

  DataSourceSource(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Connection acquire() throws SQLException {
    if (closed) {
      throw new StoreClosedException("store is closed");
    }
    Connection c = dataSource.getConnection();
    if (!c.getAutoCommit()) {
      c.setAutoCommit(true);
    }
    Boolean force = forceReadCommitted;
    if (force == null) {
      // the store's transactions rely on READ COMMITTED (a fresh snapshot per statement after a
      // row lock); look once at what the host's pool hands out
      int level = c.getTransactionIsolation();
      force = level != Connection.TRANSACTION_READ_COMMITTED;
      hostIsolation = level;
      forceReadCommitted = force;
      if (force) {
        log.info(
            "the data source's connections are not READ COMMITTED; the store sets it on each"
                + " connection it borrows");
      }
    }
    if (force) {
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }
    return c;
  }

  @Override
  public void release(Connection connection, boolean broken) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
      if (Boolean.TRUE.equals(forceReadCommitted)) {
        connection.setTransactionIsolation(hostIsolation);
      }
    } catch (SQLException e) {
      log.debug("resetting a data source connection failed", e);
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("closing a data source connection failed", e);
    }
  }

  @Override
  public Connection openDedicated() throws SQLException {
    return dataSource.getConnection();
  }

  @Override
  public boolean isOwnBackend(int backendPid) {
    return pids.containsKey(backendPid);
  }

  @Override
  public void noteOwnBackend(Connection connection) {
    try {
      pids.put(connection.unwrap(PGConnection.class).getBackendPID(), Boolean.TRUE);
    } catch (SQLException e) {
      log.debug("the data source's connections do not unwrap to PGConnection", e);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
