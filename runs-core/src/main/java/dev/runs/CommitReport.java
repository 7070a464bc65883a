package dev.runs;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One durable group commit, as {@link StoreObserver}s see it.
 *
 * @param appends how many append calls it held
 * @param runs how many runs it wrote to
 * @param latency how long the storage engine took to make it durable (monotonic clock)
 * @param events the events it wrote, per run in sequence order; never empty
 */
public record CommitReport(int appends, int runs, Duration latency, List<RunEvent> events) {
  /** Validates the report and copies the events. */
  public CommitReport {
    Objects.requireNonNull(latency, "latency");
    events = List.copyOf(events);
    if (appends < 1 || runs < 1 || events.isEmpty()) {
      throw new IllegalArgumentException(
          "a commit holds at least one append, run and event but got "
              + appends
              + "/"
              + runs
              + "/"
              + events.size());
    }
  }
}
