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
}
