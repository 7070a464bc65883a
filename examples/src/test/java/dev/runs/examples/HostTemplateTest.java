package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's "Add to your project" POM in step with {@code examples/host/pom.xml}, the
 * standalone host project that {@code .ci/run} builds and tests against the installed jars.
 */
final class HostTemplateTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern SOURCE_BLOCK =
      Pattern.compile(
          "<!-- source: examples/host/pom.xml -->\\s*```xml\\n(.*?)```", Pattern.DOTALL);

  private static String read(String path) throws IOException {
    return Files.readString(ROOT.resolve(path));
  }

  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String l = line.strip();
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  @Test
  void readmeHostPom_isMadeOfTheTemplatesLinesInTheirOrder() throws IOException {
    Matcher m = SOURCE_BLOCK.matcher(read("README.md"));
    assertThat(m.find())
        .as("README.md has a block marked <!-- source: examples/host/pom.xml -->")
        .isTrue();
    List<String> pom = lines(read("examples/host/pom.xml"));
    int at = 0;
    for (String line : lines(m.group(1))) {
      if (line.startsWith("<!--") && line.endsWith("-->")) {
        continue; // the README's own remarks
      }
      int found = pom.subList(at, pom.size()).indexOf(line);
      assertThat(found)
          .as(
              "README.md's host POM line %s is not in examples/host/pom.xml after line %s",
              line, at == 0 ? "<start>" : pom.get(at - 1))
          .isNotNegative();
      at += found + 1;
    }
  }

  @Test
  void template_isStandaloneAndSetsWhatMaven38DefaultsGetWrong() throws IOException {
    String pom = read("examples/host/pom.xml");
    assertThat(pom).doesNotContain("<parent>");
    assertThat(read("pom.xml")).doesNotContain("<module>examples/host</module>");
    assertThat(pom)
        .contains("<maven.compiler.release>17</maven.compiler.release>")
        .containsPattern(
            "<artifactId>maven-compiler-plugin</artifactId>\\s*<version>3\\.\\d+\\.\\d+</version>")
        .containsPattern(
            "<artifactId>maven-surefire-plugin</artifactId>\\s*<version>3\\.\\d+\\.\\d+</version>")
        .containsPattern(
            "<artifactId>runs-bom</artifactId>\\s*<version>[^<]+</version>\\s*<type>pom</type>"
                + "\\s*<scope>import</scope>")
        .containsPattern("<artifactId>runs-testkit</artifactId>\\s*<scope>test</scope>");
  }
}
