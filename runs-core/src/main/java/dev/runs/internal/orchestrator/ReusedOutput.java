package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.runs.EventId;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.payload.NotReused;
import java.util.Objects;
import java.util.Optional;

/**
 * A step output recorded in a {@code step.completed} event (of the run itself, read on resume, or
 * of a replay's source run) that may be returned instead of running the step again. Immutable; the
 * output is copied in and handed out as given (callers copy before changing it).
 *
 * <p>An output the store's redactor changed ({@code "output_redacted": true}) is not what the step
 * returned: it is never reused. The step runs again, and its {@code step.started} says why ({@link
 * #refusal()}).
 *
 * @param output the recorded output
 * @param sourceRun the run that recorded it
 * @param sourceEvent its {@code step.completed} event in that run
 * @param redacted whether the redactor changed the output when it was recorded
 */
record ReusedOutput(JsonNode output, RunId sourceRun, EventId sourceEvent, boolean redacted) {
  ReusedOutput {
    output = Objects.requireNonNull(output, "output").deepCopy();
    Objects.requireNonNull(sourceRun, "sourceRun");
    Objects.requireNonNull(sourceEvent, "sourceEvent");
  }

  /**
   * @param run the run the event belongs to
   * @param completion a {@code step.completed} event
   * @return its output, and whether it was redacted
   */
  static ReusedOutput of(RunId run, RunEvent completion) {
    JsonNode flag = completion.payload().get("output_redacted").orElse(NullNode.getInstance());
    return new ReusedOutput(
        completion.payload().get("output").orElse(NullNode.getInstance()),
        run,
        completion.eventId(),
        flag.isBoolean() && flag.booleanValue());
  }

  /**
   * @return whether the output is what the step returned, so it may be given back
   */
  boolean reusable() {
    return !redacted;
  }

  /**
   * @return why the output is not reused, for the {@code step.started} of the step that runs
   *     instead; empty when it is reusable
   */
  Optional<NotReused> refusal() {
    return redacted
        ? Optional.of(NotReused.outputRedacted(sourceRun.value(), sourceEvent.value()))
        : Optional.empty();
  }
}
