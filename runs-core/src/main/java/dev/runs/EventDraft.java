package dev.runs;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An event a caller appends: the envelope without what the store assigns (sequence, event id,
 * time). Build one with {@link #of(EventType, Payload)} or from a typed payload with {@link
 * #of(EventPayload)}, then refine it with the {@code with...} methods, each of which returns a new
 * draft.
 *
 * <pre>{@code
 * EventDraft d = EventDraft.of(EventTypes.CONSOLE_LINE,
 *         Payload.of(Map.of("stream", "stdout", "text", "hi")))
 *     .withStep("build/compile")
 *     .withIdempotencyKey("compile-line-1");
 * }</pre>
 *
 * @param type the event type
 * @param payload the body
 * @param stepId the step or phase path
 * @param attempt attempt number of the step
 * @param parentEventId causation link
 * @param source who emits it (default {@code host})
 * @param idempotencyKey a key that makes a repeated append return the first event
 */
public record EventDraft(
    EventType type,
    Payload payload,
    Optional<String> stepId,
    OptionalInt attempt,
    Optional<EventId> parentEventId,
    String source,
    Optional<String> idempotencyKey) {

  /** Source used when none is set. */
  public static final String DEFAULT_SOURCE = "host";

  /** Maximum length of a step id. */
  public static final int MAX_STEP_ID_LENGTH = 200;

  /** Maximum length of an idempotency key. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

  /**
   * Validates the draft's envelope fields (payload rules are checked on append).
   *
   * @throws ValidationException naming the offending field
   */
  public EventDraft {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(parentEventId, "parentEventId");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    stepId.ifPresent(EventDraft::checkStepId);
    if (attempt.isPresent() && attempt.getAsInt() < 1) {
      throw new ValidationException("attempt", "must be at least 1 but was " + attempt.getAsInt());
    }
    checkSource(source);
    idempotencyKey.ifPresent(EventDraft::checkIdempotencyKey);
  }

  /**
   * Creates a draft.
   *
   * @param type the event type
   * @param payload the body
   * @return the draft, source {@code host}
   */
  public static EventDraft of(EventType type, Payload payload) {
    return new EventDraft(
        type,
        payload,
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        DEFAULT_SOURCE,
        Optional.empty());
  }

  /**
   * Creates a draft from a type string and a map payload.
   *
   * @param type the event type, e.g. {@code x.acme.score}
   * @param payload the body's fields
   * @return the draft
   * @throws ValidationException when the type is not lowercase dotted
   */
  public static EventDraft of(String type, Map<String, ?> payload) {
    return of(EventType.of(type), Payload.of(payload));
  }

  /**
   * Creates a draft with an empty payload.
   *
   * @param type the event type
   * @return the draft
   */
  public static EventDraft of(EventType type) {
    return of(type, Payload.empty());
  }

  /**
   * Creates a draft from a typed payload record.
   *
   * @param payload the typed payload
   * @return the draft
   */
  public static EventDraft of(EventPayload payload) {
    return of(payload.type(), payload.toPayload());
  }

  /**
   * @param newStepId the step or phase path, e.g. {@code plan/search}
   * @return a copy with the step set
   */
  public EventDraft withStep(String newStepId) {
    return new EventDraft(
        type, payload, Optional.of(newStepId), attempt, parentEventId, source, idempotencyKey);
  }

  /**
   * @param newAttempt the attempt number, at least 1
   * @return a copy with the attempt set
   */
  public EventDraft withAttempt(int newAttempt) {
    return new EventDraft(
        type, payload, stepId, OptionalInt.of(newAttempt), parentEventId, source, idempotencyKey);
  }

  /**
   * @param parent the event this one answers
   * @return a copy with the causation link set
   */
  public EventDraft withParent(EventId parent) {
    return new EventDraft(
        type, payload, stepId, attempt, Optional.of(parent), source, idempotencyKey);
  }

  /**
   * @param newSource who emits the event, lowercase, e.g. {@code engine}
   * @return a copy with the source set
   */
  public EventDraft withSource(String newSource) {
    return new EventDraft(type, payload, stepId, attempt, parentEventId, newSource, idempotencyKey);
  }

  /**
   * @param key the idempotency key; a second append with it returns the first event
   * @return a copy with the key set
   */
  public EventDraft withIdempotencyKey(String key) {
    return new EventDraft(type, payload, stepId, attempt, parentEventId, source, Optional.of(key));
  }

  /**
   * @param newPayload the body
   * @return a copy with the payload replaced
   */
  public EventDraft withPayload(Payload newPayload) {
    return new EventDraft(type, newPayload, stepId, attempt, parentEventId, source, idempotencyKey);
  }

  static void checkStepId(String stepId) {
    if (stepId.isEmpty()) {
      throw new ValidationException("step_id", "must not be empty");
    }
    if (stepId.length() > MAX_STEP_ID_LENGTH) {
      throw new ValidationException(
          "step_id",
          "must be at most " + MAX_STEP_ID_LENGTH + " characters but has " + stepId.length());
    }
    if (stepId.startsWith("/") || stepId.endsWith("/") || stepId.contains("//")) {
      throw new ValidationException(
          "step_id",
          "'" + stepId + "' must be segments separated by single '/' (no leading or trailing '/')");
    }
    for (int i = 0; i < stepId.length(); i++) {
      char c = stepId.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '@'
              || c == '/';
      if (!ok) {
        throw new ValidationException(
            "step_id",
            "character '"
                + printable(c)
                + "' at index "
                + i
                + " is not allowed in '"
                + stepId.replaceAll("\\p{Cntrl}", "?")
                + "' (allowed: letters, digits, '-', '_', '.', ':', '@', and '/' between"
                + " segments)");
      }
    }
  }

  static void checkSource(String source) {
    if (source.isEmpty() || source.length() > 64) {
      throw new ValidationException(
          "source", "must be 1 to 64 characters but has " + source.length());
    }
    for (int i = 0; i < source.length(); i++) {
      char c = source.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == ':';
      if (!ok || (i == 0 && !(c >= 'a' && c <= 'z'))) {
        throw new ValidationException(
            "source",
            "'"
                + source.replaceAll("\\p{Cntrl}", "?")
                + "' must start with a-z and use only a-z, 0-9, '-', '_', '.', ':'");
      }
    }
  }

  static void checkIdempotencyKey(String key) {
    if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new ValidationException(
          "idempotency_key",
          "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters but has " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new ValidationException(
            "idempotency_key",
            "must not contain control characters (found " + printable(c) + " at index " + i + ")");
      }
    }
    Payload.requireWellFormedUnicode(key, "idempotency_key");
  }

  private static String printable(char c) {
    return c < 0x20 || c == 0x7f || c > 0x7e
        ? String.format("\\u%04x", (int) c)
        : String.valueOf(c);
  }
}
