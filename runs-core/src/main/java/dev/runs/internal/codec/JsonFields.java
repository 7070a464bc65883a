package dev.runs.internal.codec;

import dev.runs.ValidationException;
import dev.runs.internal.support.Times;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Field-level helpers shared by the codecs: times and enum names read and written with errors that
 * name the field.
 */
public final class JsonFields {
  private JsonFields() {}

  /**
   * Parses an RFC 3339 time.
   *
   * @param text the text
   * @param field the field to name in the error
   * @return the instant, truncated to microseconds
   * @throws ValidationException naming the field when the text is not RFC 3339
   */
  public static Instant time(String text, String field) {
    try {
      return Times.parse(text);
    } catch (DateTimeException e) {
      throw new ValidationException(field, String.valueOf(e.getMessage()));
    }
  }

  /**
   * Formats a time as Runs writes it ({@code 2026-11-29T20:26:58.123456Z}).
   *
   * @param t the instant
   * @param field the field to name in the error
   * @return the text
   * @throws ValidationException naming the field when the year is outside 0000-9999
   */
  public static String time(Instant t, String field) {
    try {
      return Times.format(t);
    } catch (DateTimeException e) {
      throw new ValidationException(field, String.valueOf(e.getMessage()));
    }
  }

  /**
   * Reads an enum constant from its lowercase JSON name.
   *
   * @param type the enum
   * @param text the name, such as {@code completed}
   * @param field the field to name in the error
   * @param <E> the enum type
   * @return the constant
   * @throws ValidationException naming the field and the names allowed when the text is none of
   *     them
   */
  public static <E extends Enum<E>> E constant(Class<E> type, String text, String field) {
    return type.cast(constantOf(type, text, field));
  }

  /**
   * As {@link #constant}, for an enum type known only at run time (a record component's).
   *
   * @param enumType an enum class
   * @param text the name
   * @param field the field to name in the error
   * @return the constant
   */
  static Object constantOf(Class<?> enumType, String text, String field) {
    List<String> names = new ArrayList<>();
    for (Object constant : enumType.getEnumConstants()) {
      String name = ((Enum<?>) constant).name().toLowerCase(Locale.ROOT);
      if (name.equals(text)) {
        return constant;
      }
      names.add(name);
    }
    String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
    throw new ValidationException(field, "must be one of " + names + " but was '" + shown + "'");
  }
}
