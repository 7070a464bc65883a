package dev.runs.internal;

import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunsException;
import dev.runs.StoreIoException;
import dev.runs.spi.StorageEngine;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers concurrent appends into group commits. Each lane is one thread with one queue; a run
 * always maps to the same lane, so its appends stay in order and two lanes never commit the same
 * run. A lane takes the first waiting append, drains whatever else is waiting (up to the batch
 * limit), groups it by run, hands the whole batch to the engine in one commit, then completes each
 * caller's future with exactly its events. While a commit is in flight new appends queue up and
 * form the next batch: no timer, no added latency when idle.
 */
final class GroupCommitter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final PendingAppend STOP = new PendingAppend(null, List.of(), null);

  private final StorageEngine engine;
  private final Clock clock;
  private final Uuid7 ids;
  private final int maxBatchEvents;
  private final CommitListener listener;
  private final Lane[] lanes;

  GroupCommitter(
      StorageEngine engine, Clock clock, int laneCount, int maxBatchEvents, String name,
      CommitListener listener) {
    this.engine = engine;
    this.clock = clock;
    this.ids = new Uuid7(clock);
    this.maxBatchEvents = maxBatchEvents;
    this.listener = listener;
    this.lanes = new Lane[laneCount];
    for (int i = 0; i < laneCount; i++) {
      lanes[i] = new Lane();
      Thread t = new Thread(lanes[i], "runs-commit-" + name + "-" + i);
      t.setDaemon(true);
      lanes[i].thread = t;
      t.start();
    }
  }

  /** Told of each run's newly durable events, on the commit thread. */
  interface CommitListener {
    void committed(RunId runId, dev.runs.spi.RunHead headAfter, List<RunEvent> written);
  }

  void submit(PendingAppend a) {
    lanes[Math.floorMod(a.runId.hashCode(), lanes.length)].queue.add(a);
  }

  /** Commits everything queued, then stops the lanes; appends arriving later fail. */
  void shutdown() {
    for (Lane lane : lanes) {
      lane.queue.add(STOP);
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
    final LinkedBlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>();
    Thread thread;

    @Override
    public void run() {
      List<PendingAppend> taken = new ArrayList<>();
      boolean stopping = false;
      while (!stopping) {
        PendingAppend first;
        try {
          first = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        if (first == STOP) {
          break;
        }
        taken.clear();
        taken.add(first);
        int events = first.drafts.size();
        PendingAppend next;
        while (events < maxBatchEvents && (next = queue.poll()) != null) {
          if (next == STOP) {
            stopping = true;
            break;
          }
          taken.add(next);
          events += next.drafts.size();
        }
        commit(taken);
      }
      // anything still queued arrived after close: refuse it
      PendingAppend late;
      while ((late = queue.poll()) != null) {
        if (late != STOP) {
          late.future.completeExceptionally(new IllegalStateException("store is closed"));
        }
      }
    }
  }

  private void commit(List<PendingAppend> taken) {
    Map<RunId, PlannedBatch> byRun = new LinkedHashMap<>();
    for (PendingAppend a : taken) {
      byRun.computeIfAbsent(a.runId, id -> new PlannedBatch(id, clock, ids)).add(a);
    }
    List<PlannedBatch> batches = new ArrayList<>(byRun.values());
    RuntimeException commitError = null;
    try {
      engine.commit(List.copyOf(batches));
    } catch (RuntimeException e) {
      commitError = e instanceof RunsException ? e
          : new StoreIoException("commit to " + engine.describe() + " failed: " + e, e);
      log.debug("group commit of {} appends to {} failed", taken.size(), engine.describe(), e);
    } catch (Error e) {
      commitError = new StoreIoException("commit to " + engine.describe() + " failed: " + e, e);
      for (PlannedBatch b : batches) {
        finish(b, commitError);
      }
      throw e;
    }
    for (PlannedBatch b : batches) {
      RuntimeException batchError = b.failure() != null ? b.failure() : commitError;
      finish(b, batchError);
      if (batchError == null && b.headAfterOrNull() != null && !b.written().isEmpty()) {
        try {
          listener.committed(b.runId(), b.headAfterOrNull(), b.written());
        } catch (RuntimeException e) {
          log.warn("commit listener failed for run {}", b.runId(), e);
        }
      }
    }
  }

  private static void finish(PlannedBatch b, RuntimeException batchError) {
    for (PendingAppend a : b.appends()) {
      if (a.error != null) {
        a.future.completeExceptionally(a.error);
      } else if (batchError != null || a.result == null) {
        a.future.completeExceptionally(batchError != null ? batchError
            : new StoreIoException("the store did not plan this append (engine bug)"));
      } else {
        List<RunEvent> r = a.result;
        a.future.complete(r);
      }
    }
  }
}
