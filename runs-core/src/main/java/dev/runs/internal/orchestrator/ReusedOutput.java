package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventId;
import dev.runs.RunId;
import java.util.Objects;

/**
 * A step output that a replay's source run recorded, reused instead of running the step again.
 * Immutable; the output is copied in and handed out as given (callers copy before changing it).
 *
 * @param output the recorded output
 * @param sourceRun the run that recorded it
 * @param sourceEvent its {@code step.completed} event in that run
 */
record ReusedOutput(JsonNode output, RunId sourceRun, EventId sourceEvent) {
  ReusedOutput {
    output = Objects.requireNonNull(output, "output").deepCopy();
    Objects.requireNonNull(sourceRun, "sourceRun");
    Objects.requireNonNull(sourceEvent, "sourceEvent");
  }
}
