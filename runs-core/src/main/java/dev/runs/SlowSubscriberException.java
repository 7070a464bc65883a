package dev.runs;

/**
 * Ends a subscription whose subscriber did not keep up: more events than its buffer size appeared
 * after it joined that it has not taken, and it has no outstanding demand. Writers are never slowed
 * by a subscriber; instead the subscriber is cut off with the last sequence it received, and can
 * subscribe again after it to continue without a gap.
 */
public final class SlowSubscriberException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final long lastDeliveredSequence;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param lastDeliveredSequence the sequence of the last event delivered, 0 for none
   * @param bufferSize the buffer that overflowed
   */
  public SlowSubscriberException(RunId runId, long lastDeliveredSequence, int bufferSize) {
    super(
        "subscriber of run "
            + runId
            + " fell more than "
            + bufferSize
            + " events behind and was ended; subscribe again after sequence "
            + lastDeliveredSequence
            + " to continue without a gap");
    this.runId = runId;
    this.lastDeliveredSequence = lastDeliveredSequence;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return the sequence to resubscribe after
   */
  public long lastDeliveredSequence() {
    return lastDeliveredSequence;
  }
}
