package dev.runs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.Payload;
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
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built tool end to end: the {@code runs} launcher script runs the executable jar in a child
 * JVM against real SQLite and file stores that this JVM writes.
 */
final class RunsCliIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Path LAUNCHER = Path.of(System.getProperty("runs.cli.launcher"));
  private static final Path JAR = Path.of(System.getProperty("runs.cli.jar"));

  @TempDir Path dir;

  /** A child process running the launcher, with its output collected as it arrives. */
  // StringBuffer: a pump thread appends while the test thread reads
  @SuppressWarnings("JdkObsolete")
  static final class Child {
    final Process process;
    final StringBuffer out = new StringBuffer();
    final StringBuffer err = new StringBuffer();

    Child(List<String> args) throws IOException {
      this(LAUNCHER, args);
    }

    Child(Path launcher, List<String> args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString()));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      pb.environment().remove("RUNS_STORE");
      process = pb.start();
      pump(process.getInputStream(), out);
      pump(process.getErrorStream(), err);
    }

    private static void pump(InputStream in, StringBuffer into) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[8192];
                try (in) {
                  int n;
                  while ((n = in.read(buf)) > 0) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                  }
                } catch (IOException e) {
                  into.append("<read failed: ").append(e.getMessage()).append('>');
                }
              });
      t.setDaemon(true);
      t.start();
    }

    int waitFor() throws InterruptedException {
      if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            "runs did not exit within " + DEADLINE + "; out: " + out + " err: " + err);
      }
      // the pumps may still be copying the last bytes
      await(() -> !process.isAlive(), "exit");
      return process.exitValue();
    }
  }

  static Child runs(String... args) throws IOException {
    return new Child(List.of(args));
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Instant end = Instant.now().plus(DEADLINE);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(end)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static RunId startGreet(RunStore store) throws Exception {
    RunOrchestrator.Builder b = RunOrchestrator.builder(store);
    new TestWorkflows().workflows().forEach((ref, w) -> b.workflow(ref.name(), ref.version(), w));
    try (RunOrchestrator o = b.build()) {
      RunHandle h =
          o.start(
              RunRequest.builder()
                  .workflow("greet", "1")
                  .config(ConfigSnapshot.builder().input("name", "ada").build())
                  .trigger(Trigger.of(TriggerSource.TEST, "java-1"))
                  .build());
      assertThat(h.completion().get(30, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
      return h.runId();
    }
  }

  @Test
  void launcher_findsTheBuiltJar_andPrintsItsVersion() throws Exception {
    assertThat(JAR).exists();
    Child c = runs("--version");

    assertThat(c.waitFor()).as(c.err.toString()).isZero();
    assertThat(c.out.toString()).startsWith("runs ");
  }

  @Test
  void launcher_copiedWithTheJarIntoAFreshDirectory_writesItsArchiveOnce_andRunsTheSame()
      throws Exception {
    Path install = Files.createDirectories(dir.resolve("install"));
    Files.copy(JAR, install.resolve(JAR.getFileName()));
    Files.copy(LAUNCHER, install.resolve("runs"));
    Path archive = install.resolve(JAR.getFileName() + ".jsa");
    String uri = "sqlite:" + dir.resolve("fresh.db");
    assertThat(archive).doesNotExist();

    Child first = new Child(install.resolve("runs"), List.of("--store", uri, "ls", "-o", "json"));
    assertThat(first.waitFor()).as(first.err.toString()).isZero();
    assertThat(archive).as("the first run writes the class data archive").exists();
    Child second = new Child(install.resolve("runs"), List.of("--store", uri, "ls", "-o", "json"));
    Child bad = new Child(install.resolve("runs"), List.of("--store", uri, "ls", "--limit", "x"));

    assertThat(first.out.toString().strip()).isEqualTo("[ ]");
    assertThat(second.waitFor()).as(second.err.toString()).isZero();
    assertThat(second.out.toString()).isEqualTo(first.out.toString());
    assertThat(second.err.toString()).isEmpty();
    assertThat(bad.waitFor()).isEqualTo(RunsCli.USAGE);
    assertThat(bad.err.toString().lines()).hasSize(1).first().asString().contains("--limit");
  }

  @Test
  void packagedLauncher_besideTheJar_isExecutable_andRunsIt() throws Exception {
    Path launcher = Path.of(System.getProperty("runs.cli.packaged.launcher"));
    assertThat(Files.isExecutable(launcher)).as("%s is executable", launcher).isTrue();
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "help", "ls");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("Usage: runs ls");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file"})
  void lsAndEvents_readARealStore(String scheme) throws Exception {
    String uri = scheme + ":" + dir.resolve(scheme.equals("sqlite") ? "runs.db" : "runs");
    List<String> stored;
    RunId id;
    try (RunStore store = RunStores.open(uri)) {
      id = startGreet(store);
      stored = store.read(id, 0, 1000).stream().map(EventCodec::encode).toList();
    }

    Child ls = runs("--store", uri, "ls");
    Child events = runs("events", id.value().substring(24), "--ndjson", "--store", uri);

    assertThat(ls.waitFor()).as(ls.err.toString()).isZero();
    assertThat(ls.out.toString()).contains(id.value()).contains("completed");
    assertThat(events.waitFor()).as(events.err.toString()).isZero();
    assertThat(events.out.toString().lines().toList()).isEqualTo(stored);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "file"})
  void tailFollow_printsEventsAnotherProcessAppends_untilTheTerminalEvent(String scheme)
      throws Exception {
    String uri = scheme + ":" + dir.resolve(scheme.equals("sqlite") ? "runs.db" : "runs");
    try (RunStore store = RunStores.open(uri)) {
      RunId id = RunId.of("live-1");
      store.create(
          RunRecord.builder(
                  WorkflowRef.of("live", "1"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, "live-1"))
              .id(id)
              .build());
      store.append(id, EventDraft.of(EventType.of("run.queued"), Payload.empty()));
      store.append(id, EventDraft.of(EventType.of("run.started"), Payload.empty()));

      Child tail = runs("--store", uri, "tail", "-f", "live-1");
      await(() -> tail.out.toString().contains("run.started"), "the catch-up to reach run.started");
      for (int i = 1; i <= 3; i++) {
        store.append(
            id, EventDraft.of("console.line", Map.of("stream", "stdout", "text", "line " + i)));
        int n = i;
        await(() -> tail.out.toString().contains("line " + n), "console line " + n);
      }
      assertThat(tail.process.isAlive()).as("tail -f still follows a running run").isTrue();
      store.append(id, EventDraft.of(EventType.of("run.completed"), Payload.empty()));

      assertThat(tail.waitFor()).as(tail.err.toString()).isZero();
      assertThat(tail.out.toString()).contains("run.completed");
    }
  }

  @Test
  void start_inAChildJvm_withTheHostJarOnTheClassPath_matchesTheJavaRun() throws Exception {
    String uri = "sqlite:" + dir.resolve("runs.db");
    Path hostJar = hostJar(dir.resolve("host.jar"));
    RunId fromJava;
    try (RunStore store = RunStores.open(uri)) {
      fromJava = startGreet(store);
    }

    Child start =
        runs(
            "--store",
            uri,
            "start",
            "greet@1",
            "--input",
            "name=ada",
            "--classpath",
            hostJar.toString(),
            "--quiet");
    Child without = runs("--store", uri, "start", "greet@1", "--quiet");
    assertThat(start.waitFor()).as(start.err.toString()).isZero();
    assertThat(without.waitFor()).isEqualTo(RunsCli.USAGE);
    assertThat(without.err.toString()).contains("workflow greet@1 is not on the class path");
    RunId fromCli = RunId.of(start.out.toString().trim());

    try (RunStore store = RunStores.open(uri)) {
      assertThat(types(store, fromCli)).isEqualTo(types(store, fromJava));
      assertThat(store.get(fromCli).orElseThrow().trigger().source()).isEqualTo(TriggerSource.CLI);
    }
  }

  @Test
  void badInput_exitsTwo_withOneLine_andLeavesTheStoreUnchanged() throws Exception {
    String uri = "sqlite:" + dir.resolve("runs.db");
    RunId id;
    try (RunStore store = RunStores.open(uri)) {
      id = startGreet(store);
    }
    byte[] before = Files.readAllBytes(dir.resolve("runs.db"));

    Child rerun =
        runs(
            "--store",
            uri,
            "rerun",
            id.value(),
            "--set",
            "/inputs/nmae=x",
            "--classpath",
            Path.of("target", "test-classes").toAbsolutePath().toString());

    assertThat(rerun.waitFor()).isEqualTo(RunsCli.USAGE);
    assertThat(rerun.err.toString().lines()).hasSize(1).first().asString().contains("/inputs/nmae");
    try (RunStore store = RunStores.open(uri)) {
      assertThat(store.list(dev.runs.RunQuery.all()).runs()).hasSize(1);
    }
    assertThat(before).isNotEmpty();
  }

  @Test
  void mcp_servesAnMcpClientOverStdio_andTheRunLandsInTheStore() throws Exception {
    String uri = "sqlite:" + dir.resolve("mcp.db");
    ServerParameters params =
        ServerParameters.builder("sh")
            .args(LAUNCHER.toString(), "--store", uri, "mcp")
            .env(Map.of("JAVA_HOME", System.getProperty("java.home")))
            .build();
    StdioClientTransport transport =
        new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
    String runId;
    try (McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(DEADLINE)
            .initializationTimeout(DEADLINE)
            .build()) {
      client.initialize();
      assertThat(client.getServerInfo().name()).isEqualTo("runs");
      McpSchema.CallToolResult created =
          client.callTool(
              McpSchema.CallToolRequest.builder("runs_create_run")
                  .arguments(Map.of("workflow", "shell-agent", "trigger_id", "cli-mcp-1"))
                  .build());
      assertThat(created.isError()).as("%s", created).isFalse();
      @SuppressWarnings("unchecked")
      Map<String, Object> body = (Map<String, Object>) created.structuredContent();
      runId = String.valueOf(body.get("run_id"));
    }
    try (RunStore store = RunStores.open(uri)) {
      RunRecord record = store.get(RunId.of(runId)).orElseThrow();
      assertThat(record.trigger().source()).isEqualTo(TriggerSource.MCP);
    }
  }

  /** A host jar: the test workflows' classes and their ServiceLoader file, nothing else. */
  private static Path hostJar(Path jar) throws IOException {
    Path classes = Path.of("target", "test-classes").toAbsolutePath();
    List<Path> entries = new ArrayList<>();
    entries.add(classes.resolve("META-INF/services/dev.runs.spi.WorkflowProvider"));
    try (var files = Files.list(classes.resolve("dev/runs/cli"))) {
      files
          .filter(p -> p.getFileName().toString().startsWith("TestWorkflows"))
          .forEach(entries::add);
    }
    try (java.util.jar.JarOutputStream out =
        new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      for (Path p : entries) {
        out.putNextEntry(
            new java.util.jar.JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(p));
        out.closeEntry();
      }
    }
    return jar;
  }

  private static List<String> types(RunStore store, RunId id) {
    return store.read(id, 0, 1000).stream().map(RunEvent::type).map(EventType::name).toList();
  }
}
