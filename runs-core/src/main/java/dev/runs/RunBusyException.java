package dev.runs;

import java.util.Objects;

/** Another orchestrator instance holds the run's lease, so this one may not execute it now. */
public final class RunBusyException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final transient Lease lease;

  /**
   * Creates the exception.
   *
   * @param lease the lease another instance holds
   */
  public RunBusyException(Lease lease) {
    super(
        "run "
            + Objects.requireNonNull(lease, "lease").runId()
            + " is held by instance '"
            + lease.owner()
            + "' until "
            + lease.expiresAt()
            + "; try again after that, or after recoverInterrupted() if that instance died");
    this.lease = lease;
  }

  /**
   * @return the lease held by the other instance
   */
  public Lease lease() {
    return lease;
  }
}
