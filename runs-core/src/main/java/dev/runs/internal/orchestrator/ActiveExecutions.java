package dev.runs.internal.orchestrator;

import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunsException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executions this orchestrator runs, by run id, and what happens when one ends: the lease is
 * released (unless a store failure stopped it), the execution leaves the registry, listeners hear
 * of it and its completion future completes. Thread-safe: a concurrent map, used by the callers of
 * the orchestrator, the executor threads and the lease keeper.
 */
final class ActiveExecutions implements ExecutionEnded {
  private static final Logger log = LoggerFactory.getLogger(ActiveExecutions.class);

  private final ConcurrentHashMap<RunId, Execution> active = new ConcurrentHashMap<>();
  private final RunStore store;
  private final String instanceId;
  private final Listeners listeners;

  ActiveExecutions(RunStore store, String instanceId, Listeners listeners) {
    this.store = Objects.requireNonNull(store, "store");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.listeners = Objects.requireNonNull(listeners, "listeners");
  }

  /**
   * @return the run's execution here, or {@code null}
   */
  @Nullable Execution get(RunId id) {
    return active.get(id);
  }

  /** Registers an execution, replacing any. */
  void put(Execution ex) {
    active.put(ex.runId(), ex);
  }

  /**
   * @return the execution already registered for the run, or {@code null} after registering
   */
  @Nullable Execution putIfAbsent(Execution ex) {
    return active.putIfAbsent(ex.runId(), ex);
  }

  /** Removes the execution if it is still the one registered for its run. */
  void remove(Execution ex) {
    active.remove(ex.runId(), ex);
  }

  /**
   * @return a live view of the registered executions
   */
  Collection<Execution> all() {
    return active.values();
  }

  /**
   * @return whether no execution is registered
   */
  boolean isEmpty() {
    return active.isEmpty();
  }

  @Override
  public void executionEnded(
      Execution ex, @Nullable RunStatus status, @Nullable RuntimeException failure, Duration took) {
    RunId id = ex.runId();
    if (failure != null || status == null) {
      // a store failure, or an Error that escaped the execution before it had a status
      active.remove(id, ex);
      log.warn(
          "run {} - execution stopped by a store failure; its lease is kept so that it expires"
              + " and recoverInterrupted() marks the run interrupted",
          id,
          failure);
      ex.done.completeExceptionally(
          failure != null
              ? failure
              : new IllegalStateException("run " + id + " - execution ended without a status"));
      return;
    }
    // removed before the release, so that the lease thread stops renewing it, and before
    // completing, so that a resume following completion finds no execution here
    active.remove(id, ex);
    if (status != RunStatus.RUNNING && status != RunStatus.CANCEL_REQUESTED) {
      try {
        store.releaseLease(id, instanceId);
      } catch (RunsException e) {
        log.debug("run {} - lease release failed; it will expire", id, e);
      }
    }
    log.debug("run {} - execution ended {}", id, status == null ? "?" : status.wireName());
    listeners.notify(l -> l.runFinished(id, status, took));
    ex.done.complete(status);
  }

  /**
   * Waits for every registered execution to end.
   *
   * @return whether all ended within the timeout
   */
  boolean awaitAll(Duration timeout) {
    List<CompletableFuture<RunStatus>> pending = new ArrayList<>();
    active.values().forEach(ex -> pending.add(ex.done));
    if (pending.isEmpty()) {
      return true;
    }
    try {
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return active.isEmpty();
    } catch (TimeoutException e) {
      return false;
    }
  }
}
