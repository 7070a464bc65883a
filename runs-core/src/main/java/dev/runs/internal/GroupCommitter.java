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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers concurrent appends into group commits. Each lane has one queue and one commit at a time;
 * a run always maps to the same lane, so its appends stay in order and two lanes never commit the
 * same run. A committer drains whatever is waiting (up to the batch limit, in arrival order),
 * groups it by run, hands the whole batch to the engine in one commit, then completes each caller's
 * future with exactly its events. While a commit is in flight new appends queue up and form the
 * next batch: no timer, no added latency when idle.
 *
 * <p>Who commits: each lane has a thread for asynchronous appends, and a <em>blocking</em> append
 * that finds its lane idle commits on its own thread (leader/follower group commit) when the engine
 * allows it ({@link StorageEngine#allowsCommitOnCallerThread()}) and the thread is not interrupted.
 * That saves the two thread hand-offs (caller to commit thread and back) that otherwise cost a
 * single writer as much as its fsync; appends arriving meanwhile queue behind it and the lane
 * thread commits them. Only one commit per lane runs at a time, and batches are drained in arrival
 * order, so order per run is kept whoever commits.
 */
final class GroupCommitter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

  private final StorageEngine engine;
  private final Clock clock;
  private final Uuid7 ids;
  private final int maxBatchEvents;
  private final CommitListener listener;
  private final Lane[] lanes;
  private final boolean callerMayCommit;
  private final boolean hashChain;

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
    this.lanes = new Lane[laneCount];
    for (int i = 0; i < laneCount; i++) {
      lanes[i] = new Lane("runs-commit-" + name + "-" + i);
      lanes[i].thread.start();
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
    lanes[Math.floorMod(a.runId.hashCode(), lanes.length)].submit(a, lead);
  }

  /** Commits everything queued, then stops the lanes; appends arriving later fail. */
  void shutdown() {
    for (Lane lane : lanes) {
      lane.stop();
    }
    for (Lane lane : lanes) {
      try {
        lane.thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  private final class Lane implements Runnable {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();
    private boolean committing;
    private boolean stopping;
    private boolean stopped;
    final Thread thread;

    Lane(String threadName) {
      thread = new Thread(this, threadName);
      thread.setDaemon(true);
    }

    void submit(PendingAppend a, boolean callerWaits) {
      lock.lock();
      try {
        if (stopped) {
          a.future.completeExceptionally(new StoreClosedException("store is closed"));
          return;
        }
        queue.addLast(a);
        if (committing) {
          return; // the running commit hands the queue on when it ends
        }
        if (!callerWaits) {
          work.signal();
          return;
        }
        committing = true; // this caller leads: it commits on its own thread
      } finally {
        lock.unlock();
      }
      commitOneBatch();
    }

    void stop() {
      lock.lock();
      try {
        stopping = true;
        work.signal();
      } finally {
        lock.unlock();
      }
    }

    /** Drains and commits one batch; the caller has set {@code committing}. */
    private void commitOneBatch() {
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
      try {
        commit(taken);
      } finally {
        lock.lock();
        try {
          committing = false;
          if (!queue.isEmpty() || stopping) {
            work.signal(); // the lane thread takes over what arrived meanwhile
          }
        } finally {
          lock.unlock();
        }
      }
    }

    @Override
    public void run() {
      while (true) {
        lock.lock();
        try {
          while (committing || queue.isEmpty()) {
            if (stopping && !committing && queue.isEmpty()) {
              stopped = true;
              return;
            }
            work.awaitUninterruptibly();
          }
          committing = true;
        } finally {
          lock.unlock();
        }
        commitOneBatch();
      }
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
