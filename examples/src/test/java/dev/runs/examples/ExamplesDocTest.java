package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/examples.md in step with the sources: every Java block marked with {@code <!-- source:
 * path -->} must be made of pieces of that file (runs of consecutive lines, compared without
 * indentation, split at {@code // ...} lines), and the commands and options it names must exist.
 */
final class ExamplesDocTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern SOURCE_BLOCK =
      Pattern.compile("<!-- source: (\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

  private static String doc() throws IOException {
    return Files.readString(ROOT.resolve("docs/examples.md"));
  }

  @Test
  void javaBlocks_arePiecesOfTheirSourceFiles() throws IOException {
    Matcher m = SOURCE_BLOCK.matcher(doc());
    int blocks = 0;
    while (m.find()) {
      blocks++;
      List<String> source = trimmedLines(Files.readString(ROOT.resolve(m.group(1))));
      for (List<String> piece : pieces(m.group(2))) {
        assertThat(Collections.indexOfSubList(source, piece))
            .as("docs/examples.md block for %s: lines %s are not in the file", m.group(1), piece)
            .isNotNegative();
      }
    }
    assertThat(blocks).isEqualTo(4);
  }

  @Test
  void commands_nameTheRealMainClassesAndOptions() throws Exception {
    String doc = doc();
    assertThat(doc).contains("```sh\nmvn -q -pl examples -am compile exec:java\n```");
    Matcher m = Pattern.compile("-Dexec\\.mainClass=([\\w.]+)").matcher(doc);
    int found = 0;
    while (m.find()) {
      Class.forName(m.group(1)).getMethod("main", String[].class);
      found++;
    }
    assertThat(found).isGreaterThanOrEqualTo(4);
    assertThat(doc)
        .contains(
            "`--store <uri>`",
            "`--serve`",
            "`--no-color`",
            "`--help`",
            "default `" + Demo.DEFAULT_STORE + "`");
  }

  private static List<String> trimmedLines(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      out.add(line.strip());
    }
    return out;
  }

  private static List<List<String>> pieces(String block) {
    List<List<String>> out = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : trimmedLines(block)) {
      if (line.startsWith("// ...")) {
        out.add(current);
        current = new ArrayList<>();
      } else if (!line.isEmpty()) {
        current.add(line);
      }
    }
    out.add(current);
    out.removeIf(List::isEmpty);
    return out;
  }
}
