package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunEntry;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DemoTest {
  private static final List<String> HEADINGS =
      List.of(
          "1. A support agent run, live",
          "2. A step fails, the run resumes",
          "3. Replay from a middle checkpoint",
          "4. Rerun with an overridden parameter",
          "5. Cancel a run",
          "Run summary",
          "Where the data lives");

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int demo(boolean console, Map<String, String> env, String... args) {
    return Demo.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        console,
        env);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void run_onSqlite_showsEverySectionAndEndsCompleted() {
    Path db = dir.resolve("demo.db");
    int code = demo(false, Map.of(), "--store", "sqlite:" + db, "--no-color");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    String out = out();
    assertThat(out).containsSubsequence(HEADINGS);
    assertThat(out).doesNotContain("\u001b[");
    assertThat(out)
        .contains(
            "guardrail  pii-filter on input: passed",
            "guardrail  no-promises on output: tripped",
            "handoff    triage -> billing",
            "tool       lookup_order v2",
            "checkpoint order-found",
            "completed steps re-run by the resume: 0 of 3",
            "same snapshot",
            "= triage/lookup  reused from run",
            "~ /model/params/temperature: 0.2 -> 0.7",
            "cancel() answered cancel_requested",
            "sqlite3 -readonly " + db);
    assertThat(out).containsPattern("(?m)^main +\\S+ +completed ");
    assertThat(out.strip()).endsWith("the main run is completed.");

    try (RunStore store = RunStores.open("sqlite:" + db)) {
      List<RunEntry> runs = store.list(RunQuery.all()).runs();
      assertThat(runs)
          .extracting(RunEntry::status)
          .containsExactlyInAnyOrder(
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.COMPLETED,
              RunStatus.CANCELLED);
      for (RunEntry r : runs) {
        assertThat(store.verify(r.record().id()).ok()).as(r.record().id().value()).isTrue();
      }
    }
  }

  @Test
  void run_onColourTerminalWithMemoryStore_usesAnsiAndSaysNothingIsKept() {
    int code = demo(true, Map.of("TERM", "xterm-256color"), "--store", "memory:");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    assertThat(out()).contains("\u001b[32m", "the memory: store keeps nothing");
  }

  @Test
  void run_withFileStore_runsOnceTheFileStoreIsBuiltAndOtherwiseNamesTheMissingModule() {
    Path root = dir.resolve("runs-demo");
    int code = demo(false, Map.of(), "--store", "file:" + root);

    if (RunStores.availableSchemes().contains("file")) {
      assertThat(code).as("exit code; stderr: %s", err()).isZero();
      assertThat(out()).contains("events.ndjson", "the main run is completed.");
    } else {
      assertThat(code).isEqualTo(2);
      assertThat(err()).contains("no run store provider for scheme 'file:'", "runs-store-file");
    }
  }

  @Test
  void run_serve_startsTheViewer_andRunsTheDemo() {
    int code = demo(false, Map.of(), "--store", "memory:", "--serve", "--serve-for", "0");

    assertThat(code).as("exit code; stderr: %s", err()).isZero();
    assertThat(out())
        .containsPattern("run viewer: http://127\\.0\\.0\\.1:\\d+/")
        .contains("serving for 0 s more")
        .contains("Demo finished");
  }

  @Test
  void run_serveForWithoutServe_exitsTwo() {
    assertThat(demo(false, Map.of(), "--serve-for", "5")).isEqualTo(2);
    assertThat(err()).contains("--serve-for only makes sense with --serve");
  }

  @Test
  void run_unknownOption_exitsTwoWithUsage() {
    assertThat(demo(false, Map.of(), "--colour")).isEqualTo(2);
    assertThat(err()).contains("unknown option '--colour'", "usage: Demo");
    assertThat(out()).isEmpty();
  }

  @Test
  void run_storeWithoutUri_exitsTwo() {
    assertThat(demo(false, Map.of(), "--store")).isEqualTo(2);
    assertThat(err()).contains("--store needs a store URI");
  }

  @Test
  void run_unknownScheme_exitsTwoNamingIt() {
    assertThat(demo(false, Map.of(), "--store", "nosuch:x")).isEqualTo(2);
    assertThat(err()).contains("nosuch");
  }

  @Test
  void run_sqliteInMissingDirectory_exitsTwoAndCreatesNothing() {
    Path missing = dir.resolve("no-such-dir").resolve("demo.db");
    assertThat(demo(false, Map.of(), "--store", "sqlite:" + missing)).isEqualTo(2);
    assertThat(err()).contains("the store cannot be opened");
    assertThat(Files.exists(missing.getParent())).isFalse();
  }

  @Test
  void run_help_printsUsageAndExitsZero() {
    assertThat(demo(false, Map.of(), "--help")).isZero();
    assertThat(out()).contains("usage: Demo", "--store <uri>", "--no-color");
  }

  @Test
  void deleteDatabase_removesTheFileAndItsWalFilesOnly() throws Exception {
    Path db = dir.resolve("runs-demo.db");
    for (String name :
        List.of("runs-demo.db", "runs-demo.db-wal", "runs-demo.db-shm", "other.db")) {
      Files.writeString(dir.resolve(name), "x");
    }
    Demo.deleteDatabase(db);
    Demo.deleteDatabase(db); // nothing left: no error

    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("other.db");
    }
  }

  @Test
  void options_storeEquals_isAccepted() {
    Demo.Options o = Demo.Options.parse("--store=file:./x", "--no-color");
    assertThat(o.storeUri()).isEqualTo("file:./x");
    assertThat(o.storeGiven()).isTrue();
    assertThat(o.noColor()).isTrue();
    assertThatThrownBy(() -> Demo.Options.parse("--store="))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void options_none_usesTheDefaultSqliteFile() {
    Demo.Options o = Demo.Options.parse();
    assertThat(o.storeUri()).isEqualTo(Demo.DEFAULT_STORE).isEqualTo("sqlite:runs-demo.db");
    assertThat(o.storeGiven()).isFalse();
  }
}
