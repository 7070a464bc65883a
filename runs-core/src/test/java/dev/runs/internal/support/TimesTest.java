package dev.runs.internal.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The hand-written parse of the canonical form agrees with the general RFC 3339 parser. */
final class TimesTest {
  private static final long FIRST = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long LAST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  private static Instant general(String text) {
    return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
        .toInstant()
        .truncatedTo(ChronoUnit.MICROS);
  }

  @SeededProperty(cases = 1000)
  void parse_formattedInstant_roundTripsAndMatchesGeneralParser(Cases cases) {
    long second = cases.longBetween(-62_167_219_200L, 253_402_300_799L);
    int micros = cases.intBetween(0, 999_999);
    Instant t = Instant.ofEpochSecond(Math.max(FIRST, Math.min(LAST, second)), micros * 1000L);
    String text = Times.format(t);
    assertThat(Times.parse(text)).isEqualTo(t).isEqualTo(general(text));
  }

  @SeededProperty(cases = 1000)
  void parse_canonicalShapeWithAnyCharacterChanged_agreesWithGeneralParser(Cases cases) {
    int position = cases.intBetween(0, 26);
    char c = cases.charBetween(' ', '~');
    StringBuilder b = new StringBuilder("2024-02-29T23:59:59.999999Z");
    b.setCharAt(position, c);
    String text = b.toString();
    Instant expected;
    try {
      expected = general(text);
    } catch (DateTimeParseException e) {
      assertThatThrownBy(() -> Times.parse(text)).isInstanceOf(DateTimeParseException.class);
      return;
    }
    assertThat(Times.parse(text)).isEqualTo(expected);
  }

  @Test
  void parse_outOfRangeFields_areRefusedLikeBefore() {
    for (String bad :
        new String[] {
          "2023-02-29T00:00:00.000000Z",
          "2024-13-01T00:00:00.000000Z",
          "2024-01-01T24:00:00.000000Z",
          "2024-01-01T23:60:00.000000Z",
          "2024-01-01T23:59:60.000000Z",
          "2024-04-31T00:00:00.000000Z",
          "2024-00-10T00:00:00.000000Z"
        }) {
      assertThatThrownBy(() -> Times.parse(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class)
          .hasMessageContaining("RFC 3339");
    }
    assertThat(Times.parse("2024-01-01T01:00:00.5+01:00"))
        .isEqualTo(Instant.parse("2024-01-01T00:00:00.500Z"));
  }

  /**
   * What the JDK's ISO parser reads beyond the years 0000-9999 (a signed year, or an offset that
   * moves a time across the range's ends) is refused: {@link Times#format} could not write it back.
   */
  @Test
  void parse_instantsFormatCannotWrite_areRefused() {
    for (String bad :
        new String[] {
          "-0999-05-05T22:02:48.519139Z",
          "-0001-12-31T23:59:59Z",
          "0000-01-01T00:59:59+01:00",
          "9999-12-31T23:30:00-01:00"
        }) {
      assertThat(general(bad)).as(bad).isNotNull(); // the JDK reads it
      assertThatThrownBy(() -> Times.parse(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class)
          .hasMessage(
              "must be a time from 0000-01-01T00:00:00.000000Z to 9999-12-31T23:59:59.999999Z but"
                  + " was '"
                  + bad
                  + "'");
    }
    for (String edge :
        new String[] {"0000-01-01T01:00:00+01:00", "9999-12-31T22:59:59.9999999-01:00"}) {
      Instant t = Times.parse(edge);
      assertThat(t).as(edge).isEqualTo(general(edge));
      assertThat(Times.parse(Times.format(t))).isEqualTo(t);
    }
  }
}
