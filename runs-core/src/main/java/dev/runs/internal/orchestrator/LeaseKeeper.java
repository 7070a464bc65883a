package dev.runs.internal.orchestrator;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Lease;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunStore;
import dev.runs.SequenceConflictException;
import dev.runs.payload.RunInterrupted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of this orchestrator's executions: renews them every third of their lifetime on
 * a thread of its own, tells an execution when its lease was lost or its run was cancelled or ended
 * elsewhere, and marks the runs of owners that stopped renewing (interrupted when they had started,
 * failed when they had not). Thread-safe: the renewal thread and callers of {@link
 * #recoverInterrupted()} share only the thread-safe registry and store.
 */
final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final ExecutionEnvironment env;
  private final Duration leaseTtl;
  private final ActiveExecutions active;
  private final ScheduledThreadPoolExecutor timer;
  private final ScheduledFuture<?> renewal;
  private final AtomicBoolean warned = new AtomicBoolean();

  /**
   * Starts renewing at once.
   *
   * @param number the orchestrator's number in this JVM, for the thread name
   */
  LeaseKeeper(ExecutionEnvironment env, Duration leaseTtl, ActiveExecutions active, int number) {
    this.env = Objects.requireNonNull(env, "env");
    this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
    this.active = Objects.requireNonNull(active, "active");
    ScheduledThreadPoolExecutor k =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "runs-orchestrator-" + number + "-leases");
              t.setDaemon(true);
              return t;
            });
    k.setRemoveOnCancelPolicy(true);
    this.timer = k;
    long period = Math.max(100, leaseTtl.toMillis() / 3);
    this.renewal = timer.scheduleAtFixedRate(this::renewAll, period, period, TimeUnit.MILLISECONDS);
  }

  /** Stops renewing; leases of executions still running then expire. */
  void shutdown() {
    renewal.cancel(false);
    timer.shutdownNow();
  }

  private void renewAll() {
    RunStore store = env.store();
    for (Execution ex : active.all()) {
      RunId id = ex.runId();
      try {
        Optional<Lease> renewed = store.renewLease(id, env.instanceId(), leaseTtl);
        env.listeners().notify(l -> l.leaseRenewed(id, renewed.isPresent()));
        if (renewed.isEmpty()) {
          if (!ex.done.isDone() && active.get(id) == ex) { // not one ending meanwhile
            log.warn(
                "run {} - this instance lost its lease; the execution stops without writing"
                    + " a final event",
                id);
            ex.leaseLost();
          }
          continue;
        }
        if (ex.hasBegun()) {
          store.entry(id).ifPresent(e -> ex.observedStatus(e.status()));
        }
      } catch (RuntimeException e) {
        if (warned.compareAndSet(false, true)) {
          log.warn("run {} - lease renewal failed (further failures are logged at debug)", id, e);
        } else {
          log.debug("run {} - lease renewal failed", id, e);
        }
      }
    }
  }

  /** See {@link dev.runs.RunOrchestrator#recoverInterrupted()}. */
  List<RunId> recoverInterrupted() {
    RunStore store = env.store();
    List<RunId> marked = new ArrayList<>();
    Set<RunId> seen = new HashSet<>();
    while (true) {
      boolean progress = false;
      for (Lease lease : store.expiredLeases(100)) {
        if (!seen.add(lease.runId())) {
          continue;
        }
        progress = true;
        Execution mine = active.get(lease.runId());
        if (mine != null && lease.owner().equals(env.instanceId())) {
          store.renewLease(lease.runId(), env.instanceId(), leaseTtl);
          continue;
        }
        if (recover(lease)) {
          marked.add(lease.runId());
          env.listeners().notify(l -> l.runRecovered(lease.runId()));
        }
      }
      if (!progress) {
        return marked;
      }
    }
  }

  private boolean recover(Lease expired) {
    RunStore store = env.store();
    RunId id = expired.runId();
    if (store.acquireLease(id, env.instanceId(), leaseTtl).isEmpty()) {
      return false; // renewed or taken meanwhile
    }
    try {
      for (int i = 0; i < 1000; i++) {
        RunEntry e = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
        EventDraft draft;
        switch (e.status()) {
          case RUNNING, CANCEL_REQUESTED -> {
            draft = EventDraft.of(RunInterrupted.of("lease_expired", expired.owner()));
          }
          case CREATED, QUEUED -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            Map<String, Object> error = new LinkedHashMap<>(); // Map.of's order varies by JVM
            error.put(
                "message",
                "owner " + expired.owner() + " stopped renewing its lease before starting the run");
            error.put("code", "lease_expired");
            fields.put("error", error);
            fields.put("reason", "lease_expired");
            draft =
                EventDraft.of(
                    EventTypes.RUN_FAILED,
                    env.terminals()
                        .of(e.record(), EventTypes.RUN_FAILED, fields, Optional.empty(), false));
          }
          default -> {
            return false; // already ended; the lease was stale
          }
        }
        try {
          store.append(
              id,
              List.of(draft.withSource(ExecutionEnvironment.SOURCE)),
              ExpectedSequence.of(e.lastSequence()));
        } catch (SequenceConflictException | IllegalTransitionException raced) {
          continue;
        }
        log.info(
            "run {} - marked {}: owner {} stopped renewing its lease (expired {})",
            id,
            draft.type().equals(EventTypes.RUN_INTERRUPTED) ? "interrupted" : "failed",
            expired.owner(),
            expired.expiresAt());
        return true;
      }
      return false;
    } finally {
      store.releaseLease(id, env.instanceId());
    }
  }
}
