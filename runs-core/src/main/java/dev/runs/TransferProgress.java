package dev.runs;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How far a bulk export, import or copy has come ({@link RunBundles}).
 *
 * @param runsTotal runs the operation will look at
 * @param runsDone runs moved so far
 * @param runsSkipped runs left alone because the target already has them (a resumed transfer)
 * @param runsFailed runs that failed; the others go on
 * @param events events moved so far
 * @param bytes bundle bytes written or read so far
 * @param elapsed time since the operation started
 */
public record TransferProgress(
    long runsTotal,
    long runsDone,
    long runsSkipped,
    long runsFailed,
    long events,
    long bytes,
    Duration elapsed) {

  /** Validates the components. */
  public TransferProgress {
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /**
   * @return runs looked at so far: done, skipped and failed
   */
  public long runsSeen() {
    return runsDone + runsSkipped + runsFailed;
  }

  /**
   * @return runs looked at per second
   */
  public double runsPerSecond() {
    return perSecond(runsSeen());
  }

  /**
   * @return events moved per second
   */
  public double eventsPerSecond() {
    return perSecond(events);
  }

  private double perSecond(long n) {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds <= 0 ? 0 : n / seconds;
  }

  /**
   * @return the time left at the current rate, once a run has been looked at
   */
  public Optional<Duration> eta() {
    long seen = runsSeen();
    if (seen == 0 || runsTotal <= seen) {
      return seen == 0 ? Optional.empty() : Optional.of(Duration.ZERO);
    }
    return Optional.of(
        Duration.ofNanos((long) ((double) elapsed.toNanos() / seen * (runsTotal - seen))));
  }
}
