package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code run.failed}: the run finished with an error (status &rarr; failed; it may be resumed).
 *
 * @param error what went wrong; {@code error.message} is required
 * @param reason a short explanation for people, beside the error
 * @param summary free-form JSON summary of what the run had done; copied, never shared
 */
public record RunFailed(ErrorInfo error, Optional<String> reason, Optional<JsonNode> summary)
    implements EventPayload {

  /** Checks the components and copies the summary. */
  public RunFailed {
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(reason, "reason");
    summary = Checks.json(EventTypes.RUN_FAILED.name(), "summary", summary);
  }

  /**
   * @param error what went wrong
   * @return the payload, without reason or summary
   */
  public static RunFailed of(ErrorInfo error) {
    return new RunFailed(error, Optional.empty(), Optional.empty());
  }

  /**
   * @param message what went wrong
   * @return the payload, without code, reason or summary
   */
  public static RunFailed of(String message) {
    return of(ErrorInfo.of(message));
  }

  /**
   * @return a copy of the summary; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> summary() {
    return Checks.copy(summary);
  }

  /**
   * @return {@link EventTypes#RUN_FAILED}
   */
  @Override
  public EventType type() {
    return EventTypes.RUN_FAILED;
  }
}
