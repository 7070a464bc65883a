package dev.runs;

import java.util.Objects;
import java.util.Optional;

/**
 * What a run's log says about one step (or phase): its latest attempt and how that attempt ended.
 *
 * @param stepId the step path
 * @param attempt the latest attempt number seen (1 on first execution)
 * @param status the latest status of the step
 * @param completion the {@code step.completed} event of the step, once it completed; its payload's
 *     {@code output} field holds the recorded output
 */
public record StepState(String stepId, int attempt, Status status, Optional<RunEvent> completion) {

  /** How the latest attempt of a step stands. */
  public enum Status {
    /** Started, not ended. */
    STARTED,
    /** Completed; its output is recorded. */
    COMPLETED,
    /** Failed. */
    FAILED,
    /** Failed and will be retried. */
    RETRYING,
    /** Skipped. */
    SKIPPED
  }

  /** Validates the components. */
  public StepState {
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(completion, "completion");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1 but was " + attempt);
    }
  }

  /**
   * @return true when the step's latest attempt completed
   */
  public boolean isCompleted() {
    return status == Status.COMPLETED;
  }
}
