package dev.runs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.runs.ValidationException;
import dev.runs.internal.Taxonomy.Entry;
import dev.runs.internal.codec.RecordJson;
import dev.runs.payload.NonBlank;
import dev.runs.payload.NonNegative;
import dev.runs.payload.PayloadSamples;
import dev.runs.payload.PayloadSamples.Sample;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps the taxonomy in one place, the payload records: the JSON Schema's payload rules and the
 * payload tables of {@code docs/events.md} must be what {@link TaxonomyFiles} derives from the
 * records, {@code EventTypes} links each type to its record, and the records' annotations agree
 * with what their constructors refuse. A file that drifted fails with a diff; run with {@code
 * -Druns.regenerate=true} to rewrite it.
 */
final class TaxonomyFilesTest {
  private static final String REGENERATE =
      "mvn -B -ntp -pl runs-core -am verify"
          + " -Dtest=TaxonomyFilesTest -Dsurefire.failIfNoSpecifiedTests=false -DskipITs"
          + " -Druns.regenerate=true";

  private final TaxonomyFiles files = new TaxonomyFiles(moduleDir());

  static Stream<Sample> samples() {
    return PayloadSamples.all().stream();
  }

  @Test
  void schema_payloadRulesAreDerivedFromTheRecords() throws IOException {
    String current = Files.readString(files.schemaFile());

    checkOrRegenerate(files.schemaFile(), current, TaxonomyFiles.schema(current));
  }

  @Test
  void eventsDoc_payloadTablesAreDerivedFromTheRecords() throws IOException {
    String current = Files.readString(files.eventsDocFile());

    checkOrRegenerate(files.eventsDocFile(), current, files.eventsDoc(current));
  }

  @Test
  void eventTypes_linkEachAppendableTypeToItsRecord() throws IOException {
    String source = Files.readString(files.eventTypesSource());
    Matcher m =
        Pattern.compile(
                "/\\*\\*((?:(?!\\*/).)*)\\*/\\s*public static final EventType"
                    + " \\w+ = core\\(\"([^\"]+)\"\\);",
                Pattern.DOTALL)
            .matcher(source);
    List<String> linked = new ArrayList<>();
    while (m.find()) {
      String javadoc = m.group(1).replaceAll("\\s*\\n\\s*\\*\\s*", " ");
      Entry entry =
          Taxonomy.entries().stream()
              .filter(e -> e.type().name().equals(m.group(2)))
              .findFirst()
              .orElse(null);
      if (entry != null) {
        assertThat(javadoc)
            .as("javadoc of " + m.group(2) + " in EventTypes")
            .contains("{@link dev.runs.payload." + entry.record().getSimpleName() + "}");
        linked.add(m.group(2));
      }
    }

    assertThat(linked)
        .containsExactlyElementsOf(Taxonomy.entries().stream().map(e -> e.type().name()).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void taxonomy_mapsTheTypeToTheRecordThatBuildsIt(Sample s) {
    assertThat(Taxonomy.entry(s.type())).isNotNull();
    assertThat(Taxonomy.entry(s.type()).record()).isEqualTo(s.recordClass());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void nonBlankAndNonNegative_areRefusedByTheRecordConstructors(Sample s) throws Exception {
    List<String> checked = new ArrayList<>();

    checkAnnotations((Record) s.full(), checked);

    assertThat(checked)
        .as("annotated components of " + s.type() + " and its nested records")
        .hasSameSizeAs(
            Taxonomy.entry(s.type()).fields().stream()
                .filter(
                    f ->
                        f.nonNegative()
                            || (f.kind() == Taxonomy.Kind.NAME && f.allowed().isEmpty()))
                .toList());
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Rebuilds {@code record} once per annotated component with a value the annotation forbids. */
  private static void checkAnnotations(Record record, List<String> checked) throws Exception {
    RecordComponent[] comps = record.getClass().getRecordComponents();
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      comps[i].getAccessor().setAccessible(true);
      args[i] = comps[i].getAccessor().invoke(record);
      types[i] = comps[i].getType();
    }
    Constructor<?> ctor = record.getClass().getDeclaredConstructor(types);
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      Object bad = null;
      if (c.isAnnotationPresent(NonBlank.class)) {
        bad = " ";
      } else if (c.isAnnotationPresent(NonNegative.class)) {
        bad = negative(c.getType(), args[i]);
      }
      if (bad != null) {
        Object[] broken = args.clone();
        broken[i] = bad;
        Throwable thrown = null;
        try {
          ctor.newInstance(broken);
        } catch (InvocationTargetException e) {
          thrown = e.getCause();
        }
        String field = RecordJson.snake(c.getName());
        assertThat(thrown)
            .as(
                record.getClass().getSimpleName()
                    + "."
                    + c.getName()
                    + " = '"
                    + bad
                    + "' is refused")
            .isInstanceOf(ValidationException.class);
        assertThat(((ValidationException) thrown).field()).endsWith(field);
        checked.add(field);
      }
      Object value = args[i] instanceof Optional<?> o ? o.orElse(null) : args[i];
      if (value instanceof Record nested
          && nested.getClass().getPackageName().equals(NonBlank.class.getPackageName())) {
        checkAnnotations(nested, checked);
      }
    }
  }

  private static Object negative(Class<?> type, Object current) {
    if (type == long.class) {
      return -1L;
    }
    if (type == int.class) {
      return -1;
    }
    if (type == OptionalLong.class) {
      return OptionalLong.of(-1);
    }
    if (type == BigDecimal.class) {
      return BigDecimal.ONE.negate();
    }
    if (type == Optional.class && ((Optional<?>) current).orElse(null) instanceof BigDecimal) {
      return Optional.of(BigDecimal.ONE.negate());
    }
    throw new AssertionError("no negative value for " + type + " (" + current + ")");
  }

  private static void checkOrRegenerate(Path file, String current, String generated)
      throws IOException {
    if (current.equals(generated)) {
      return;
    }
    if (Boolean.getBoolean("runs.regenerate")) {
      Files.writeString(file, generated);
      return;
    }
    fail(
        file.normalize()
            + " is not what the payload records in dev.runs.payload give:\n"
            + diff(current, generated)
            + "\nIf the records are right, regenerate it with\n  "
            + REGENERATE);
  }

  /** The changed middle of two texts, as removed and added lines. */
  static String diff(String before, String after) {
    List<String> a = before.lines().toList();
    List<String> b = after.lines().toList();
    int head = 0;
    while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
      head++;
    }
    int tail = 0;
    while (tail < a.size() - head
        && tail < b.size() - head
        && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
      tail++;
    }
    StringBuilder out = new StringBuilder("@@ line " + (head + 1) + " @@\n");
    List<String> removed = a.subList(head, a.size() - tail);
    List<String> added = b.subList(head, b.size() - tail);
    removed.stream().limit(40).forEach(l -> out.append("- ").append(l).append('\n'));
    if (removed.size() > 40) {
      out.append("  ... ").append(removed.size() - 40).append(" more removed\n");
    }
    added.stream().limit(40).forEach(l -> out.append("+ ").append(l).append('\n'));
    if (added.size() > 40) {
      out.append("  ... ").append(added.size() - 40).append(" more added\n");
    }
    return out.toString();
  }

  private static Path moduleDir() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p : List.of(here, here.resolve("runs-core"))) {
      if (Files.isRegularFile(p.resolve("src/main/java/dev/runs/EventTypes.java"))) {
        return p;
      }
    }
    throw new AssertionError("runs-core not found from " + here);
  }
}
