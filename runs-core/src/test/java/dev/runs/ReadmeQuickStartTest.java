package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's quick start and checks that the README shows exactly this code: the block
 * between the quickstart markers in README.md must equal the block between the markers below.
 */
final class ReadmeQuickStartTest {
  @Test
  void quickStart_runs_andPrintsCompleted() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      // quickstart:start
      try (RunStore store = RunStores.open("memory:");
          RunOrchestrator runs =
              RunOrchestrator.builder(store)
                  .workflow(
                      "hello", "1", ctx -> ctx.step("greet", String.class, () -> "hello, runs"))
                  .build()) {
        RunHandle run =
            runs.start(
                RunRequest.builder()
                    .workflow("hello", "1")
                    .config(
                        ConfigSnapshot.builder()
                            .model("acme", "m-1")
                            .param("temperature", 0.2)
                            .build())
                    .trigger(Trigger.of(TriggerSource.CLI, "quickstart-1", "me"))
                    .build());
        System.out.println(run.completion().join()); // COMPLETED
      }
      // quickstart:end
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8).trim()).isEqualTo("COMPLETED");
  }

  @Test
  void readme_showsThisCode() throws IOException {
    String readme = Files.readString(repoRoot().resolve("README.md"));
    String test = Files.readString(Path.of("src/test/java/dev/runs/ReadmeQuickStartTest.java"));
    assertThat(
            normalize(
                between(readme, "<!-- quickstart:start -->", "<!-- quickstart:end -->")
                    .replace("```java", "")
                    .replace("```", "")))
        .isEqualTo(normalize(between(test, "// quickstart:" + "start", "// quickstart:" + "end")));
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("README.md"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  private static String between(String text, String start, String end) {
    int s = text.indexOf(start);
    int e = text.indexOf(end, s + 1);
    if (s < 0 || e < 0) {
      throw new AssertionError("markers " + start + " / " + end + " not found");
    }
    return text.substring(s + start.length(), e);
  }

  private static String normalize(String code) {
    StringBuilder b = new StringBuilder();
    for (String line : code.split("\n", -1)) {
      String t = line.strip();
      if (!t.isEmpty()) {
        b.append(t).append('\n');
      }
    }
    return b.toString();
  }
}
