package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Times {@code runs ls} the way a person runs it, in the manner of {@code hyperfine}: the built
 * launcher ({@code runs-cli/target/runs}), a new JVM each time, on a SQLite store of {@link
 * Bench#runs()} runs of five events, one warm-up run (which writes the launcher's class data
 * archive) and then {@code repeats} timed runs of wall time. Not thread-safe; runs in the report's
 * thread.
 */
public final class CliLsTiming {
  private CliLsTiming() {}

  /**
   * Runs the timing alone from the repository's root, after building the tool: {@code java -cp
   * runs-bench/target/benchmarks.jar dev.runs.bench.CliLsTiming [REPEATS]}.
   *
   * @param args the number of timed runs (default 10)
   * @throws Exception when the tool is not built or a run fails
   */
  public static void main(String[] args) throws Exception {
    Path launcher =
        launcher()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no runs-cli/target/runs here; build it: mvn -pl runs-cli -am package"
                            + " -DskipTests"));
    Result r = measure(launcher, args.length > 0 ? Integer.parseInt(args[0]) : 10);
    System.out.println(BenchReport.cliLsRow(r));
    System.out.println("all (ms): " + r.millis());
  }

  /**
   * Wall times of the timed runs.
   *
   * @param runs runs in the store
   * @param millis each run's wall time in ms, sorted
   * @param loadAverage the system load average when the timing ended
   */
  record Result(int runs, List<Long> millis, double loadAverage) {
    long min() {
      return millis.get(0);
    }

    long median() {
      return millis.get((millis.size() - 1) / 2);
    }

    long max() {
      return millis.get(millis.size() - 1);
    }
  }

  /**
   * @return the launcher of a built runs-cli, relative to the working directory (the repository)
   */
  static Optional<Path> launcher() {
    Path p = Path.of("runs-cli", "target", "runs");
    try (var jars = Files.newDirectoryStream(p.getParent(), "runs-cli-*-all.jar")) {
      return jars.iterator().hasNext() ? Optional.of(p.toAbsolutePath()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Seeds a store, then times the launcher.
   *
   * @param launcher the {@code runs} launcher
   * @param repeats timed runs
   * @return the figures
   * @throws IOException when the launcher cannot start
   * @throws InterruptedException when interrupted
   */
  static Result measure(Path launcher, int repeats) throws IOException, InterruptedException {
    Path dir = Bench.scratch("cli-ls-");
    try {
      String uri = "sqlite:" + dir.resolve("runs.db");
      try (RunStore store = RunStores.open(uri + "?durability=normal")) {
        for (int i = 0; i < Bench.runs(); i++) {
          RunId id =
              store
                  .create(
                      RunRecord.builder(
                              WorkflowRef.of(i % 3 == 0 ? "etl" : "agent", "2"),
                              ConfigSnapshot.builder().input("n", i).build(),
                              Trigger.of(TriggerSource.TEST, "cli-ls-" + i))
                          .build())
                  .record()
                  .id();
          store.append(
              id,
              List.of(
                  EventDraft.of(EventType.of("run.queued"), Payload.empty()),
                  EventDraft.of(EventType.of("run.started"), Payload.empty()),
                  EventDraft.of("console.line", Map.of("stream", "stdout", "text", "hello")),
                  EventDraft.of("console.line", Map.of("stream", "stdout", "text", "bye"))));
        }
      }
      once(launcher, uri); // warm-up: page cache and the class data archive
      List<Long> millis = new ArrayList<>();
      for (int i = 0; i < repeats; i++) {
        long t0 = System.nanoTime();
        once(launcher, uri);
        millis.add((System.nanoTime() - t0) / 1_000_000);
      }
      millis.sort(null);
      return new Result(
          Bench.runs(),
          List.copyOf(millis),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    } finally {
      Bench.delete(dir);
    }
  }

  private static void once(Path launcher, String uri) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder("sh", launcher.toString(), "--store", uri, "ls")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    int code = pb.start().waitFor();
    if (code != 0) {
      throw new IllegalStateException("runs ls exited " + code + " (launcher " + launcher + ")");
    }
  }
}
