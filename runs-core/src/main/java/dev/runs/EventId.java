package dev.runs;

import dev.runs.internal.support.Uuid7;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * The globally unique, time-ordered id of an event: a UUIDv7 in its canonical lowercase text form.
 *
 * @param value the UUID text
 */
public record EventId(String value) implements Comparable<EventId> {
  private static final Uuid7 IDS = new Uuid7(Clock.systemUTC());

  /**
   * Validates the id.
   *
   * @throws ValidationException when the value is not a canonical UUID
   */
  public EventId {
    Objects.requireNonNull(value, "value");
    if (!Uuid7.isCanonical(value)) {
      throw new ValidationException(
          "event_id",
          "must be a canonical lowercase UUID such as "
              + "0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55 but was '"
              + abbreviate(value)
              + "'");
    }
  }

  /**
   * Parses an event id.
   *
   * @param value canonical UUID text (lowercase is produced; upper case is accepted and lowered)
   * @return the id
   * @throws ValidationException when the value is not a UUID
   */
  public static EventId of(String value) {
    Objects.requireNonNull(value, "value");
    return new EventId(value.toLowerCase(Locale.ROOT));
  }

  /**
   * Wraps a UUID.
   *
   * @param uuid the UUID
   * @return the id
   */
  public static EventId of(UUID uuid) {
    return new EventId(uuid.toString());
  }

  /**
   * @return a new UUIDv7 event id from the system clock
   */
  public static EventId random() {
    return of(IDS.next());
  }

  @Override
  public int compareTo(EventId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
