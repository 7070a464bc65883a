package dev.runs.store.postgres;

import dev.runs.RunChange;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.ValidationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the core about changes committed by other instances. Every commit queues {@code
 * pg_notify('runs_changes_<schema>', '<run_id>:<last_seq>:<status>')} inside its transaction, so
 * the notice is sent if and only if the commit happens. One background thread keeps a dedicated
 * connection in {@code LISTEN} and turns notices from other sessions into {@link RunChange} hints;
 * the core then re-reads the run from the tables, so a lost notice costs latency, never an event.
 *
 * <p>Runs that move send notices with a fourth field: {@code <run_id>:<last_seq>:<status>:imported}
 * when an import committed a run that did not exist (reported as a creation at its last sequence,
 * whatever it was), {@code ...:deleted} when a run was removed (not reported, since a {@link
 * RunChange} cannot say it; the run is forgotten, so its id created again later is news). Archiving
 * a run and restoring it leave its head as it was and send nothing. A sequence is only news when it
 * is greater than the last one known for the run, so without these two kinds a run deleted and
 * imported or created again under its id would go unreported.
 *
 * <p>Notices can be lost while the listening connection is down. As a fallback the thread also
 * polls, every {@code poll_ms}, the heads of the runs this instance has written or heard about in
 * the last ten minutes (at most {@value #MAX_WATCHED}), and after a reconnect it polls at once. A
 * polled run found gone is forgotten; one found at a lower sequence than known was deleted and
 * stored again, and is reported as created. Subscribers of the core additionally poll their own
 * run's head.
 */
final class PgChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PgChangeFeed.class);
  static final int MAX_WATCHED = 4096;
  private static final long WATCH_FOR_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final int WAIT_MS = 250;
  private static final long MAX_BACKOFF_MS = 30_000;

  /** How long {@link #start} waits for the first {@code LISTEN} to be tried. */
  static final long FIRST_LISTEN_WAIT_SECONDS = 10;

  /** Counted down once the first {@code LISTEN} succeeded or failed. */
  private final CountDownLatch firstListen = new CountDownLatch(1);

  private final ConnectionSource source;
  private final String where;
  private final UnaryOperator<String> scrub;
  private final long pollMs;
  private final String channel;
  private final String pollSql;
  private final Map<RunId, Known> known = new ConcurrentHashMap<>();

  /** Runs this instance is committing now, with how many commits are in flight for each. */
  private final Map<RunId, Integer> committing = new ConcurrentHashMap<>();

  /** Polls finished, for tests that wait for the poll to have looked. */
  private final AtomicLong polls = new AtomicLong();

  private volatile @Nullable Consumer<RunChange> sink;
  private volatile boolean closed;
  private @Nullable Thread thread;

  /** The last head seen for a run and when it was last touched. */
  private record Known(long lastSequence, long touched) {}

  PgChangeFeed(
      ConnectionSource source,
      String schema,
      String where,
      UnaryOperator<String> scrub,
      long pollMs) {
    this.source = source;
    this.where = where;
    this.scrub = scrub;
    this.pollMs = pollMs;
    this.channel = PgConfig.channel(schema);
    this.pollSql =
        "SELECT id, last_seq, status FROM " + PgSchema.quote(schema) + ".runs WHERE id = ANY (?)";
  }

  /** The fourth field of a notice about a run that moved. */
  static final String IMPORTED = "imported";

  /** The fourth field of a notice about a deleted run. */
  static final String DELETED = "deleted";

  /**
   * @return the notice text for a run's head
   */
  static String payload(String runId, long lastSequence, RunStatus status) {
    return runId + ":" + lastSequence + ":" + status.wireName();
  }

  /**
   * @param kind {@link #IMPORTED} or {@link #DELETED}
   * @return the notice text for a run that moved
   */
  static String payload(String runId, long lastSequence, RunStatus status, String kind) {
    return payload(runId, lastSequence, status) + ":" + kind;
  }

  /**
   * Starts the listening thread; changes go to the sink. Returns once the first {@code LISTEN} was
   * tried (at most {@link #FIRST_LISTEN_WAIT_SECONDS}), so that what other instances commit after
   * the store opened is heard even without polling.
   */
  synchronized void start(Consumer<RunChange> changes) {
    if (thread != null) {
      throw new IllegalStateException("already watching");
    }
    this.sink = changes;
    thread = new Thread(this::loop, "runs-pg-listen-" + channel);
    thread.setDaemon(true);
    thread.start();
    try {
      if (!firstListen.await(FIRST_LISTEN_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.debug("{} - LISTEN not set up within {} s; going on", where, FIRST_LISTEN_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records a head this instance committed (its notice is not news, later ones are). */
  void noteOwnHead(RunId id, long lastSequence) {
    long now = System.nanoTime();
    known.merge(
        id,
        new Known(lastSequence, now),
        (a, b) -> new Known(Math.max(a.lastSequence(), b.lastSequence()), now));
  }

  /**
   * Records a run this instance imported: its head replaces whatever was known under its id (a run
   * deleted before, possibly further along).
   */
  void noteOwnImport(RunId id, long lastSequence) {
    known.put(id, new Known(lastSequence, System.nanoTime()));
  }

  /**
   * Marks runs this instance is about to commit. Until {@link #ownCommitsEnded} the poll leaves
   * them alone: a head it reads between the commit and {@link #noteOwnHead} is this instance's own
   * write, not news. (Notices need no such care: this instance's own are told apart by backend.)
   */
  void ownCommitsStarted(Collection<RunId> ids) {
    for (RunId id : ids) {
      committing.merge(id, 1, Integer::sum);
    }
  }

  /**
   * Ends {@link #ownCommitsStarted} for the same runs, once their heads are noted or their commit
   * failed.
   */
  void ownCommitsEnded(Collection<RunId> ids) {
    for (RunId id : ids) {
      committing.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  /**
   * @return how many polls have finished
   */
  long polls() {
    return polls.get();
  }

  /** Forgets a run this instance deleted, so its id stored again later is news. */
  void forget(RunId id) {
    known.remove(id);
  }

  private void loop() {
    Connection c = null;
    long backoff = 250;
    boolean warned = false;
    long nextPoll = System.nanoTime();
    boolean pollNow = false;
    while (!closed) {
      if (c == null) {
        try {
          c = source.openDedicated();
          c.setAutoCommit(true);
          try (Statement st = c.createStatement()) {
            st.execute("LISTEN \"" + channel + "\"");
          }
          if (warned) {
            log.info("{} - listening for changes by other instances again", where);
            pollNow = true;
          }
          warned = false;
          backoff = 250;
          firstListen.countDown();
        } catch (SQLException | RuntimeException e) {
          firstListen.countDown();
          close(c);
          c = null;
          if (!warned) {
            log.warn(
                "{} - cannot listen for changes by other instances ({}); polling every {} ms"
                    + " and retrying",
                where,
                scrub.apply(e.getMessage()),
                pollMs);
            warned = true;
          } else {
            log.debug("{} - listening still fails", where, e);
          }
          sleep(backoff);
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
          continue;
        }
      }
      try {
        PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(WAIT_MS);
        if (got != null) {
          for (PGNotification n : got) {
            handle(n);
          }
        }
        if (pollMs > 0 && (pollNow || System.nanoTime() - nextPoll >= 0)) {
          poll(c);
          pollNow = false;
          nextPoll = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pollMs);
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          break;
        }
        if (!warned) {
          log.warn(
              "{} - the connection listening for changes by other instances failed ({});"
                  + " reconnecting",
              where,
              scrub.apply(e.getMessage()));
          warned = true;
        } else {
          log.debug("{} - listening failed again", where, e);
        }
        close(c);
        c = null;
      }
    }
    close(c);
  }

  private void handle(PGNotification n) {
    if (!channel.equals(n.getName()) || source.isOwnBackend(n.getPID())) {
      return;
    }
    String p = n.getParameter();
    String[] parts = p.split(":", -1);
    RunId id;
    long seq;
    RunStatus status;
    String kind;
    try {
      if (parts.length != 3 && parts.length != 4) {
        throw new IllegalArgumentException("expected <run_id>:<last_seq>:<status>[:<kind>]");
      }
      id = RunId.of(parts[0]);
      seq = Long.parseLong(parts[1]);
      status = RunStatus.fromWireName(parts[2]);
      kind = parts.length == 4 ? parts[3] : "";
    } catch (IllegalArgumentException | ValidationException e) {
      log.debug("{} - ignoring malformed notice '{}'", where, p, e);
      return;
    }
    switch (kind) {
      case "" -> report(id, seq, status);
      case IMPORTED -> reportStoredAgain(id, seq, status);
      case DELETED -> known.remove(id);
      default -> log.debug("{} - ignoring a notice of unknown kind '{}'", where, p);
    }
  }

  /**
   * Reports a run stored under its id (imported, or found again by the poll at a lower sequence) as
   * a creation at its head, replacing what was known under the id.
   */
  private void reportStoredAgain(RunId id, long seq, RunStatus status) {
    known.put(id, new Known(seq, System.nanoTime()));
    Consumer<RunChange> s = sink;
    if (s != null && !closed) {
      try {
        s.accept(new RunChange(id, seq, status, true));
      } catch (RuntimeException e) {
        log.debug("{} - a change listener failed on run {}", where, id, e);
      }
    }
  }

  /** Reports a head if it is newer than what this instance knows. */
  private void report(RunId id, long seq, RunStatus status) {
    long now = System.nanoTime();
    boolean[] news = new boolean[1];
    known.compute(
        id,
        (k, old) -> {
          if (old == null || seq > old.lastSequence()) {
            news[0] = true;
            return new Known(seq, now);
          }
          return old;
        });
    if (news[0]) {
      Consumer<RunChange> s = sink;
      if (s != null && !closed) {
        try {
          s.accept(new RunChange(id, seq, status, seq == 1));
        } catch (RuntimeException e) {
          log.debug("{} - a change listener failed on run {}", where, id, e);
        }
      }
    }
  }

  private void poll(Connection c) throws SQLException {
    long now = System.nanoTime();
    known.entrySet().removeIf(e -> now - e.getValue().touched() > WATCH_FOR_NANOS);
    if (known.size() > MAX_WATCHED) {
      List<Map.Entry<RunId, Known>> all = new ArrayList<>(known.entrySet());
      all.sort(Comparator.comparingLong(e -> e.getValue().touched()));
      for (int i = 0; i < all.size() - MAX_WATCHED; i++) {
        known.remove(all.get(i).getKey());
      }
    }
    if (known.isEmpty()) {
      polls.incrementAndGet();
      return;
    }
    Map<RunId, Known> asked = new java.util.HashMap<>(known);
    String[] ids = asked.keySet().stream().map(RunId::value).toArray(String[]::new);
    try (PreparedStatement ps = c.prepareStatement(pollSql)) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          RunId id = RunId.of(rs.getString(1));
          long seq = rs.getLong(2);
          Known k = asked.remove(id);
          if (k == null || committing.containsKey(id)) {
            // (a run this instance is committing is looked at again by the next poll)
            continue;
          }
          RunStatus status = RunStatus.fromWireName(rs.getString(3));
          if (seq > k.lastSequence()) {
            report(id, seq, status);
          } else if (seq < k.lastSequence() && k.equals(known.get(id))) {
            // deleted and stored again under its id while notices were lost
            reportStoredAgain(id, seq, status);
          }
        }
      }
    }
    // gone: deleted while notices were lost (unless something was heard of it meanwhile)
    for (Map.Entry<RunId, Known> gone : asked.entrySet()) {
      known.remove(gone.getKey(), gone.getValue());
    }
    polls.incrementAndGet();
  }

  private void sleep(long ms) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    synchronized (this) {
      while (!closed) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return;
        }
        try {
          wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void close(@Nullable Connection c) {
    if (c == null) {
      return;
    }
    try {
      if (!c.isClosed()) {
        try (Statement st = c.createStatement()) {
          // a host pool must not get back a session that keeps collecting notices
          st.execute("UNLISTEN *");
        }
      }
    } catch (SQLException e) {
      log.debug("{} - UNLISTEN failed", where, e);
    }
    try {
      c.close();
    } catch (SQLException e) {
      log.debug("{} - closing the listening connection failed", where, e);
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      notifyAll();
      t = thread;
    }
    if (t != null) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{} - the listening thread did not stop within 10 s", where);
      }
    }
  }
}
