package dev.runs;

import dev.runs.internal.support.Times;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The explicit action that caused a run (or a resume, replay, rerun): where it came from, its
 * unique id (a UI click, an API request id...), who did it and when. A store returns the existing
 * run for a trigger id it has seen, so a double click starts one run.
 *
 * @param source where the action came from
 * @param triggerId unique id of the action, 1 to {@value #MAX_ID_LENGTH} printable characters
 * @param actor who acted (user name, service account)
 * @param time when the action happened
 */
public record Trigger(
    TriggerSource source, String triggerId, Optional<String> actor, Instant time) {
  /** Maximum length of a trigger id. */
  public static final int MAX_ID_LENGTH = 200;

  /** Validates the trigger. */
  public Trigger {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(triggerId, "triggerId");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(time, "time");
    checkText("trigger.trigger_id", triggerId, MAX_ID_LENGTH);
    actor.ifPresent(a -> checkText("trigger.actor", a, 200));
    time = Times.micros(time);
  }

  /**
   * Creates a trigger happening now.
   *
   * @param source where the action came from
   * @param triggerId unique id of the action
   * @param actor who acted
   * @return the trigger
   */
  public static Trigger of(TriggerSource source, String triggerId, String actor) {
    return new Trigger(source, triggerId, Optional.of(actor), Instant.now());
  }

  /**
   * Creates a trigger happening now, without an actor.
   *
   * @param source where the action came from
   * @param triggerId unique id of the action
   * @return the trigger
   */
  public static Trigger of(TriggerSource source, String triggerId) {
    return new Trigger(source, triggerId, Optional.empty(), Instant.now());
  }

  static void checkText(String field, String value, int max) {
    if (value.isBlank()) {
      throw new ValidationException(field, "must not be blank");
    }
    if (value.length() > max) {
      throw new ValidationException(
          field, "must be at most " + max + " characters but has " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new ValidationException(
            field, "must not contain control characters (index " + i + ")");
      }
    }
    Payload.requireWellFormedUnicode(value, field);
  }
}
