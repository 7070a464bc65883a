package dev.runs.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.internal.PayloadRules;
import dev.runs.payload.PayloadSamples.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps {@code docs/events.md} in step with the code: every appendable core type has a row naming
 * its record, every field PayloadRules requires is marked required, and every record component is
 * listed. ({@code TaxonomyFilesTest} also checks that the tables are exactly what the records
 * give.)
 */
final class EventsDocTest {
  private static List<String> lines;

  @BeforeAll
  static void read() throws IOException {
    Path doc =
        Stream.of(Path.of("docs/events.md"), Path.of("../docs/events.md"))
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "docs/events.md not found from " + Path.of("").toAbsolutePath()));
    lines = Files.readAllLines(doc);
  }

  static Stream<Sample> samples() {
    return PayloadSamples.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyTypeIsDocumentedWithItsRecordAndFields(Sample s) {
    List<String[]> rows = rowsOf("`" + s.type().name() + "`");

    assertThat(rows).as("a table row for " + s.type()).isNotEmpty();
    assertThat(String.join("|", rows.get(0))).contains("`" + s.recordClass().getSimpleName() + "`");
    for (String path : PayloadRules.requiredFields(s.type())) {
      assertThat(rows)
          .as(path + " of " + s.type() + " is marked required")
          .anySatisfy(
              r -> {
                assertThat(fieldCell(r)).contains("`" + path + "`");
                assertThat(requiredCell(r)).contains("**yes**");
              });
    }
    s.full()
        .toPayload()
        .toJsonNode()
        .fieldNames()
        .forEachRemaining(
            field ->
                assertThat(rows)
                    .as(field + " of " + s.type() + " is listed")
                    .anySatisfy(r -> assertThat(fieldCell(r)).contains("`" + field + "`")));
    if (PayloadRules.needsStep(s.type())) {
      assertThat(rows.get(0)[2]).contains("`step_id`");
    }
    if (PayloadRules.needsAttempt(s.type())) {
      assertThat(rows.get(0)[2]).contains("`attempt`");
    }
    assertThat(s.type()).isNotEqualTo(EventTypes.RUN_CREATED);
  }

  /** The rows of a type's block: its own row and the continuation rows (empty type cell). */
  private static List<String[]> rowsOf(String typeCell) {
    List<String[]> out = new ArrayList<>();
    boolean in = false;
    for (String line : lines) {
      if (!line.startsWith("|")) {
        in = false;
        continue;
      }
      String[] cells =
          line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0)).split("(?<!\\\\)\\|");
      String first = cells[0].trim();
      if (first.equals(typeCell)) {
        in = true;
        out.clear();
      } else if (!first.isEmpty()) {
        in = false;
      }
      if (in) {
        out.add(cells);
      }
    }
    return out;
  }

  /** The field cell: fourth from the end (field | kind | required | meaning). */
  private static String fieldCell(String[] row) {
    return row[row.length - 4];
  }

  /** The required cell: second from the end. */
  private static String requiredCell(String[] row) {
    return row[row.length - 2];
  }
}
