package dev.runs;

import dev.runs.internal.support.Times;
import dev.runs.internal.support.Uuid7;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One event of a run's log, as stored: the envelope of {@code docs/events.md} ({@code
 * runs.event/1}). Events are created by a store's append path from an {@link EventDraft}; the store
 * assigns the sequence, the id and the time. {@link EventCodec} turns events into their JSON line
 * and back.
 *
 * @param schema envelope version, {@value #SCHEMA}
 * @param eventId globally unique, time-ordered id (UUIDv7)
 * @param runId the run
 * @param sequence position in the run's log: 1, 2, 3... gapless
 * @param type the event type
 * @param time when the store accepted it, UTC, microsecond precision
 * @param stepId the step or phase path the event belongs to, e.g. {@code plan/search}
 * @param attempt attempt number of that step, 1 on first execution
 * @param parentEventId causation: the event this one answers, e.g. a tool call's start
 * @param source who emitted it: {@code orchestrator}, {@code host}, {@code engine}, {@code http}...
 * @param idempotencyKey the key a repeated append is recognised by
 * @param payload the type-specific body
 * @param hash the link of the run's hash chain: SHA-256 (64 lowercase hex digits) over the previous
 *     event's hash and this event's canonical line without the hash; empty when the store does not
 *     chain (see {@code hash_chain} in the store docs)
 * @param unknownFields top-level fields this version does not know, name to raw JSON text, kept so
 *     that a newer writer's fields survive a read-write cycle
 */
public record RunEvent(
    String schema,
    EventId eventId,
    RunId runId,
    long sequence,
    EventType type,
    Instant time,
    Optional<String> stepId,
    OptionalInt attempt,
    Optional<EventId> parentEventId,
    String source,
    Optional<String> idempotencyKey,
    Payload payload,
    Optional<String> hash,
    Map<String, String> unknownFields) {

  /** The envelope version this library writes. */
  public static final String SCHEMA = "runs.event/1";

  /**
   * An event without a hash, as written by a store that does not chain.
   *
   * @param schema envelope version, {@value #SCHEMA}
   * @param eventId globally unique, time-ordered id (UUIDv7)
   * @param runId the run
   * @param sequence position in the run's log
   * @param type the event type
   * @param time when the store accepted it
   * @param stepId the step or phase path
   * @param attempt attempt number of that step
   * @param parentEventId causation
   * @param source who emitted it
   * @param idempotencyKey the key a repeated append is recognised by
   * @param payload the type-specific body
   * @param unknownFields top-level fields this version does not know, name to raw JSON text
   * @throws ValidationException naming the offending field
   */
  public RunEvent(
      String schema,
      EventId eventId,
      RunId runId,
      long sequence,
      EventType type,
      Instant time,
      Optional<String> stepId,
      OptionalInt attempt,
      Optional<EventId> parentEventId,
      String source,
      Optional<String> idempotencyKey,
      Payload payload,
      Map<String, String> unknownFields) {
    this(
        schema,
        eventId,
        runId,
        sequence,
        type,
        time,
        stepId,
        attempt,
        parentEventId,
        source,
        idempotencyKey,
        payload,
        Optional.empty(),
        unknownFields);
  }

  /**
   * Validates the envelope.
   *
   * @throws ValidationException naming the offending field
   */
  public RunEvent {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(parentEventId, "parentEventId");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(unknownFields, "unknownFields");
    if (!schema.startsWith("runs.event/")) {
      throw new ValidationException("schema", "must be '" + SCHEMA + "' but was '" + schema + "'");
    }
    if (sequence < 1) {
      throw new ValidationException("sequence", "must be at least 1 but was " + sequence);
    }
    time = Times.micros(time);
    stepId.ifPresent(EventDraft::checkStepId);
    if (attempt.isPresent() && attempt.getAsInt() < 1) {
      throw new ValidationException("attempt", "must be at least 1 but was " + attempt.getAsInt());
    }
    EventDraft.checkSource(source);
    idempotencyKey.ifPresent(EventDraft::checkIdempotencyKey);
    hash.ifPresent(RunEvent::checkHash);
    unknownFields =
        unknownFields.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(unknownFields));
  }

  /**
   * Returns this event with its hash chain link set or removed.
   *
   * @param value the hash, 64 lowercase hex digits; empty to remove it
   * @return a copy with the hash
   * @throws ValidationException when the value is not 64 lowercase hex digits
   */
  public RunEvent withHash(Optional<String> value) {
    return new RunEvent(
        schema,
        eventId,
        runId,
        sequence,
        type,
        time,
        stepId,
        attempt,
        parentEventId,
        source,
        idempotencyKey,
        payload,
        value,
        unknownFields);
  }

  private static void checkHash(String h) {
    if (h.length() != 64 || !Uuid7.isLowerHex(h, 0, 64)) {
      throw new ValidationException("hash", "must be 64 lowercase hex digits (a SHA-256)");
    }
  }

  /**
   * @return true when this event ends a run's execution (completed, failed, cancelled, interrupted)
   */
  public boolean isTerminal() {
    return RunStateMachine.isTerminalType(type);
  }

  @Override
  public String toString() {
    return "RunEvent["
        + runId
        + "#"
        + sequence
        + " "
        + type
        + stepId.map(s -> " step=" + s).orElse("")
        + " "
        + payload.json()
        + "]";
  }
}
