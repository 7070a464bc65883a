package dev.runs.store.postgres;

import dev.runs.StoreClosedException;
import dev.runs.StoreIoException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small connection pool of the URI form: at most {@code pool_size} connections, created on
 * demand, reused most-recently-used first, validated when they sat idle for a while, dropped when
 * they failed. A caller that finds every connection busy waits up to {@code pool_timeout_ms} and
 * then gets a {@link StoreIoException} that shows the pool's state. Thread-safe.
 */
final class PgPool implements ConnectionSource {
  private static final Logger log = LoggerFactory.getLogger(PgPool.class);

  /** Idle longer than this, a connection is checked with a round trip before it is handed out. */
  static final long VALIDATE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final int VALIDATE_TIMEOUT_S = 5;

  private final PgConfig config;
  private final long validateAfterNanos;
  private final org.postgresql.Driver driver = new org.postgresql.Driver();
  private final Semaphore permits;
  private final LinkedBlockingDeque<Idle> idle = new LinkedBlockingDeque<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Set<Integer> backends = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Connection, Integer> pidOf = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Idle(Connection connection, long since) {}

  PgPool(PgConfig config) {
    this(config, VALIDATE_AFTER_NANOS);
  }

  /**
   * @param config the configuration
   * @param validateAfterNanos idle time after which a connection is validated before reuse
   */
  PgPool(PgConfig config, long validateAfterNanos) {
    this.config = config;
    this.validateAfterNanos = validateAfterNanos;
    this.permits = new Semaphore(config.poolSize, true);
  }

  @Override
  public Connection acquire() throws SQLException {
    if (closed) {
      throw new StoreClosedException("store is closed: " + config.describe());
    }
    waiting.incrementAndGet();
    try {
      if (!permits.tryAcquire(config.poolTimeoutMs, TimeUnit.MILLISECONDS)) {
        throw new StoreIoException(
            "no connection to "
                + config.describe()
                + " became free within "
                + config.poolTimeoutMs
                + " ms ("
                + state()
                + "); raise pool_size, or look for slow"
                + " transactions or a server that stopped answering");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreIoException(
          "interrupted while waiting for a connection to " + config.describe());
    } finally {
      waiting.decrementAndGet();
    }
    try {
      Idle i;
      while ((i = idle.pollFirst()) != null) {
        if (System.nanoTime() - i.since() < validateAfterNanos || valid(i.connection())) {
          return i.connection();
        }
        discard(i.connection());
      }
      return connect();
    } catch (SQLException | RuntimeException | Error e) {
      permits.release();
      throw e;
    }
  }

  private static boolean valid(Connection c) {
    try {
      return c.isValid(VALIDATE_TIMEOUT_S);
    } catch (SQLException e) {
      return false;
    }
  }

  private Connection connect() throws SQLException {
    Connection c = driver.connect(config.jdbcUrl, config.properties);
    if (c == null) {
      throw new SQLException("the PostgreSQL driver did not accept " + config.describe());
    }
    open.incrementAndGet();
    try {
      int pid = c.unwrap(PGConnection.class).getBackendPID();
      backends.add(pid);
      pidOf.put(c, pid);
    } catch (SQLException e) {
      log.debug("{} - cannot read the backend pid of a new connection", config.describe(), e);
    }
    log.debug(
        "{} - opened connection {} of at most {}", config.describe(), open.get(), config.poolSize);
    return c;
  }

  @Override
  public void release(Connection connection, boolean broken) {
    try {
      if (broken || closed) {
        discard(connection);
        return;
      }
      try {
        if (!connection.getAutoCommit()) {
          connection.rollback();
          connection.setAutoCommit(true);
        }
      } catch (SQLException e) {
        discard(connection);
        return;
      }
      idle.addFirst(new Idle(connection, System.nanoTime()));
      if (closed) {
        drainIdle();
      }
    } finally {
      permits.release();
    }
  }

  private void discard(Connection c) {
    Integer pid = pidOf.remove(c);
    if (pid != null) {
      backends.remove(pid);
    }
    open.decrementAndGet();
    try {
      c.close();
    } catch (SQLException e) {
      log.debug("{} - closing a connection failed", config.describe(), e);
    }
  }

  @Override
  public Connection openDedicated() throws SQLException {
    Connection c = driver.connect(config.jdbcUrl, config.properties);
    if (c == null) {
      throw new SQLException("the PostgreSQL driver did not accept " + config.describe());
    }
    return c;
  }

  @Override
  public boolean isOwnBackend(int backendPid) {
    return backends.contains(backendPid);
  }

  @Override
  public void noteOwnBackend(Connection connection) {
    // the pool knows its connections from the moment it opens them
  }

  /**
   * @return e.g. {@code 10 of 10 in use, 0 idle, 3 waiting}
   */
  String state() {
    int o = open.get();
    int i = idle.size();
    return (o - i)
        + " of "
        + config.poolSize
        + " in use, "
        + i
        + " idle, "
        + waiting.get()
        + " waiting";
  }

  private void drainIdle() {
    Idle i;
    while ((i = idle.pollFirst()) != null) {
      discard(i.connection());
    }
  }

  @Override
  public void close() {
    closed = true;
    drainIdle();
  }
}
