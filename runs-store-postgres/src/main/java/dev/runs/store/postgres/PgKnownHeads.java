package dev.runs.store.postgres;

import dev.runs.RunId;
import dev.runs.spi.RunHead;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What the fast path of {@link PgAppends} plans on: the heads this instance wrote last, and the
 * runs another instance wrote recently, which take the locking path for a few seconds instead of
 * trusting a head that may have moved. Every head remembered is also passed to the change feed, so
 * it does not report this instance's own writes as news. Both maps are bounded: the heads are
 * dropped all at once when there are too many, the contended runs are pruned of expired entries.
 *
 * <p>Thread-safe: concurrent maps and a volatile setting; a head read here is only a guess that the
 * conditional write of the fast path confirms or refutes.
 */
final class PgKnownHeads {
  private static final int MAX_KNOWN_HEADS = 10_000;
  private static final long CONTENDED_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final PgChangeFeed feed;

  /** Heads this instance wrote last, for the fast path. */
  private final Map<RunId, RunHead> knownHeads = new ConcurrentHashMap<>();

  /** Runs another instance wrote recently, with the time until which they take the locking path. */
  private final Map<RunId, Long> contended = new ConcurrentHashMap<>();

  /** How long a run another instance wrote stays on the locking path (tests shorten it). */
  volatile long contendedNanos = CONTENDED_NANOS;

  /**
   * A run whose head is known after a commit.
   *
   * @param runId the run
   * @param head its head as committed
   */
  record Moved(RunId runId, RunHead head) {}

  /**
   * @param feed told about every head this instance writes
   */
  PgKnownHeads(PgChangeFeed feed) {
    this.feed = feed;
  }

  /**
   * @param id a run
   * @param now {@link System#nanoTime()} at the start of the commit
   * @return the head to plan a fast-path write on, or null when the run must take the locking path
   *     (its head is unknown here, or another instance wrote it recently)
   */
  @Nullable RunHead fastHead(RunId id, long now) {
    Long until = contended.get(id);
    if (until != null && now - until > 0) {
      contended.remove(id);
      until = null;
    }
    return until == null ? knownHeads.get(id) : null;
  }

  /**
   * Marks runs this instance is about to commit, so that the change feed's poll does not take the
   * commit for another instance's write before {@link #remember} notes it. Every call is paired
   * with {@link #committed}, in a {@code finally}.
   *
   * @param ids the runs
   */
  void committing(Collection<RunId> ids) {
    feed.ownCommitsStarted(ids);
  }

  /**
   * Ends {@link #committing}, after the heads were remembered or the commit failed.
   *
   * @param ids the same runs
   */
  void committed(Collection<RunId> ids) {
    feed.ownCommitsEnded(ids);
  }

  /**
   * Remembers heads this instance committed.
   *
   * @param moved the runs and their heads
   */
  void remember(List<Moved> moved) {
    if (knownHeads.size() > MAX_KNOWN_HEADS) {
      knownHeads.clear();
    }
    for (Moved m : moved) {
      knownHeads.put(m.runId(), m.head());
      feed.noteOwnHead(m.runId(), m.head().lastSequence());
    }
  }

  /**
   * Remembers the head of a run this instance imported, replacing whatever was known under its id.
   *
   * @param id the run
   * @param head its head as committed
   */
  void rememberImport(RunId id, RunHead head) {
    if (knownHeads.size() > MAX_KNOWN_HEADS) {
      knownHeads.clear();
    }
    knownHeads.put(id, head);
    feed.noteOwnImport(id, head.lastSequence());
  }

  /**
   * Forgets a run this instance deleted or archived: its next append takes the locking path.
   *
   * @param id the run
   * @param deleted true when the run is gone (the change feed forgets it too)
   */
  void forget(RunId id, boolean deleted) {
    knownHeads.remove(id);
    if (deleted) {
      feed.forget(id);
    }
  }

  /**
   * @return until when ({@link System#nanoTime()}) a run found contended now stays contended
   */
  long contendedUntil() {
    return System.nanoTime() + contendedNanos;
  }

  /**
   * Forgets a run's head because another instance wrote the run: it takes the locking path until
   * the given time.
   *
   * @param id the run
   * @param until from {@link #contendedUntil()}
   */
  void contend(RunId id, long until) {
    knownHeads.remove(id);
    if (contended.size() >= MAX_KNOWN_HEADS) {
      long now = System.nanoTime();
      contended.values().removeIf(t -> now - t > 0);
    }
    contended.put(id, until);
  }
}
