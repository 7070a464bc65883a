package dev.runs.payload;

import dev.runs.EventTypes;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code not_reused} object of {@code step.started}: the step had a recorded output (in this
 * run on resume, or in a replay's source run) that the orchestrator would have returned without
 * running the step, did not reuse it, and runs the step instead: {@code {"reason":
 * "output_redacted", "run_id": "...", "event_id": "..."}}.
 *
 * @param reason why the recorded output was not reused
 * @param runId the run whose {@code step.completed} recorded the output
 * @param eventId the id of that {@code step.completed} event
 */
public record NotReused(Reason reason, @NonBlank String runId, @NonBlank String eventId) {

  /** Why a recorded output was not reused; written in lowercase. */
  public enum Reason {
    /**
     * The store's redactor changed the output when it was recorded (its {@code step.completed} says
     * {@code output_redacted}): the log does not hold what the step returned.
     */
    OUTPUT_REDACTED;

    /**
     * @return the JSON value, e.g. {@code output_redacted}
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Checks the components. */
  public NotReused {
    Objects.requireNonNull(reason, "reason");
    Checks.name(EventTypes.STEP_STARTED, "not_reused.run_id", runId);
    Checks.name(EventTypes.STEP_STARTED, "not_reused.event_id", eventId);
  }

  /**
   * A recorded output the redactor changed.
   *
   * @param runId the run whose {@code step.completed} recorded the output
   * @param eventId the id of that {@code step.completed} event
   * @return the object
   */
  public static NotReused outputRedacted(String runId, String eventId) {
    return new NotReused(Reason.OUTPUT_REDACTED, runId, eventId);
  }
}
