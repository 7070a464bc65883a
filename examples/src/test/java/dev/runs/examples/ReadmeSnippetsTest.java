package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every Java block in README.md and in docs/bundles.md, archive.md, cli.md, mcp.md,
 * opentelemetry.md and metrics.md compiles against the real modules. A block runs inside a method;
 * the variables it uses without declaring them are declared by an HTML comment right before it:
 * {@code <!-- snippet: RunStore store, RunId runId -->}. The quick start is also run, by {@code
 * ReadmeQuickStartTest} in runs-core.
 */
final class ReadmeSnippetsTest {
  private static final Pattern BLOCK =
      Pattern.compile("(?:<!-- snippet: ([^>]*?) -->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);
  private static final String IMPORTS =
      """
      import dev.runs.*;
      import dev.runs.payload.*;
      import dev.runs.testkit.*;
      import dev.runs.http.*;
      import dev.runs.mcp.*;
      import dev.runs.opentelemetry.*;
      import dev.runs.micrometer.*;
      import java.math.BigDecimal;
      import java.nio.file.*;
      import java.time.*;
      import java.util.*;
      import java.util.concurrent.*;
      import java.net.InetSocketAddress;\
      """;

  @ParameterizedTest
  @CsvSource({
    "README.md, 3",
    "docs/bundles.md, 5",
    "docs/archive.md, 5",
    "docs/cli.md, 1",
    "docs/mcp.md, 2",
    "docs/opentelemetry.md, 3",
    "docs/metrics.md, 2"
  })
  void everyJavaBlock_compiles(String doc, int atLeast, @TempDir Path out) throws IOException {
    String readme = Files.readString(repoRoot().resolve(doc));
    Matcher m = BLOCK.matcher(readme);
    List<JavaFileObject> sources = new ArrayList<>();
    int n = 0;
    while (m.find()) {
      n++;
      String params = m.group(1) == null ? "" : m.group(1).trim();
      String body = m.group(2);
      if (body.contains("<dependency>")) {
        continue;
      }
      String name = "ReadmeSnippet" + n;
      String code =
          IMPORTS
              + "\nclass "
              + name
              + " {\n  @SuppressWarnings(\"unused\")\n  static void run("
              + params
              + ") throws Exception {\n"
              + body
              + "\n  }\n}\n";
      sources.add(
          new SimpleJavaFileObject(
              URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
              return code;
            }
          });
    }
    assertThat(sources).as("java blocks in %s", doc).hasSizeGreaterThanOrEqualTo(atLeast);
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StringWriter log = new StringWriter();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      boolean ok =
          compiler
              .getTask(
                  log,
                  files,
                  diagnostics,
                  List.of(
                      "-d",
                      out.toString(),
                      "-classpath",
                      System.getProperty("java.class.path"),
                      "-proc:none"),
                  null,
                  sources)
              .call();
      StringBuilder report = new StringBuilder();
      diagnostics
          .getDiagnostics()
          .forEach(
              d ->
                  report
                      .append(d.getSource() == null ? "" : d.getSource().getName())
                      .append(':')
                      .append(d.getLineNumber())
                      .append(' ')
                      .append(d.getMessage(null))
                      .append('\n'));
      assertThat(ok).as("%s snippets compile:\n%s%s", doc, report, log).isTrue();
    }
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("README.md"))) {
      p = p.getParent();
    }
    return p;
  }
}
