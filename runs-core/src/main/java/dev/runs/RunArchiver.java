package dev.runs;

import dev.runs.internal.move.Archiving;
import dev.runs.internal.move.Selections;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves ended runs from a store to an archive and back. A sweep archives every terminal run the
 * {@link RetentionPolicy} selects: it writes the run's objects to the archive, reads every one back
 * and checks its sha256, and only then replaces the run in the store with a stub that keeps the
 * record, the final status and the archive location. A process killed at any point leaves each run
 * readable, from the store or from the archive, never neither and never half.
 *
 * <p>Reads of an archived run ({@code read}, {@code subscribe}, {@code state}, {@code verify},
 * stages, the HTTP API and viewer) go to the archive transparently when the store was opened with
 * it ({@link RunStoreOptions.Builder#archive} or the URI parameter {@code ?archive=}). Archived
 * runs take no appends; {@link #restore} brings one back.
 *
 * <pre>{@code
 * try (ArchiveStore archive = ArchiveStores.open("dir:/mnt/archive");
 *     RunStore store = RunStores.open("sqlite:runs.db",
 *         RunStoreOptions.builder().archive(archive).build())) {
 *   RunArchiver archiver = RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ofDays(7)));
 *   SweepReport report = archiver.sweep();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Sweeps in several threads or processes over one store never archive a run twice:
 * each run is archived under a lease.
 */
public final class RunArchiver {
  private static final Logger log = LoggerFactory.getLogger(RunArchiver.class);

  private final RunStore store;
  private final ArchiveStore archive;
  private final RetentionPolicy policy;
  private final String owner = "archiver-" + UUID.randomUUID();

  private RunArchiver(RunStore store, ArchiveStore archive, RetentionPolicy policy) {
    this.store = Objects.requireNonNull(store, "store");
    this.archive = Objects.requireNonNull(archive, "archive");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /**
   * @param store a store opened through {@link RunStores}
   * @param archive where runs go
   * @param policy which runs, and after how long
   * @return the archiver
   */
  public static RunArchiver of(RunStore store, ArchiveStore archive, RetentionPolicy policy) {
    return new RunArchiver(store, archive, policy);
  }

  /**
   * Archives every run the policy selects now. A run that fails stays whole in the store and is
   * reported; the others go on.
   *
   * @return counts, bytes and failures
   */
  public SweepReport sweep() {
    long started = System.nanoTime();
    RunSelection selection =
        policy.selection().withEndedBefore(now().minus(policy.keepFor()).plusNanos(1));
    List<RunEntry> due = new ArrayList<>();
    Selections.forEach(
        store,
        selection,
        e -> {
          if (e.status().isTerminal()) {
            due.add(e);
          }
        });
    long archived = 0;
    long skipped = 0;
    long events = 0;
    long bytes = 0;
    List<TransferReport.Failure> failures = new ArrayList<>();
    for (RunEntry e : due) {
      try {
        Archiving.Outcome o = Archiving.archive(store, archive, e.id(), owner);
        if (o.archived().isPresent()) {
          archived++;
          events += o.events();
          bytes += o.bytes();
        } else {
          skipped++;
        }
      } catch (IOException | RuntimeException ex) {
        failures.add(new TransferReport.Failure(e.id().value(), String.valueOf(ex.getMessage())));
        log.debug("run {} - archiving failed", e.id(), ex);
      }
    }
    SweepReport report =
        new SweepReport(
            archived,
            skipped,
            failures.size(),
            events,
            bytes,
            Duration.ofNanos(System.nanoTime() - started),
            failures);
    if (!failures.isEmpty()) {
      log.warn(
          "archive sweep to {}: {} archived, {} failed (first: {})",
          archive.location(),
          archived,
          failures.size(),
          failures.get(0).message());
    } else if (archived > 0) {
      log.info("archive sweep to {}: {} runs archived", archive.location(), archived);
    }
    return report;
  }

  private java.time.Instant now() {
    return java.time.Instant.now(Archiving.clock(store));
  }

  /**
   * Archives one run now, whatever its age.
   *
   * @param runId a terminal run
   * @return where it went; empty when it was already archived or another sweep holds it
   * @throws RunActiveException when the run has not ended
   * @throws ArchiveUnavailableException when writing or verifying the archive copy failed (the run
   *     stays whole in the store)
   * @throws StoreCorruptedException when an event stored in the run does not match its hash chain
   *     link; nothing is uploaded and the run stays whole in the store
   */
  public java.util.Optional<ArchivedRun> archive(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    try {
      return Archiving.archive(store, archive, runId, owner).archived();
    } catch (IOException e) {
      throw new UncheckedIOException("archiving run " + runId + " failed", e);
    }
  }

  /**
   * Brings an archived run back into the store: its events and stage files are downloaded and
   * checked against what was archived, then put back in one step. The archive copy stays.
   *
   * @param runId the run
   * @return true when restored; false when it was not archived
   * @throws StoreCorruptedException when the archive copy differs from what was archived
   * @throws ArchiveUnavailableException when the archive cannot be read
   */
  public boolean restore(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    try {
      return Archiving.restore(store, archive, runId);
    } catch (IOException e) {
      throw new UncheckedIOException("restoring run " + runId + " failed", e);
    }
  }

  /**
   * Sweeps on a schedule the host owns, until the returned future is cancelled.
   *
   * @param executor runs the sweeps
   * @param every time between the end of one sweep and the start of the next
   * @param reports told of each sweep's report
   * @return cancel it to stop sweeping
   */
  public ScheduledFuture<?> schedule(
      ScheduledExecutorService executor, Duration every, Consumer<SweepReport> reports) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(every, "every");
    Objects.requireNonNull(reports, "reports");
    return executor.scheduleWithFixedDelay(
        () -> {
          try {
            reports.accept(sweep());
          } catch (RuntimeException e) {
            log.warn("scheduled archive sweep to {} failed", archive.location(), e);
          }
        },
        0,
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }
}
