package dev.runs.internal.orchestrator;

import dev.runs.RunStatus;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Told once per {@link Execution} when it ends, on the thread that ended it. Implementations must
 * be thread-safe: executions end on executor threads and on the caller's thread of a cancel.
 */
@FunctionalInterface
interface ExecutionEnded {
  /**
   * @param execution the execution that ended
   * @param status the run's status at the end, or {@code null} when it could not be read
   * @param storeFailure the store failure that stopped the execution, or {@code null}
   * @param took how long the execution ran
   */
  void executionEnded(
      Execution execution,
      @Nullable RunStatus status,
      @Nullable RuntimeException storeFailure,
      Duration took);
}
