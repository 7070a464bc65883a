package dev.runs.store.sqlite;

import dev.runs.RunChange;
import dev.runs.RunId;
import dev.runs.RunStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.NavigableSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports commits made by other connections (other processes, other stores on the same file). A
 * dedicated read connection polls {@code PRAGMA data_version}, which changes when another
 * connection commits; then the runs whose {@code change_seq} passed the last one seen are read
 * through the {@code runs_by_change} index and reported, except those this engine committed itself
 * (the core reports those).
 */
final class ChangeWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeWatcher.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final int PAGE = 1000;

  private final Connection connection;
  private final SqliteSettings settings;
  private final NavigableSet<Long> ownChanges;
  private final Consumer<RunChange> sink;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean warned = new AtomicBoolean();
  private final PreparedStatement changed;
  private long dataVersion;
  private long lastChange;

  /**
   * Starts polling at once, from the latest change in the database.
   *
   * @param connection a read connection of its own, closed by {@link #close()}
   * @param settings the store: poll interval and messages
   * @param ownChanges change numbers this engine committed, which are not reported (shared with the
   *     engine's writes; passed numbers are removed here)
   * @param sink receives the changes, on the watcher's thread
   * @throws SQLException when the first reads fail
   */
  ChangeWatcher(
      Connection connection,
      SqliteSettings settings,
      NavigableSet<Long> ownChanges,
      Consumer<RunChange> sink)
      throws SQLException {
    this.connection = connection;
    this.settings = settings;
    this.ownChanges = ownChanges;
    this.sink = sink;
    this.changed =
        connection.prepareStatement(
            "SELECT id, last_seq, status, created_change, change_seq"
                + " FROM runs WHERE change_seq > ? ORDER BY change_seq LIMIT "
                + PAGE);
    this.dataVersion = dataVersion();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(change_seq), 0) FROM runs")) {
      rs.next();
      this.lastChange = rs.getLong(1);
    }
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "runs-sqlite-watch-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    // the task ends with shutdownNow in close(), and poll() handles its own failures
    ScheduledFuture<?> unused =
        timer.scheduleWithFixedDelay(
            this::poll, settings.pollMillis(), settings.pollMillis(), TimeUnit.MILLISECONDS);
  }

  private long dataVersion() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA data_version")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void poll() {
    try {
      long v = dataVersion();
      if (v == dataVersion) {
        return;
      }
      dataVersion = v;
      int rows;
      do {
        rows = 0;
        changed.setLong(1, lastChange);
        long seen = lastChange;
        try (ResultSet rs = changed.executeQuery()) {
          while (rs.next()) {
            rows++;
            long change = rs.getLong(5);
            seen = Math.max(seen, change);
            if (ownChanges.contains(change)) {
              continue;
            }
            sink.accept(
                new RunChange(
                    RunId.of(rs.getString(1)),
                    rs.getLong(2),
                    RunStatus.fromWireName(rs.getString(3)),
                    rs.getLong(4) > lastChange));
          }
        }
        lastChange = seen;
        ownChanges.headSet(lastChange, true).clear();
      } while (rows == PAGE && !Thread.currentThread().isInterrupted());
    } catch (SQLException | RuntimeException e) {
      if (warned.compareAndSet(false, true)) {
        log.warn(
            "sqlite store {} - checking for changes by other processes failed (further failures"
                + " are logged at debug)",
            settings.description(),
            e);
      } else {
        log.debug(
            "sqlite store {} - checking for changes by other processes failed",
            settings.description(),
            e);
      }
    }
  }

  /** Stops polling, waits for a poll in progress, closes the connection. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn(
            "sqlite store {} - the change watcher did not stop within 10 s",
            settings.description());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      changed.close();
      connection.close();
    } catch (SQLException e) {
      log.debug(
          "sqlite store {} - closing the watcher connection failed", settings.description(), e);
    }
  }
}
