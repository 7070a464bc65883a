package dev.runs.internal.orchestrator;

import dev.runs.CancellationToken;
import dev.runs.RunCancelledException;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunsException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why an execution should stop, and the means to wake it: a cancel asked for through this instance
 * (or its close), a cancel request or end found in the store, or the loss of the run's lease. It is
 * the workflow's {@link CancellationToken}; it wakes a retry delay early, and interrupts a step's
 * thread when the step asked for that ({@link dev.runs.StepOptions#interruptOnCancel()}). The store
 * is read at most every 50 ms for polls.
 *
 * <p>Thread-safe: the flags are volatile and only ever go from unset to set; the interruptible
 * thread is guarded by a lock so that an interrupt never reaches a thread after its step ended.
 */
final class StopSignal implements CancellationToken {
  private static final Logger log = LoggerFactory.getLogger(StopSignal.class);
  private static final long STORE_CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final RunStore store;
  private final RunId runId;
  private final CountDownLatch latch = new CountDownLatch(1);
  private final Object interruptLock = new Object();
  private volatile @Nullable String localReason;
  private volatile boolean storeCancelRequested;
  private volatile boolean leaseLost;
  private volatile boolean endedElsewhere;
  private volatile long lastStoreCheck = System.nanoTime() - STORE_CHECK_INTERVAL_NANOS;
  private @Nullable Thread interruptible;
  private boolean interruptSent;

  StopSignal(RunStore store, RunId runId) {
    this.store = Objects.requireNonNull(store, "store");
    this.runId = Objects.requireNonNull(runId, "runId");
  }

  // ---- signals ---------------------------------------------------------------------------------

  /** A cancel was asked for through this instance, or the orchestrator closes; the first wins. */
  void requestStop(String reason) {
    if (localReason == null) {
      localReason = reason;
    }
    wake();
  }

  /** Another instance took the run's lease. */
  void leaseLost() {
    leaseLost = true;
    wake();
  }

  /** The lease keeper saw the run's status in the store. */
  void observedStatus(RunStatus status) {
    if (status == RunStatus.CANCEL_REQUESTED) {
      storeCancelRequested = true;
      wake();
    } else if (status.isTerminal()) {
      endedElsewhere = true;
      wake();
    }
  }

  /** An append was refused: the run ended without this execution. */
  void endedElsewhere() {
    endedElsewhere = true;
  }

  /**
   * @return whether the run is no longer this execution's to end: lease lost or ended elsewhere
   */
  boolean ownershipLost() {
    return leaseLost || endedElsewhere;
  }

  /**
   * @return the reason of a cancel asked for through this instance, or {@code null}
   */
  @Nullable String localReason() {
    return localReason;
  }

  private boolean stopRequested() {
    return localReason != null || storeCancelRequested || leaseLost || endedElsewhere;
  }

  private void wake() {
    latch.countDown();
    synchronized (interruptLock) {
      Thread t = interruptible;
      if (t != null && !interruptSent) {
        interruptSent = true;
        t.interrupt();
      }
    }
  }

  // ---- the workflow's token --------------------------------------------------------------------

  @Override
  public boolean isCancelled() {
    if (stopRequested()) {
      return true;
    }
    if (System.nanoTime() - lastStoreCheck >= STORE_CHECK_INTERVAL_NANOS) {
      try {
        checkStore();
      } catch (RunsException e) {
        log.debug("run {} - status check failed", runId, e);
      }
    }
    return stopRequested();
  }

  @Override
  public void throwIfCancelled() {
    if (isCancelled()) {
      throw cancelled();
    }
  }

  /** Like {@link #isCancelled()}, but reads the store now unless a stop is known. */
  boolean isCancelledNow() {
    if (stopRequested()) {
      return true;
    }
    try {
      checkStore();
    } catch (RunsException e) {
      log.debug("run {} - status check failed", runId, e);
    }
    return stopRequested();
  }

  /**
   * At a step boundary: reads the store unless a stop is known, then throws if one is.
   *
   * @throws RunCancelledException when the execution should stop
   * @throws RunsException when the store cannot be read
   */
  void checkAtBoundary() {
    if (!stopRequested()) {
      checkStore();
    }
    if (stopRequested()) {
      throw cancelled();
    }
  }

  /**
   * @return the exception that tells the workflow why it stops
   */
  RunCancelledException cancelled() {
    if (leaseLost) {
      return new RunCancelledException(runId, "this instance lost the run's lease");
    }
    if (endedElsewhere) {
      return new RunCancelledException(runId, "the run was ended outside this execution");
    }
    String reason = localReason;
    return new RunCancelledException(runId, reason != null ? reason : "cancel requested");
  }

  private void checkStore() {
    lastStoreCheck = System.nanoTime();
    RunStatus s =
        store.entry(runId).map(RunEntry::status).orElseThrow(() -> new RunNotFoundException(runId));
    if (s == RunStatus.CANCEL_REQUESTED) {
      storeCancelRequested = true;
    } else if (s != RunStatus.RUNNING) {
      endedElsewhere = true;
    }
  }

  // ---- waking ----------------------------------------------------------------------------------

  /**
   * Sleeps for a retry delay, waking early on a stop.
   *
   * @throws RunCancelledException when the thread is interrupted
   */
  void waitFor(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      latch.await(delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunCancelledException(runId, "the execution thread was interrupted");
    }
  }

  /** Lets a stop interrupt the calling thread, until {@link #disarmInterrupt()}. */
  void armInterrupt() {
    synchronized (interruptLock) {
      interruptible = Thread.currentThread();
      interruptSent = false;
    }
    if (stopRequested()) {
      wake();
    }
  }

  /** Ends {@link #armInterrupt()}, clearing the interrupt flag this signal set. */
  void disarmInterrupt() {
    synchronized (interruptLock) {
      interruptible = null;
      if (interruptSent) {
        Thread.interrupted(); // clear the flag this execution set
      }
    }
  }
}
