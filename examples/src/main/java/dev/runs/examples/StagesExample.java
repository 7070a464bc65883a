package dev.runs.examples;

import dev.runs.ConfigSnapshot;
import dev.runs.RunContext;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.payload.StageCompleted;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A stage workflow: each stage writes its {@code input.json}, {@code output.json} and artifacts as
 * one attempt with a {@code manifest.json} (sha256 and size of every file), and the run records an
 * {@code artifact.created} per artifact and a {@code stage.completed} carrying the manifest's hash.
 * After the run, the example lists the run's stages, re-hashes every file against its manifest
 * ({@link RunStore#verifyStage}), checks that each {@code stage.completed} event names the stored
 * manifest, and reads the report back.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=dev.runs.examples.StagesExample
 * </pre>
 */
public final class StagesExample {
  static final String WORKFLOW = "tide-report";
  static final String VERSION = "2";

  /** What the fetch stage produces. */
  record Readings(String station, List<Double> heightsM) {}

  /** What the analyze stage produces. */
  record Stats(String station, double minM, double maxM, double rangeM) {}

  private StagesExample() {}

  /**
   * Runs the workflow and checks its stages.
   *
   * @param args {@code [--store <uri>]}, {@code memory:} by default
   */
  public static void main(String[] args) {
    run(ExampleArgs.storeUri(args), System.out);
  }

  /**
   * Runs the workflow on a store, lists the stages and verifies their manifests.
   *
   * @param storeUri the store
   * @param out where to print
   * @return the run's id
   * @throws IllegalStateException when a manifest does not verify
   */
  static RunId run(String storeUri, PrintStream out) {
    try (RunStore store = RunStores.open(storeUri);
        RunOrchestrator orchestrator =
            RunOrchestrator.builder(store)
                .workflow(WORKFLOW, VERSION, StagesExample::workflow)
                .build()) {
      RunHandle run =
          orchestrator.start(
              RunRequest.builder()
                  .workflow(WORKFLOW, VERSION)
                  .config(
                      ConfigSnapshot.builder()
                          .input("station", "brest")
                          .input("day", "2026-03-02")
                          .build())
                  .trigger(
                      Trigger.of(TriggerSource.API, "req-" + UUID.randomUUID(), "report-service"))
                  .namespace("oceans/reports")
                  .build());
      RunStatus status = run.completion().join();
      RunId id = run.runId();
      out.println("== run " + id + ": " + status.wireName());

      List<RunEvent> completedEvents =
          orchestrator.events(id, 0, 1000).stream()
              .filter(e -> e.type().name().equals("stage.completed"))
              .toList();
      out.println("-- stages");
      for (StageManifest m : store.stages(id)) {
        StageVerification v = store.verifyStage(id, m.stageKey(), m.attempt());
        String recorded =
            completedEvents.stream()
                .map(e -> e.payload().as(StageCompleted.class))
                .filter(c -> c.stageKey().equals(m.stageKey()) && c.attempt() == m.attempt())
                .map(StageCompleted::manifestSha256)
                .findFirst()
                .orElse("(none)");
        boolean eventMatches = recorded.equals(m.sha256());
        out.println(
            String.format(
                "%s attempt %d %s, manifest %s: %s, stage.completed %s",
                m.directoryName(),
                m.attempt(),
                m.status().wireName(),
                m.sha256().substring(0, 12),
                v.ok() ? "verified" : "PROBLEMS " + v.problems(),
                eventMatches ? "matches" : "DIFFERS"));
        for (StageManifest.Entry f : m.files()) {
          out.println(
              String.format(
                  "    %-28s %-8s %5d B  sha256 %s",
                  f.path(), f.kind(), f.size(), f.sha256().substring(0, 16)));
        }
        if (!v.ok() || !eventMatches) {
          throw new IllegalStateException(
              "stage "
                  + m.stageKey()
                  + " of run "
                  + id
                  + " does not verify: "
                  + v.problems()
                  + ", stage.completed names "
                  + recorded
                  + ", manifest hash "
                  + m.sha256());
        }
      }
      String html =
          new String(store.readArtifact(id, "render", 1, "report.html"), StandardCharsets.UTF_8);
      out.println("-- report.html (read back, checked against its manifest)");
      out.println(html);
      return id;
    }
  }

  /** Three stages: fetch, analyze, render. */
  static Object workflow(RunContext ctx) {
    String station = ctx.config().at("/inputs/station").orElseThrow().asText();
    String day = ctx.config().at("/inputs/day").orElseThrow().asText();

    Readings readings =
        ctx.step(
            "fetch",
            Readings.class,
            () -> {
              Readings r = new Readings(station, List.of(1.2, 3.9, 6.8, 4.1, 1.0, 3.7, 6.5));
              StringBuilder csv = new StringBuilder("hour,height_m\n");
              for (int i = 0; i < r.heightsM().size(); i++) {
                csv.append(i * 2).append(',').append(r.heightsM().get(i)).append('\n');
              }
              ctx.stage("fetch")
                  .input(Map.of("station", station, "day", day))
                  .output(r)
                  .artifact(
                      "readings.csv", "dataset", csv.toString().getBytes(StandardCharsets.UTF_8))
                  .write();
              return r;
            });

    Stats stats =
        ctx.step(
            "analyze",
            Stats.class,
            () -> {
              double min =
                  readings.heightsM().stream().mapToDouble(Double::doubleValue).min().orElse(0);
              double max =
                  readings.heightsM().stream().mapToDouble(Double::doubleValue).max().orElse(0);
              Stats s = new Stats(station, min, max, Math.round((max - min) * 100) / 100.0);
              ctx.stage("analyze").input(readings).output(s).write();
              return s;
            });

    return ctx.step(
        "render",
        String.class,
        () -> {
          String html =
              "<h1>Tides at "
                  + station
                  + ", "
                  + day
                  + "</h1><p>range "
                  + stats.rangeM()
                  + " m ("
                  + stats.minM()
                  + " to "
                  + stats.maxM()
                  + ")</p>";
          String svg =
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"70\" height=\"70\"><polyline"
                  + " points=\"0,58 10,31 20,2 30,29 40,60 50,33 60,5\" fill=\"none\""
                  + " stroke=\"blue\"/></svg>";
          ctx.stage("render")
              .input(stats)
              .output(Map.of("title", "Tides at " + station))
              .artifact("report.html", "report", html.getBytes(StandardCharsets.UTF_8))
              .artifact("plots/heights.svg", "image", svg.getBytes(StandardCharsets.UTF_8))
              .write();
          return "report.html";
        });
  }
}
