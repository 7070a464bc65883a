package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Optional;

/**
 * {@code run.completed}: the run finished successfully (status running or cancel_requested &rarr;
 * completed, which is final).
 *
 * @param summary free-form JSON summary persisted with the run (counts, totals, links); copied,
 *     never shared
 */
public record RunCompleted(Optional<JsonNode> summary) implements EventPayload {

  /** Copies the summary. */
  public RunCompleted {
    summary = Checks.json(EventTypes.RUN_COMPLETED.name(), "summary", summary);
  }

  /**
   * @return a payload without a summary
   */
  public static RunCompleted of() {
    return new RunCompleted(Optional.empty());
  }

  /**
   * @param summary the run's summary
   * @return the payload
   */
  public static RunCompleted of(JsonNode summary) {
    return new RunCompleted(Checks.present(summary, "summary"));
  }

  /**
   * @return a copy of the summary; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> summary() {
    return Checks.copy(summary);
  }

  /**
   * @return {@link EventTypes#RUN_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_COMPLETED;
  }
}
