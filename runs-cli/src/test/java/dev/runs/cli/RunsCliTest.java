package dev.runs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RunsCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private String uri;
  private RunStore store;
  private RunOrchestrator orchestrator;
  private CliRunner cli;

  @BeforeEach
  void open() {
    uri = "sqlite:" + dir.resolve("runs.db");
    store = RunStores.open(uri);
    RunOrchestrator.Builder b = RunOrchestrator.builder(store);
    new TestWorkflows().workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
    orchestrator = b.build();
    cli = new CliRunner(uri);
  }

  @AfterEach
  void close() throws Exception {
    orchestrator.close();
    store.close();
  }

  private RunId startGreet(String name, Map<String, String> labels) throws Exception {
    RunRequest.Builder r =
        RunRequest.builder()
            .workflow("greet", "1")
            .config(
                ConfigSnapshot.builder()
                    .model("acme", "small-1")
                    .param("temperature", 0.2)
                    .input("name", name)
                    .build())
            .trigger(Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()));
    labels.forEach(r::label);
    RunHandle h = orchestrator.start(r.build());
    assertThat(h.completion().get(20, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
    return h.runId();
  }

  private RunId startFlaky(Path marker) throws Exception {
    RunHandle h =
        orchestrator.start(
            RunRequest.builder()
                .workflow("flaky", "1")
                .config(ConfigSnapshot.builder().input("fail_while", marker.toString()).build())
                .trigger(Trigger.of(TriggerSource.TEST, UUID.randomUUID().toString()))
                .build());
    h.completion().get(20, TimeUnit.SECONDS);
    return h.runId();
  }

  private static String suffix(RunId id) {
    return id.value().substring(id.value().length() - 12);
  }

  private long runCount() {
    return store.list(dev.runs.RunQuery.builder().limit(1000).build()).runs().size();
  }

  // ---- global behaviour

  @Test
  void noStore_exitsUsage_namingTheOptionAndTheVariable() {
    CliRunner.Result r = new CliRunner("").run("ls");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("no store given").contains("--store").contains("RUNS_STORE");
  }

  @Test
  void unknownOption_exitsUsage_withOneLineAndHelpHint() {
    CliRunner.Result r = cli.run("ls", "--bogus");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("Unknown option: '--bogus'").contains("runs ls --help");
  }

  @Test
  void storeOption_onTheSubcommand_overridesTheEnvironment() throws Exception {
    startGreet("ada", Map.of());
    CliRunner.Result r =
        new CliRunner("sqlite:" + dir.resolve("other.db")).run("ls", "--store", uri);

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("greet@1");
  }

  @Test
  void colour_onlyOnATerminal_andNeverWithNoColor() throws Exception {
    startGreet("ada", Map.of());

    assertThat(cli.run("ls").out()).doesNotContain("\u001b[");
    assertThat(cli.terminal(true).run("ls").out()).contains("\u001b[");
    assertThat(cli.terminal(true).env("NO_COLOR", "1").run("ls").out()).doesNotContain("\u001b[");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ls",
        "show",
        "events",
        "tail",
        "state",
        "verify",
        "stages",
        "cat",
        "start",
        "cancel",
        "resume",
        "replay",
        "rerun",
        "export",
        "import",
        "archive",
        "delete",
        "serve",
        "doctor",
        "completion"
      })
  void help_existsForEveryCommand(String command) {
    CliRunner.Result r = cli.run("help", command);

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: runs " + command);
  }

  @Test
  void completion_printsABashScriptForEveryCommand() {
    CliRunner.Result r = cli.run("completion");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("complete -F").contains("tail").contains("rerun");
  }

  // ---- read

  @Test
  void ls_listsNewestFirst_withTheColumns() throws Exception {
    RunId first = startGreet("ada", Map.of());
    RunId second = startGreet("bob", Map.of());

    CliRunner.Result r = cli.run("ls");

    assertThat(r.code()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow())
        .contains("ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "EVENTS", "TOKENS", "COST");
    assertThat(r.out().indexOf(second.value())).isLessThan(r.out().indexOf(first.value()));
    assertThat(r.out()).contains("completed").contains("120").contains("$0.003");
  }

  @Test
  void ls_filtersByStatusWorkflowAndLabel_andPrintsJson() throws Exception {
    RunId tagged = startGreet("ada", Map.of("team", "data"));
    startGreet("bob", Map.of("team", "web"));
    RunId failed = startFlaky(Files.createFile(dir.resolve("fail")));

    JsonNode byLabel = JSON.readTree(cli.run("ls", "--label", "team=data", "-o", "json").out());
    JsonNode byStatus =
        JSON.readTree(cli.run("ls", "--status", "failed,cancelled", "-o", "json").out());
    JsonNode byWorkflow = JSON.readTree(cli.run("ls", "--workflow", "greet@1", "-o", "json").out());

    assertThat(byLabel).hasSize(1);
    assertThat(byLabel.get(0).path("id").asText()).isEqualTo(tagged.value());
    assertThat(byLabel.get(0).path("tokens").asLong()).isEqualTo(120);
    assertThat(byStatus).hasSize(1);
    assertThat(byStatus.get(0).path("id").asText()).isEqualTo(failed.value());
    assertThat(byWorkflow).hasSize(2);
  }

  @Test
  void ls_filtersByNamespaceThreadSinceAndLimit_andPrintsNdjson() throws Exception {
    RunId old =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("greet", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "old-1"))
                    .namespace("acme/etl")
                    .threadKey("t-1")
                    .build())
            .record()
            .id();
    RunId fresh = startGreet("ada", Map.of());

    List<String> byNamespace =
        cli.run("ls", "--namespace", "acme/etl", "-o", "ndjson").out().lines().toList();
    List<String> byThread = cli.run("ls", "--thread", "t-1", "-o", "ndjson").out().lines().toList();
    List<String> since = cli.run("ls", "--since", "1h", "-o", "ndjson").out().lines().toList();
    String later = java.time.Instant.now().plusSeconds(60).toString();
    List<String> none = cli.run("ls", "--since", later, "-o", "ndjson").out().lines().toList();
    List<String> limited = cli.run("ls", "--limit", "1", "-o", "ndjson").out().lines().toList();

    assertThat(byNamespace).hasSize(1).first().asString().contains(old.value());
    assertThat(byThread).hasSize(1).first().asString().contains(old.value());
    assertThat(since).hasSize(2);
    assertThat(none).isEmpty();
    assertThat(limited).hasSize(1).first().asString().contains(fresh.value());
  }

  @Test
  void ls_workflow_splitsAtTheLastAt_asHttpDoes() throws Exception {
    RunId atInName = createRun(WorkflowRef.of("team@corp", "2"), "at-name");
    createRun(WorkflowRef.of("team", "corp@2"), "at-version");

    List<String> listed =
        cli.run("ls", "--workflow", "team@corp@2", "-o", "ndjson").out().lines().toList();

    assertThat(listed).hasSize(1).first().asString().contains(atInName.value());
  }

  private RunId createRun(WorkflowRef workflow, String triggerId) {
    return store
        .create(
            RunRecord.builder(
                    workflow, ConfigSnapshot.empty(), Trigger.of(TriggerSource.TEST, triggerId))
                .build())
        .record()
        .id();
  }

  @Test
  void ls_unknownStatus_exitsUsage_listingTheStatuses() {
    CliRunner.Result r = cli.run("ls", "--status", "done");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("unknown status 'done'").contains("completed");
  }

  @Test
  void show_byUniqueSuffix_printsRecordConfigSummaryAndStages() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("show", suffix(id));

    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("run " + id.value())
        .contains("greet@1")
        .contains("\"temperature\" : 0.2")
        .contains("summary")
        .contains("report");
  }

  @Test
  void show_ambiguousSuffix_exitsUsage_listingTheCandidates() {
    RunId a = RunId.of("alpha/run-7");
    RunId b = RunId.of("beta/run-7");
    for (RunId id : List.of(a, b)) {
      store.create(
          RunRecord.builder(
                  WorkflowRef.of("greet", "1"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, id.value()))
              .id(id)
              .build());
    }

    CliRunner.Result r = cli.run("show", "run-7");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("matches 2 runs").contains(a.value()).contains(b.value());
  }

  @Test
  void show_unknownId_exitsNotFound() {
    CliRunner.Result r = cli.run("show", "nosuchrun");

    assertThat(r.code()).isEqualTo(RunsCli.NOT_FOUND);
    assertThat(r.err()).contains("no run with id or id suffix 'nosuchrun'").contains("runs ls");
  }

  @Test
  void events_ndjson_isExactlyTheStoredEnvelopes() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("events", id.value(), "--ndjson");

    List<String> stored = store.read(id, 0, 1000).stream().map(EventCodec::encode).toList();
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().toList()).isEqualTo(stored);
  }

  @Test
  void events_filtersByTypeGlobStepAndAfter() throws Exception {
    RunId id = startGreet("ada", Map.of());

    List<String> models =
        cli.run("events", id.value(), "--type", "model.*", "--ndjson").out().lines().toList();
    List<String> write =
        cli.run("events", id.value(), "--step", "write", "--ndjson").out().lines().toList();
    List<String> after =
        cli.run("events", id.value(), "--after", "5", "--ndjson").out().lines().toList();

    assertThat(models).hasSize(2).allMatch(l -> l.contains("\"type\":\"model.generation."));
    assertThat(write).isNotEmpty().allMatch(l -> l.contains("\"step_id\":\"write\""));
    assertThat(EventCodec.decode(after.get(0)).sequence()).isEqualTo(6);
  }

  @Test
  void events_timeline_andJsonArray() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result timeline = cli.run("events", id.value());
    JsonNode array = JSON.readTree(cli.run("events", id.value(), "--json").out());

    assertThat(timeline.out()).contains("#1").contains("run.created").contains("run.completed");
    assertThat(array.size()).isEqualTo(store.entry(id).orElseThrow().lastSequence());
  }

  @Test
  void tail_printsTheLastEvents_andFollowEndsAtTheTerminalEvent() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result last = cli.run("tail", id.value(), "-n", "2", "--ndjson");
    CliRunner.Result follow = cli.run("tail", id.value(), "-f", "-n", "3");

    assertThat(last.out().lines()).hasSize(2);
    assertThat(last.out()).contains("run.completed");
    assertThat(follow.code()).isZero();
    assertThat(follow.out().lines().filter(l -> l.contains("#")).count()).isEqualTo(3);
  }

  @Test
  void state_printsTheFold() throws Exception {
    RunId id = startGreet("ada", Map.of());

    JsonNode state = JSON.readTree(cli.run("state", id.value(), "-o", "json").out());

    assertThat(state.path("status").asText()).isEqualTo("completed");
    assertThat(state.path("steps").has("fetch")).isTrue();
    assertThat(state.path("checkpoints").has("fetched")).isTrue();
    assertThat(state.path("usage").path("input_tokens").asLong()).isEqualTo(100);
  }

  @Test
  void verify_okRun_exitsZero_andRequiresAnIdOrAll() throws Exception {
    startGreet("ada", Map.of());

    CliRunner.Result all = cli.run("verify", "--all");
    CliRunner.Result neither = cli.run("verify");

    assertThat(all.code()).isZero();
    assertThat(all.out()).contains("ok");
    assertThat(neither.code()).isEqualTo(RunsCli.USAGE);
  }

  @Test
  void verifyAll_onATamperedFileStore_exitsFour_namingTheRunAndTheFile() throws Exception {
    String fileUri = "file:" + dir.resolve("files");
    RunId intact;
    RunId tampered;
    try (RunStore files = RunStores.open(fileUri)) {
      RunOrchestrator.Builder b = RunOrchestrator.builder(files);
      new TestWorkflows().workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
      try (RunOrchestrator o = b.build()) {
        List<RunId> ids = new java.util.ArrayList<>();
        for (String name : List.of("ada", "bob")) {
          RunHandle h =
              o.start(
                  RunRequest.builder()
                      .workflow("greet", "1")
                      .config(ConfigSnapshot.builder().input("name", name).build())
                      .trigger(Trigger.of(TriggerSource.TEST, "t-" + name))
                      .build());
          assertThat(h.completion().get(20, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
          ids.add(h.runId());
        }
        intact = ids.get(0);
        tampered = ids.get(1);
      }
    }
    CliRunner files = new CliRunner(fileUri);
    assertThat(files.run("verify", "--all").code()).isZero();
    Path artifact;
    try (var walk = Files.walk(dir.resolve("files"))) {
      artifact =
          walk.filter(p -> p.toString().contains(tampered.value()))
              .filter(p -> p.getFileName().toString().equals("greeting.txt"))
              .findFirst()
              .orElseThrow();
    }
    Files.writeString(artifact, "hello mallory");

    CliRunner.Result table = files.run("verify", "--all");
    JsonNode json = JSON.readTree(files.run("verify", "--all", "-o", "json").out());

    assertThat(table.code()).isEqualTo(RunsCli.VERIFICATION_FAILED);
    assertThat(table.out())
        .contains("ok      " + intact.value())
        .contains("FAILED  " + tampered.value())
        .contains("greeting.txt")
        .contains("2 runs verified, 1 with problems");
    assertThat(json.isArray()).isTrue();
    assertThat(json).hasSize(2);
    assertThat(files.run("verify", tampered.value()).code()).isEqualTo(RunsCli.VERIFICATION_FAILED);
    assertThat(files.run("verify", intact.value()).code()).isZero();
  }

  @Test
  void stagesAndCat_printTheManifestAndTheRawBytes() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result stages = cli.run("stages", id.value());
    CliRunner.Result cat = cli.run("cat", id.value(), "report/1/artifacts/greeting.txt");
    CliRunner.Result bad = cli.run("cat", id.value(), "report");

    assertThat(stages.out()).contains("report").contains("artifacts/greeting.txt");
    assertThat(cat.out()).isEqualTo("hello ada (profile of ada)");
    assertThat(bad.code()).isEqualTo(RunsCli.USAGE);
    assertThat(bad.err()).contains("STAGE/ATTEMPT/PATH");
  }

  // ---- operate

  @Test
  void start_fromTheCli_recordsTheSameEventTypesAsFromJava() throws Exception {
    RunId fromJava = startGreet("ada", Map.of());

    CliRunner.Result r =
        cli.run("start", "greet@1", "--input", "name=ada", "--trigger-id", "cli-1", "--quiet");

    assertThat(r.code()).as(r.err()).isZero();
    RunId fromCli = RunId.of(r.out().trim());
    assertThat(store.get(fromCli).orElseThrow().trigger().source()).isEqualTo(TriggerSource.CLI);
    assertThat(store.get(fromCli).orElseThrow().trigger().triggerId()).isEqualTo("cli-1");
    assertThat(types(fromCli)).isEqualTo(types(fromJava));
  }

  private List<String> types(RunId id) {
    return store.read(id, 0, 1000).stream().map(RunEvent::type).map(t -> t.name()).toList();
  }

  @Test
  void start_unknownWorkflow_exitsUsage_listingWhatWasFound_andWritesNothing() {
    CliRunner.Result r = cli.run("start", "nope@9");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("workflow nope@9 is not on the class path").contains("greet@1");
    assertThat(runCount()).isZero();
  }

  @Test
  void resume_aFailedRun_completesIt_withACliTrigger() throws Exception {
    Path marker = Files.createFile(dir.resolve("fail"));
    RunId id = startFlaky(marker);
    assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
    Files.delete(marker);

    CliRunner.Result r = cli.run("resume", suffix(id), "--trigger-id", "again-1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("run.resumed").contains("trigger again-1");
    assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void rerun_setsAValue_andRecordsTheDiff() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r =
        cli.run("rerun", id.value(), "--set", "/model/params/temperature=0.7", "--quiet");

    assertThat(r.code()).as(r.err()).isZero();
    RunRecord rerun = store.get(RunId.of(r.out().trim())).orElseThrow();
    assertThat(rerun.lineage().orElseThrow().parentRunId()).isEqualTo(id);
    assertThat(rerun.config().at("/model/params/temperature").orElseThrow().asDouble())
        .isEqualTo(0.7);
  }

  @Test
  void rerun_unknownPointer_exitsUsage_andStartsNothing() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("rerun", id.value(), "--set", "/inputs/nmae=x");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("/inputs/nmae");
    assertThat(runCount()).isEqualTo(1);
  }

  @Test
  void replay_fromAStep_reusesTheEarlierSteps() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("replay", id.value(), "--from", "step:write");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("run.created  greet@1, trigger cli:")
        .contains("replay of " + id.value() + " from step:write")
        .contains("reused from run " + id.value());
  }

  @Test
  void replay_badPoint_exitsUsage() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("replay", id.value(), "--from", "middle");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("step:<step id>");
    assertThat(runCount()).isEqualTo(1);
  }

  @Test
  void cancel_aQueuedRun_endsItCancelled() {
    RunId id = RunId.of("queued-1");
    store.create(
        RunRecord.builder(
                WorkflowRef.of("greet", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "q1"))
            .id(id)
            .build());

    CliRunner.Result r = cli.run("cancel", "queued-1", "--reason", "not needed");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void cancelQuery_listsTheRuns_andAsksFirst() {
    for (String n : List.of("q1", "q2")) {
      store.create(
          RunRecord.builder(
                  WorkflowRef.of("etl", "2"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, n))
              .id(RunId.of(n))
              .build());
    }

    CliRunner.Result refused = cli.stdin("n\n").run("cancel", "--query", "workflow=etl@2");
    assertThat(refused.code()).isEqualTo(RunsCli.FAILURE);
    assertThat(refused.err()).contains("cancel 2 run(s)").contains("q1").contains("nothing done");
    assertThat(store.entry(RunId.of("q1")).orElseThrow().status()).isEqualTo(RunStatus.CREATED);

    CliRunner.Result done = cli.run("cancel", "--query", "workflow=etl@2 status=created", "--yes");
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(store.entry(RunId.of("q2")).orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void batchQuery_unknownKey_exitsUsage() {
    CliRunner.Result r = cli.run("cancel", "--query", "colour=red", "--yes");

    assertThat(r.code()).isEqualTo(RunsCli.USAGE);
    assertThat(r.err()).contains("--query: unknown key 'colour'");
  }

  // ---- move

  @Test
  void exportImport_moveARunToAFileStore() throws Exception {
    RunId id = startGreet("ada", Map.of());
    Path bundle = dir.resolve("one.runs.ndjson");
    String fileStore = "file:" + dir.resolve("copy");

    CliRunner.Result export = cli.run("export", id.value(), "--to", bundle.toString());
    CliRunner.Result imported = new CliRunner(fileStore).run("import", bundle.toString());
    CliRunner.Result verified = new CliRunner(fileStore).run("verify", id.value());

    assertThat(export.code()).as(export.err()).isZero();
    assertThat(imported.out()).contains("imported run " + id.value());
    assertThat(verified.code()).isZero();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"dir", "zip"})
  void exportForm_importedByContent_intoAFileStore(String form) throws Exception {
    RunId id = startGreet("ada", Map.of());
    Path bundle = dir.resolve("one-" + form);
    String fileStore = "file:" + dir.resolve("copy");

    CliRunner.Result export =
        cli.run("export", id.value(), "--form", form, "--to", bundle.toString());
    CliRunner.Result imported = new CliRunner(fileStore).run("import", bundle.toString());
    CliRunner.Result again = new CliRunner(fileStore).run("import", bundle.toString());
    CliRunner.Result verified = new CliRunner(fileStore).run("verify", id.value());

    assertThat(export.code()).as(export.err()).isZero();
    assertThat(form.equals("dir") ? Files.isDirectory(bundle) : Files.isRegularFile(bundle))
        .isTrue();
    assertThat(imported.out()).as(imported.err()).contains("imported run " + id.value());
    assertThat(again.out()).contains("already present, skipped: run " + id.value());
    assertThat(verified.code()).isZero();
  }

  @Test
  void exportForm_unknownOrWithAll_refused() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result unknown = cli.run("export", id.value(), "--form", "tar");
    CliRunner.Result all =
        cli.run("export", "--all", "--form", "zip", "--to", dir.resolve("b").toString());

    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("--form is file, dir or zip, not 'tar'");
    assertThat(all.code()).isNotZero();
    assertThat(all.err()).contains("--form zip exports one run");
    assertThat(Files.exists(dir.resolve("b"))).isFalse();
  }

  @Test
  void exportAllAndImportDirectory_reportProgressAsPlainLines() throws Exception {
    startGreet("ada", Map.of());
    startGreet("bob", Map.of());
    Path out = dir.resolve("bundles");

    CliRunner.Result export = cli.run("export", "--all", "--to", out.toString());
    CliRunner.Result imported =
        new CliRunner("file:" + dir.resolve("copy")).run("import", out.toString());

    assertThat(export.code()).as(export.err()).isZero();
    assertThat(export.err()).contains("exported 2/2 runs").doesNotContain("\r");
    assertThat(imported.out()).contains("imported 2/2 runs");
  }

  @Test
  void delete_asksFirst_thenLeavesATombstone() throws Exception {
    RunId id = startGreet("ada", Map.of());

    CliRunner.Result refused = cli.run("delete", id.value(), "--reason", "gdpr");
    assertThat(refused.code()).isEqualTo(RunsCli.FAILURE);
    assertThat(store.get(id)).isPresent();

    CliRunner.Result done = cli.run("delete", id.value(), "--reason", "gdpr", "--yes");
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(store.tombstone(id)).isPresent();
    assertThat(cli.run("show", id.value()).code()).isEqualTo(RunsCli.NOT_FOUND);
  }

  @Test
  void archiveAndRestore_throughADirArchive() throws Exception {
    RunId id = startGreet("ada", Map.of());
    String archive = "dir:" + dir.resolve("archive");

    CliRunner.Result archived = cli.run("archive", id.value(), "--archive", archive);
    CliRunner.Result restored = cli.run("archive", id.value(), "--archive", archive, "--restore");

    assertThat(archived.code()).as(archived.err()).isZero();
    assertThat(archived.out()).contains("archived run " + id.value());
    assertThat(restored.out()).contains("restored run " + id.value());
    assertThat(cli.run("verify", id.value()).code()).isZero();
  }

  // ---- doctor, verbose

  @Test
  void doctor_healthyStore_exitsZero() throws Exception {
    startGreet("ada", Map.of());

    CliRunner.Result r = cli.run("doctor");

    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out())
        .contains("reachable")
        .contains("format sqlite schema version 5")
        .contains("disk free")
        .contains("no running runs");
  }

  @Test
  void doctor_runStuckInRunningWithoutLease_exitsFour_withTheFix() {
    RunId id = RunId.of("stuck-1");
    store.create(
        RunRecord.builder(
                WorkflowRef.of("greet", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "s1"))
            .id(id)
            .build());
    store.append(
        id, dev.runs.EventDraft.of(dev.runs.EventType.of("run.queued"), dev.runs.Payload.empty()));
    store.append(
        id, dev.runs.EventDraft.of(dev.runs.EventType.of("run.started"), dev.runs.Payload.empty()));

    CliRunner.Result r = cli.run("doctor");

    assertThat(r.code()).isEqualTo(RunsCli.VERIFICATION_FAILED);
    assertThat(r.out()).contains("stuck-1").contains("fix: ");
  }

  @Test
  void doctor_unreachableStore_exitsOne_withTheFix() {
    CliRunner.Result r =
        new CliRunner("sqlite:" + dir.resolve("no/such/dir/runs.db")).run("doctor");

    assertThat(r.code()).isEqualTo(RunsCli.FAILURE);
    assertThat(r.out()).contains("FAIL").contains("cannot be opened").contains("fix: ");
  }

  @Test
  void doctor_expiredLeaseOfARunningRun_exitsFour_andFixMarksItInterrupted() throws Exception {
    RunId id = RunId.of("orphan-1");
    store.create(
        RunRecord.builder(
                WorkflowRef.of("greet", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, "o1"))
            .id(id)
            .build());
    store.append(
        id, dev.runs.EventDraft.of(dev.runs.EventType.of("run.queued"), dev.runs.Payload.empty()));
    store.append(
        id, dev.runs.EventDraft.of(dev.runs.EventType.of("run.started"), dev.runs.Payload.empty()));
    assertThat(store.acquireLease(id, "host-gone", java.time.Duration.ofMillis(1))).isPresent();
    java.time.Instant end = java.time.Instant.now().plusSeconds(20);
    while (store.expiredLeases(10).isEmpty()) {
      assertThat(java.time.Instant.now()).as("lease expired in time").isBefore(end);
      Thread.sleep(10);
    }

    CliRunner.Result found = cli.run("doctor");
    CliRunner.Result fixed = cli.run("doctor", "--fix");

    assertThat(found.code()).as(found.out()).isEqualTo(RunsCli.VERIFICATION_FAILED);
    assertThat(found.out())
        .contains("expired lease")
        .contains("orphan-1 (owner host-gone)")
        .contains("fix: runs doctor --fix");
    assertThat(fixed.out()).contains("fixed: marked 1 run(s) interrupted");
    assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
  }

  @Test
  void resumeQuery_listsTheRuns_asksFirst_thenResumesEach() throws Exception {
    Path marker = Files.createFile(dir.resolve("fail"));
    RunId a = startFlaky(marker);
    RunId b = startFlaky(marker);
    Files.delete(marker);

    CliRunner.Result refused = cli.stdin("no\n").run("resume", "--query", "status=failed");
    assertThat(refused.code()).isEqualTo(RunsCli.FAILURE);
    assertThat(refused.err())
        .contains("resume 2 run(s)")
        .contains(a.value())
        .contains(b.value())
        .contains("nothing done");
    assertThat(store.entry(a).orElseThrow().status()).isEqualTo(RunStatus.FAILED);

    CliRunner.Result done = cli.run("resume", "--query", "status=failed workflow=flaky@1", "--yes");
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(store.entry(a).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(store.entry(b).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(store.get(a).orElseThrow().trigger().source()).isEqualTo(TriggerSource.TEST);
  }

  @Test
  void failure_showsAStackTraceOnlyWithVerbose() {
    CliRunner bad = new CliRunner("nosuchscheme:x");

    CliRunner.Result quiet = bad.run("ls");
    CliRunner.Result verbose = bad.run("ls", "--verbose");

    assertThat(quiet.code()).isEqualTo(RunsCli.USAGE);
    assertThat(quiet.err().lines().count()).isEqualTo(1);
    assertThat(verbose.err()).contains("\tat ");
  }
}
