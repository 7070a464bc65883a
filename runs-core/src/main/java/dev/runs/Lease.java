package dev.runs;

import dev.runs.internal.support.Times;
import java.time.Instant;
import java.util.Objects;

/**
 * Ownership of a running run: which host instance executes it and until when its claim holds. The
 * owner renews the lease while it works; when the process dies the lease expires and another
 * instance's recovery marks the run {@code interrupted} so it can be resumed.
 *
 * @param runId the run
 * @param owner the instance holding it (any stable id of a process, e.g. host name + pid)
 * @param expiresAt when the claim lapses unless renewed
 */
public record Lease(RunId runId, String owner, Instant expiresAt) {
  /** Validates the lease. */
  public Lease {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Trigger.checkText("lease.owner", owner, 200);
    expiresAt = Times.micros(expiresAt);
  }

  /**
   * @param now the current time
   * @return true when the lease has lapsed at {@code now}
   */
  public boolean isExpired(Instant now) {
    return !expiresAt.isAfter(now);
  }
}
