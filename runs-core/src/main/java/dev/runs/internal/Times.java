package dev.runs.internal;

import dev.runs.ValidationException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** RFC 3339 times as Runs writes them: UTC, {@code Z}, exactly six fractional digits. */
public final class Times {
  private Times() {}

  /**
   * Formats an instant as {@code 2026-11-29T20:26:58.123456Z}, truncating below microseconds.
   *
   * @param t the instant
   * @return the text
   */
  public static String format(Instant t) {
    long seconds = t.getEpochSecond();
    int micros = t.getNano() / 1000;
    java.time.LocalDateTime ldt = java.time.LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
    StringBuilder b = new StringBuilder(27);
    int year = ldt.getYear();
    if (year < 0 || year > 9999) {
      throw new ValidationException("time", "year " + year + " is outside 0000-9999");
    }
    pad(b, year, 4).append('-');
    pad(b, ldt.getMonthValue(), 2).append('-');
    pad(b, ldt.getDayOfMonth(), 2).append('T');
    pad(b, ldt.getHour(), 2).append(':');
    pad(b, ldt.getMinute(), 2).append(':');
    pad(b, ldt.getSecond(), 2).append('.');
    pad(b, micros, 6).append('Z');
    return b.toString();
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(s);
  }

  /**
   * Parses an RFC 3339 time with any offset and any fraction, returning the instant truncated to
   * microseconds.
   *
   * @param text the text
   * @param field the field name for errors
   * @return the instant
   * @throws ValidationException when the text is not RFC 3339
   */
  public static Instant parse(String text, String field) {
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant()
          .truncatedTo(ChronoUnit.MICROS);
    } catch (DateTimeParseException e) {
      throw new ValidationException(field,
          "must be an RFC 3339 time such as 2026-11-29T20:26:58.123456Z but was '"
              + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "'");
    }
  }

  /**
   * Truncates to microseconds, the precision of the envelope.
   *
   * @param t the instant
   * @return the truncated instant
   */
  public static Instant micros(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }
}
