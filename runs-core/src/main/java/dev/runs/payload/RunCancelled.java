package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.cancelled}: the run stopped after a cancel (status &rarr; cancelled; it may be
 * resumed).
 *
 * @param reason why, for people; required (may be empty)
 * @param summary free-form JSON summary of what the run had done; copied, never shared
 */
public record RunCancelled(String reason, Optional<JsonNode> summary) implements EventPayload {

  /** Checks the components and copies the summary. */
  public RunCancelled {
    Objects.requireNonNull(reason, "reason");
    summary = Checks.json(EventTypes.RUN_CANCELLED.name(), "summary", summary);
  }

  /**
   * @param reason why the run stopped
   * @return the payload, without a summary
   */
  public static RunCancelled of(String reason) {
    return new RunCancelled(reason, Optional.empty());
  }

  /**
   * @param reason why the run stopped
   * @param summary what the run had done
   * @return the payload
   */
  public static RunCancelled of(String reason, JsonNode summary) {
    return new RunCancelled(reason, Checks.present(summary, "summary"));
  }

  /**
   * @return a copy of the summary; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> summary() {
    return Checks.copy(summary);
  }

  /**
   * @return {@link EventTypes#RUN_CANCELLED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_CANCELLED;
  }
}
