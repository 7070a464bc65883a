package dev.runs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.RunEntry;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input never changes the store: every option that takes a value, given a malformed one, exits
 * 2 with one line on standard error naming the option, and the store's runs are as before.
 */
final class RunsCliBadInputTest {
  @TempDir Path dir;
  private RunStore store;
  private RunOrchestrator orchestrator;
  private RunId id;

  @BeforeEach
  void open() throws Exception {
    store = RunStores.open("sqlite:" + dir.resolve("runs.db"));
    RunOrchestrator.Builder b = RunOrchestrator.builder(store);
    new TestWorkflows().workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
    orchestrator = b.build();
    RunHandle h =
        orchestrator.start(
            RunRequest.builder()
                .workflow("greet", "1")
                .config(ConfigSnapshot.builder().input("name", "ada").build())
                .trigger(Trigger.of(TriggerSource.TEST, "t-1"))
                .build());
    assertThat(h.completion().get(20, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
    id = h.runId();
    Files.writeString(dir.resolve("bad.json"), "{bad");
  }

  @AfterEach
  void close() {
    orchestrator.close();
    store.close();
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("--limit", List.of("ls", "--limit", "abc")),
        Arguments.of("--limit", List.of("ls", "--limit", "0")),
        Arguments.of("--output", List.of("ls", "-o", "xml")),
        Arguments.of("--since", List.of("ls", "--since", "5x")),
        Arguments.of("--status", List.of("ls", "--status", "done")),
        Arguments.of("--namespace", List.of("ls", "--namespace", "A B")),
        Arguments.of("--label", List.of("ls", "--label", "team")),
        Arguments.of("--store", List.of("ls", "--store", "nosuchscheme:x")),
        Arguments.of("--after", List.of("events", "ID", "--after", "-1")),
        Arguments.of("--after", List.of("events", "ID", "--after", "x")),
        Arguments.of("--lines", List.of("tail", "ID", "-n", "x")),
        Arguments.of("STAGE/ATTEMPT/PATH", List.of("cat", "ID", "report")),
        Arguments.of("--from", List.of("replay", "ID", "--from", "middle")),
        Arguments.of("--set", List.of("rerun", "ID", "--set", "temperature")),
        Arguments.of("/inputs/nmae", List.of("rerun", "ID", "--set", "/inputs/nmae=x")),
        Arguments.of("WORKFLOW@VERSION", List.of("start", "greet")),
        Arguments.of("--config", List.of("start", "greet@1", "--config", "missing.json")),
        Arguments.of("--config", List.of("start", "greet@1", "--config", "BAD")),
        Arguments.of("--input", List.of("start", "greet@1", "--input", "name")),
        Arguments.of("--namespace", List.of("start", "greet@1", "--namespace", "A B")),
        Arguments.of("--trigger-id", List.of("start", "greet@1", "--trigger-id", " ")),
        Arguments.of("--classpath", List.of("start", "greet@1", "--classpath", "/no/such.jar")),
        Arguments.of("--query", List.of("cancel", "--query", "colour=red", "--yes")),
        Arguments.of("--query", List.of("cancel", "--query", "status=zzz", "--yes")),
        Arguments.of("--query", List.of("resume", "--query", "since=5x", "--yes")),
        Arguments.of("--query", List.of("delete", "--query", "status", "--reason", "x", "--yes")),
        Arguments.of("--reason", List.of("delete", "ID", "--yes")),
        Arguments.of("--archive", List.of("archive", "ID", "--archive", "nosuchscheme:x")),
        Arguments.of(
            "--older-than", List.of("archive", "--older-than", "5x", "--archive", "dir:ARCHIVE")),
        Arguments.of("--form", List.of("export", "ID", "--form", "tar")),
        Arguments.of("--port", List.of("serve", "--port", "70000")),
        Arguments.of("--bind", List.of("serve", "--port", "0", "--bind", "999.1.1.1")));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badValues")
  void badValue_exitsUsage_withOneLineNamingIt_andChangesNothing(String name, List<String> args) {
    List<String> snapshot = snapshot();
    List<String> argv = new ArrayList<>();
    for (String a : args) {
      argv.add(
          a.equals("ID")
              ? id.value()
              : a.equals("BAD")
                  ? dir.resolve("bad.json").toString()
                  : a.replace("ARCHIVE", dir.resolve("archive").toString()));
    }

    CliRunner.Result r =
        new CliRunner("sqlite:" + dir.resolve("runs.db"))
            .env("RUNS_CLASSPATH", "")
            .run(argv.toArray(String[]::new));

    assertThat(r.code()).as(r.err()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("runs: ").contains(name);
    assertThat(r.out()).isEmpty();
    assertThat(snapshot()).isEqualTo(snapshot);
    assertThat(Files.exists(dir.resolve("archive"))).isFalse();
  }

  /** Every run with its status and last sequence, and whether it was deleted. */
  private List<String> snapshot() {
    List<String> runs = new ArrayList<>();
    for (RunEntry e : store.list(RunQuery.builder().limit(1000).build()).runs()) {
      runs.add(
          e.id().value()
              + " "
              + e.status().wireName()
              + " #"
              + e.lastSequence()
              + " "
              + store.tombstone(e.id()).isPresent());
    }
    return runs;
  }
}
