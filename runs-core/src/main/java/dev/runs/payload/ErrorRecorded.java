package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code error}: an error worth recording that does not by itself fail a step or the run (a
 * warning-level failure, a swallowed exception, a degraded dependency). Unlike {@link ErrorInfo}
 * its fields are at the top level of the payload and {@code code} is required.
 *
 * @param code a stable, machine-readable code, e.g. {@code cache_unavailable}
 * @param message what went wrong, for people; may be empty
 * @param retryable whether trying again may succeed
 * @param details free-form JSON context; copied, never shared
 */
public record ErrorRecorded(
    @NonBlank String code, String message, Optional<Boolean> retryable, Optional<JsonNode> details)
    implements EventPayload {

  /** Checks the components and copies the details. */
  public ErrorRecorded {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(retryable, "retryable");
    Checks.name(EventTypes.ERROR, "code", code);
    details = Checks.json(EventTypes.ERROR.name(), "details", details);
  }

  /**
   * @param code a stable, machine-readable code
   * @param message what went wrong
   * @return the payload, without retryable or details
   */
  public static ErrorRecorded of(String code, String message) {
    return new ErrorRecorded(code, message, Optional.empty(), Optional.empty());
  }

  /**
   * Records an exception: its class name as the code, its message (or class name) as the message.
   *
   * @param failure the exception
   * @return the payload
   */
  public static ErrorRecorded of(Throwable failure) {
    ErrorInfo info = ErrorInfo.of(failure);
    return of(info.code().orElseThrow(), info.message());
  }

  /**
   * @return a copy of the details; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> details() {
    return Checks.copy(details);
  }

  /**
   * @return {@link EventTypes#ERROR}
   */
  @Override
  public EventType type() {
    return EventTypes.ERROR;
  }
}
