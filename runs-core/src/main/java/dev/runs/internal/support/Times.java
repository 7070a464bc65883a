package dev.runs.internal.support;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * RFC 3339 times as Runs writes them: UTC, {@code Z}, exactly six fractional digits. Errors are the
 * JDK's ({@link DateTimeException}); callers that read user input turn them into their own
 * exception naming the field.
 */
public final class Times {
  /** The first time an envelope can hold. */
  private static final String FIRST = "0000-01-01T00:00:00.000000Z";

  /** The last time an envelope can hold. */
  private static final String LAST = "9999-12-31T23:59:59.999999Z";

  private static final Instant FIRST_INSTANT = Instant.parse(FIRST);
  private static final Instant LAST_INSTANT = Instant.parse(LAST);

  private Times() {}

  /**
   * @param t an instant
   * @return whether an envelope can hold it: from {@value #FIRST} to {@value #LAST},
   *     sub-microsecond digits aside
   */
  public static boolean isHeld(Instant t) {
    return !t.isBefore(FIRST_INSTANT) && t.isBefore(LAST_INSTANT.plusNanos(1000));
  }

  /**
   * @return the range an envelope can hold, for messages: {@code FIRST to LAST}
   */
  public static String heldRange() {
    return FIRST + " to " + LAST;
  }

  /**
   * Formats an instant as {@code 2026-11-29T20:26:58.123456Z}, truncating below microseconds.
   *
   * @param t the instant
   * @return the text
   * @throws DateTimeException when the year is outside 0000-9999
   */
  public static String format(Instant t) {
    StringBuilder b = new StringBuilder(27);
    formatTo(t, b);
    return b.toString();
  }

  /**
   * Appends an instant as {@code 2026-11-29T20:26:58.123456Z}, truncating below microseconds.
   *
   * @param t the instant
   * @param b where to append
   * @throws DateTimeException when the year is outside 0000-9999
   */
  public static void formatTo(Instant t, StringBuilder b) {
    long seconds = t.getEpochSecond();
    long days = Math.floorDiv(seconds, 86_400);
    int secondOfDay = Math.floorMod(seconds, 86_400);
    // civil-from-days (proleptic Gregorian), as in java.time.LocalDate.ofEpochDay
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
      throw new DateTimeException("year " + year + " is outside 0000-9999");
    }
    pad(b, (int) year, 4).append('-');
    pad(b, month, 2).append('-');
    pad(b, day, 2).append('T');
    pad(b, secondOfDay / 3600, 2).append(':');
    pad(b, secondOfDay / 60 % 60, 2).append(':');
    pad(b, secondOfDay % 60, 2).append('.');
    pad(b, t.getNano() / 1000, 6).append('Z');
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    int digits = 1;
    for (int v = value; v >= 10; v /= 10) {
      digits++;
    }
    for (int i = digits; i < width; i++) {
      b.append('0');
    }
    return b.append(value);
  }

  /**
   * Parses an RFC 3339 time with any offset and any fraction, returning the instant truncated to
   * microseconds. The instant must be one {@link #format} can write, from {@code
   * 0000-01-01T00:00:00Z} to {@code 9999-12-31T23:59:59.999999Z}: a signed year ({@code -0999-...},
   * which the JDK's ISO parser reads and RFC 3339 does not allow) is refused, and so is an offset
   * that moves a time of year 0000 or 9999 beyond that range.
   *
   * @param text the text
   * @return the instant
   * @throws DateTimeParseException when the text is not RFC 3339 or the instant is outside the
   *     range; the message says what is expected
   */
  public static Instant parse(String text) {
    Instant canonical = parseCanonical(text);
    if (canonical != null) {
      return canonical;
    }
    Instant t;
    try {
      t =
          OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
              .toInstant()
              .truncatedTo(ChronoUnit.MICROS);
    } catch (DateTimeParseException e) {
      throw new DateTimeParseException(
          "must be an RFC 3339 time such as 2026-11-29T20:26:58.123456Z but was '"
              + shown(text)
              + "'",
          text,
          e.getErrorIndex(),
          e);
    }
    if (t.isBefore(FIRST_INSTANT) || t.isAfter(LAST_INSTANT)) {
      throw new DateTimeParseException(
          "must be a time from " + heldRange() + " but was '" + shown(text) + "'", text, 0);
    }
    return t;
  }

  private static String shown(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  /**
   * Parses the exact form {@link #format} writes ({@code 2026-11-29T20:26:58.123456Z}) by hand:
   * every stored event's time has it, and the general parser costs about 1 microsecond per call, a
   * third of decoding an event. Returns null for anything else, including out-of-range fields, so
   * the general parser decides (and words the error).
   *
   * @param s the text
   * @return the instant, or null when the text is not exactly in the canonical form
   */
  public static @Nullable Instant parseCanonical(String s) {
    if (s.length() != 27
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(19) != '.'
        || s.charAt(26) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int micros = digits(s, 20, 6);
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || micros < 0
        || day > java.time.Month.of(month).length(java.time.Year.isLeap(year))) {
      return null;
    }
    long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(
        epochDay * 86_400L + hour * 3600L + minute * 60L + second, micros * 1000L);
  }

  /**
   * @return the decimal value of {@code length} digits at {@code from}, or -1 if one is not a digit
   */
  private static int digits(String s, int from, int length) {
    int v = 0;
    for (int i = from; i < from + length; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /**
   * Truncates to microseconds, the precision of the envelope.
   *
   * @param t the instant
   * @return the truncated instant
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the sub-second part is the question
  public static Instant micros(Instant t) {
    if (t.getNano() % 1000 == 0) {
      return t; // already at microseconds: every time decoded from a store
    }
    return t.truncatedTo(ChronoUnit.MICROS);
  }
}
