package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's HTTP block is replayable as written: it starts the demo with {@code --serve}, its
 * commands use the demo's port, each states its status and every variable is set before use. The
 * replay itself is {@code ReadmeHttpIT}.
 */
final class ReadmeHttpSectionTest {
  private static final Pattern PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern VARIABLE = Pattern.compile("\\$([A-Z][A-Z0-9_]*)");

  @Test
  void readme_startsTheDemoWithServe_andEveryCommandHasAStatusAndTheDemoPort() throws Exception {
    ReadmeHttpSection section = ReadmeHttpSection.parse(ReadmeHttpSection.readme());

    Demo.Options options = Demo.Options.parse(section.demoArgs().toArray(String[]::new));
    assertThat(options.serve()).isTrue();
    assertThat(options.serveFor()).isEmpty();
    assertThat(section.commands()).hasSizeGreaterThanOrEqualTo(17);
    Set<String> captured = new HashSet<>();
    for (ReadmeHttpSection.Command c : section.commands()) {
      assertThat(c.text()).as("a curl command").contains("curl ");
      assertThat(c.text())
          .as("ReadmeHttpIT adds its own --write-out")
          .doesNotContain(" -w ", "--write-out");
      Matcher port = PORT.matcher(c.text());
      assertThat(port.find()).as("an address in %s", c.text()).isTrue();
      assertThat(Integer.parseInt(port.group(1))).as(c.text()).isEqualTo(Demo.SERVE_PORT);
      Matcher used = VARIABLE.matcher(c.text());
      while (used.find()) {
        assertThat(captured)
            .as("$%s is set before %s", used.group(1), c.text())
            .contains(used.group(1));
      }
      c.captures().ifPresent(captured::add);
    }
    assertThat(captured).contains("ID");
  }

  @Test
  void parse_joinsContinuationLines_andReadsStatusAndCapture() {
    String readme =
        """
        ## HTTP API and the run viewer

        ```sh
        mvn -q -pl examples -am compile exec:java -Dexec.args="--serve --no-color"
        ```

        ```sh
        # a comment line
        curl -s http://127.0.0.1:7070/workflows  # 200
        ID=$(curl -s -X POST http://127.0.0.1:7070/runs \\
          -d '{}' | jq -r .run_id)  # 201
        ```

        ## Next
        ```sh
        curl -s http://127.0.0.1:7070/not-this-section
        ```
        """;

    ReadmeHttpSection s = ReadmeHttpSection.parse(readme);

    assertThat(s.demoArgs()).containsExactly("--serve", "--no-color");
    assertThat(s.commands())
        .containsExactly(
            new ReadmeHttpSection.Command(
                "curl -s http://127.0.0.1:7070/workflows", 200, Optional.empty()),
            new ReadmeHttpSection.Command(
                "ID=$(curl -s -X POST http://127.0.0.1:7070/runs \\\n  -d '{}' | jq -r .run_id)",
                201,
                Optional.of("ID")));
  }

  @Test
  void parse_commandWithoutStatus_isRefusedNamingIt() {
    String readme =
        String.join(
            "\n",
            List.of(
                "## HTTP API and the run viewer",
                "```sh",
                "mvn -q -pl examples -am compile exec:java -Dexec.args=\"--serve\"",
                "```",
                "```sh",
                "curl -s http://127.0.0.1:7070/workflows",
                "```",
                ""));

    assertThatThrownBy(() -> ReadmeHttpSection.parse(readme))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must end with '# <status>'")
        .hasMessageContaining("curl -s http://127.0.0.1:7070/workflows");
  }

  @Test
  void parse_withoutStartCommand_isRefused() {
    assertThatThrownBy(
            () ->
                ReadmeHttpSection.parse(
                    "## HTTP API and the run viewer\n```sh\ncurl -s http://x/  # 200\n```\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no ```sh block starting the demo");
  }
}
