package dev.runs.internal;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunsException;
import dev.runs.StoreClosedException;
import dev.runs.StoreIoException;
import dev.runs.internal.support.Uuid7;
import dev.runs.spi.StorageEngine;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers concurrent appends into group commits. Each lane has one queue and one commit at a time;
 * a run always maps to the same lane while it has appends in flight, so its appends stay in order
 * and two lanes never commit the same run. A committer drains whatever is waiting (up to the batch
 * limit, in arrival order), groups it by run, hands the whole batch to the engine in one commit,
 * then completes each caller's future with exactly its events. While a commit is in flight new
 * appends queue up and form the next batch: no timer, no added latency when idle.
 *
 * <p>Which lane: for an engine that gains from committing runs together (one transaction, one fsync
 * for many runs), a fixed number of lanes shared by hash. For an engine whose runs commit
 * independently ({@link StorageEngine#commitsRunsIndependently()}: a file per run), each run with
 * appends in flight has a lane of its own, made when its first append arrives and dropped when its
 * queue empties, so two busy runs never wait for each other's commits.
 *
 * <p>Who commits: a pool of commit threads (as many as the lane count asked for) serves lanes with
 * asynchronous appends, and a <em>blocking</em> append that finds its lane idle commits on its own
 * thread (leader/follower group commit) when the engine allows it ({@link
 * StorageEngine#allowsCommitOnCallerThread()}) and the thread is not interrupted. That saves the
 * two thread hand-offs (caller to commit thread and back) that otherwise cost a single writer as
 * much as its fsync; appends arriving meanwhile queue behind it and a pool thread commits them.
 * Only one commit per lane runs at a time, and batches are drained in arrival order, so order per
 * run is kept whoever commits.
 */
final class GroupCommitter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

  /** Set in {@link #state} once the committer stops; the bits below count the active lanes. */
  private static final int STOPPED = 1 << 30;

  private final StorageEngine engine;
  private final Clock clock;
  private final Uuid7 ids;
  private final int maxBatchEvents;
  private final CommitListener listener;
  private final boolean callerMayCommit;
  private final boolean hashChain;

  /** The shared lanes, by hash of the run id; null when each run has its own lane. */
  private final Lane @Nullable [] sharedLanes;

  /** Each run's own lane while it has appends in flight (unused with shared lanes). */
  private final ConcurrentHashMap<RunId, Lane> runLanes = new ConcurrentHashMap<>();

  /** Lanes waiting for a commit thread; {@link #stop} tells one thread to end. */
  private final LinkedBlockingQueue<Lane> ready = new LinkedBlockingQueue<>();

  private final Lane stop = new Lane(null);
  private final Thread[] threads;

  /**
   * {@link #STOPPED} once stopped, plus the number of lanes with a commit in flight or queued for a
   * thread. The threads are told to end when it reaches exactly {@link #STOPPED}: then nothing is
   * in flight and nothing new can start.
   */
  private final AtomicInteger state = new AtomicInteger();

  GroupCommitter(
      StorageEngine engine,
      Clock clock,
      boolean hashChain,
      int laneCount,
      int maxBatchEvents,
      String name,
      CommitListener listener) {
    this.engine = engine;
    this.clock = clock;
    this.hashChain = hashChain;
    this.ids = new Uuid7(clock);
    this.maxBatchEvents = maxBatchEvents;
    this.listener = listener;
    this.callerMayCommit = engine.allowsCommitOnCallerThread();
    if (engine.commitsRunsIndependently()) {
      this.sharedLanes = null;
    } else {
      Lane[] lanes = new Lane[laneCount];
      for (int i = 0; i < laneCount; i++) {
        lanes[i] = new Lane(null);
      }
      this.sharedLanes = lanes;
    }
    this.threads = new Thread[laneCount];
    for (int i = 0; i < laneCount; i++) {
      threads[i] = new Thread(this::serve, "runs-commit-" + name + "-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  /** Told of each run's newly durable events, on the thread that committed them. */
  interface CommitListener {
    void committed(RunId runId, dev.runs.spi.RunHead headAfter, List<RunEvent> written);

    /**
     * Told once per group commit, after {@link #committed} for each of its runs.
     *
     * @param appends the appends the commit held
     * @param written each run's newly durable events (runs that wrote nothing are left out)
     * @param nanos how long the engine's commit took
     */
    default void groupCommitted(int appends, List<List<RunEvent>> written, long nanos) {}

    /** Told when a whole group commit failed. */
    default void groupFailed(RuntimeException error, int appends) {}
  }

  /**
   * Queues an append.
   *
   * @param a the append
   * @param callerWaits true when the caller blocks until it is durable: it may then commit itself
   */
  void submit(PendingAppend a, boolean callerWaits) {
    boolean lead = callerWaits && callerMayCommit && !Thread.currentThread().isInterrupted();
    while (!laneOf(a.runId).submit(a, lead)) {
      // that run's lane emptied and was dropped between the look-up and the lock: look again
    }
  }

  private Lane laneOf(RunId runId) {
    Lane[] shared = sharedLanes;
    if (shared != null) {
      return shared[Math.floorMod(runId.hashCode(), shared.length)];
    }
    return runLanes.computeIfAbsent(runId, Lane::new);
  }

  /**
   * Commits everything queued, then stops the commit threads; appends arriving later fail. Returns
   * early, with the interrupt flag set, if the calling thread is interrupted while it waits.
   */
  void shutdown() {
    int s = state.updateAndGet(v -> v | STOPPED);
    if (s == STOPPED) {
      endThreads();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** Starts a commit: false once stopped. */
  private boolean enter() {
    int s = state.getAndUpdate(v -> (v & STOPPED) != 0 ? v : v + 1);
    return (s & STOPPED) == 0;
  }

  /** Ends a commit; the last one after {@link #shutdown} ends the threads. */
  private void leave() {
    if (state.decrementAndGet() == STOPPED) {
      endThreads();
    }
  }

  private void endThreads() {
    for (int i = 0; i < threads.length; i++) {
      ready.add(stop);
    }
  }

  /** A commit thread: commits the lanes handed to it until told to stop. */
  private void serve() {
    while (true) {
      Lane lane;
      try {
        lane = ready.take();
      } catch (InterruptedException e) {
        continue; // nothing interrupts these threads on purpose; they end on the stop marker
      }
      if (lane == stop) {
        return;
      }
      try {
        while (lane.commitOneBatch(true)) {
          // the lane had more and no other lane was waiting: go on with it, waking no one
        }
      } catch (RuntimeException | Error e) {
        // the appends' futures were failed in commit(); the thread goes on serving
        log.error("group commit on {} failed", engine.describe(), e);
      }
    }
  }

  private final class Lane {
    /** The run this lane serves alone, or null for a shared lane. */
    private final @Nullable RunId run;

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();
    private boolean committing;
    private boolean dropped;

    Lane(@Nullable RunId run) {
      this.run = run;
    }

    /**
     * Queues an append, and commits it on this thread when the caller waits and leads.
     *
     * @return false when this run's lane was dropped before the lock was taken: nothing was queued
     */
    boolean submit(PendingAppend a, boolean callerLeads) {
      lock.lock();
      try {
        if (dropped) {
          return false;
        }
        if ((state.get() & STOPPED) != 0 || (!committing && !enter())) {
          a.future.completeExceptionally(new StoreClosedException("store is closed"));
          return true;
        }
        queue.addLast(a);
        if (committing) {
          return true; // the running commit hands the queue on when it ends
        }
        committing = true;
        if (!callerLeads) {
          ready.add(this);
          return true;
        }
      } finally {
        lock.unlock();
      }
      commitOneBatch(false); // this caller leads: it commits on its own thread
      return true;
    }

    /**
     * Drains and commits one batch; the caller has set {@code committing}. What arrived meanwhile
     * goes to a commit thread; an emptied lane of its own run is dropped.
     *
     * @param mayGoOn true on a commit thread: when more arrived and no other lane waits for a
     *     thread, it goes on with this lane itself instead of queuing it, which would wake another
     *     thread for nothing
     * @return true when the caller must commit this lane's next batch
     */
    boolean commitOneBatch(boolean mayGoOn) {
      List<PendingAppend> taken = new ArrayList<>();
      lock.lock();
      try {
        int events = 0;
        while (!queue.isEmpty()
            && (taken.isEmpty() || events + queue.peekFirst().drafts.size() <= maxBatchEvents)) {
          PendingAppend next = queue.pollFirst();
          taken.add(next);
          events += next.drafts.size();
        }
      } finally {
        lock.unlock();
      }
      boolean goOn = false;
      boolean returned = false;
      try {
        commit(taken);
        returned = true;
      } finally {
        boolean idle;
        lock.lock();
        try {
          idle = queue.isEmpty();
          if (idle) {
            committing = false;
            if (run != null) {
              dropped = true;
              runLanes.remove(run, this);
            }
          } else if (mayGoOn && returned && ready.isEmpty()) {
            goOn = true; // still committing: this thread takes what arrived meanwhile
          } else {
            ready.add(this); // still committing: a commit thread takes what arrived meanwhile
          }
        } finally {
          lock.unlock();
        }
        if (idle) {
          leave();
        }
      }
      return goOn;
    }
  }

  private void commit(List<PendingAppend> taken) {
    Map<RunId, PlannedBatch> byRun = new LinkedHashMap<>();
    for (PendingAppend a : taken) {
      byRun.computeIfAbsent(a.runId, id -> new PlannedBatch(id, clock, ids, hashChain)).add(a);
    }
    List<PlannedBatch> batches = new ArrayList<>(byRun.values());
    RuntimeException commitError = null;
    long began = System.nanoTime();
    try {
      engine.commit(List.copyOf(batches));
    } catch (RuntimeException e) {
      commitError =
          e instanceof RunsException
              ? e
              : new StoreIoException("commit to " + engine.describe() + " failed: " + e, e);
      log.debug("group commit of {} appends to {} failed", taken.size(), engine.describe(), e);
    } catch (Error e) {
      commitError = new StoreIoException("commit to " + engine.describe() + " failed: " + e, e);
      for (PlannedBatch b : batches) {
        finish(b, commitError);
      }
      throw e;
    }
    long nanos = System.nanoTime() - began;
    List<List<RunEvent>> written = new ArrayList<>(batches.size());
    for (PlannedBatch b : batches) {
      RuntimeException batchError = b.failure() != null ? b.failure() : commitError;
      // watchers and subscriptions hear of the events before the appends return, so a caller
      // that appended sees its own change reported (also when a lane thread committed it)
      if (batchError == null && b.headAfterOrNull() != null && !b.written().isEmpty()) {
        written.add(b.written());
        try {
          listener.committed(b.runId(), b.headAfterOrNull(), b.written());
        } catch (RuntimeException e) {
          log.warn("commit listener failed for run {}", b.runId(), e);
        }
      }
      finish(b, batchError);
    }
    try {
      if (commitError != null) {
        listener.groupFailed(commitError, taken.size());
      } else if (!written.isEmpty()) {
        listener.groupCommitted(taken.size(), written, nanos);
      }
    } catch (RuntimeException e) {
      log.warn("commit listener failed", e);
    }
  }

  private static void finish(PlannedBatch b, @Nullable RuntimeException batchError) {
    for (PendingAppend a : b.appends()) {
      if (a.error != null) {
        a.future.completeExceptionally(a.error);
      } else if (batchError != null || a.result == null) {
        a.future.completeExceptionally(
            batchError != null
                ? batchError
                : new StoreIoException("the store did not plan this append (engine bug)"));
      } else {
        List<RunEvent> r = a.result;
        a.future.complete(r);
      }
    }
  }
}
