package dev.runs.examples;

import dev.runs.Budget;
import dev.runs.ConfigDiff;
import dev.runs.ConfigSnapshot;
import dev.runs.EventType;
import dev.runs.ImportResult;
import dev.runs.Lineage;
import dev.runs.NoStoreProviderException;
import dev.runs.OrchestratorListener;
import dev.runs.ReplayPoint;
import dev.runs.RunBundles;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunSummary;
import dev.runs.RunVerification;
import dev.runs.StepState;
import dev.runs.StoreConfigurationException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.http.RunsHttpServer;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one-command demo: a simulated support agent (a scripted model, two tools, a handoff, an input
 * and an output guardrail, a budget) runs as a workflow through {@link RunOrchestrator} on an
 * embedded SQLite store, with a live timeline printed from the run's event subscription. Then it
 * shows a step failure and a resume, a replay from a checkpoint, a rerun with a changed parameter
 * and a cancel, and ends with a summary table, how to look at the stored data, and the main run
 * exported to a bundle and imported into a new file store.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java
 * mvn -q -pl examples -am compile exec:java -Dexec.args="--store file:./runs-demo --no-color"
 * </pre>
 *
 * <p>Options: {@code --store <uri>} (default {@value #DEFAULT_STORE}; only that default file is
 * deleted and recreated at start, other stores keep their runs), {@code --serve} (the HTTP run
 * viewer, watched live while the demo runs, then serving until Ctrl-C or {@code --serve-for
 * <seconds>}; when serving stops, runs still going, such as one started from the viewer that waits
 * for an approval, are cancelled so that the demo ends at once), {@code --no-color}, {@code
 * --help}. Exit code 0 when every run ended as expected, 1 when one did not, 2 for a usage or store
 * configuration error.
 *
 * <p>Longer than our ~500-line guide on purpose: this is the tour a newcomer reads top to bottom
 * after running it, one scene per method in the order they play ({@code mainRun}, {@code
 * failureAndResume}, {@code replay}, {@code rerun}, {@code cancel}, {@code summary}). The workflow
 * itself ({@link SupportAgent}) and the printing ({@link Timeline}) already live in their own
 * files.
 */
public final class Demo {
  /** The store the demo uses without {@code --store}. */
  public static final String DEFAULT_STORE = "sqlite:runs-demo.db";

  static final String NAMESPACE = "demo/support";
  static final int SERVE_PORT = 7070;
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

  /** How long a signal waits for the demo to cancel its runs and close the store. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private static final long MAX_TOKENS = 10_000;
  private static final BigDecimal MAX_COST = new BigDecimal("0.05");
  private static final String QUESTION =
      "Hi, my order A-1042 arrived with the lamp shade cracked. Can I get my money back?";
  private static final String USAGE =
      String.join(
          System.lineSeparator(),
          "usage: Demo [--store <uri>] [--serve [--serve-for <seconds>]] [--otlp <url>]"
              + " [--no-color]",
          "  --store <uri>  where runs are recorded (default "
              + DEFAULT_STORE
              + ", recreated at every start;",
          "                 e.g. file:./runs-demo, sqlite:/tmp/demo.db, memory:)",
          "  --serve        start the HTTP run viewer on 127.0.0.1:"
              + SERVE_PORT
              + " (a free port if taken),",
          "                 watch the demo live in a browser, keep serving until Ctrl-C",
          "  --serve-for <seconds>  with --serve: stop serving that long after the demo ends",
          "  --otlp <url>   export every run as OpenTelemetry spans over OTLP/HTTP, e.g.",
          "                 http://localhost:4318/v1/traces",
          "  --no-color     plain output even on a colour terminal (NO_COLOR=1 does the same)");

  /** The command line. */
  record Options(
      String storeUri,
      boolean storeGiven,
      boolean serve,
      Optional<Duration> serveFor,
      Optional<String> otlp,
      boolean noColor,
      boolean help) {
    static Options parse(String... args) {
      String store = DEFAULT_STORE;
      boolean given = false;
      boolean serve = false;
      Optional<Duration> serveFor = Optional.empty();
      Optional<String> otlp = Optional.empty();
      boolean noColor = false;
      boolean help = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--store" -> {
            if (i + 1 >= args.length || args[i + 1].startsWith("--") || args[i + 1].isBlank()) {
              throw new IllegalArgumentException(
                  "--store needs a store URI, e.g. --store file:./runs-demo");
            }
            store = args[++i];
            given = true;
          }
          case "--serve" -> serve = true;
          case "--serve-for" -> {
            if (i + 1 >= args.length || !args[i + 1].matches("\\d{1,6}")) {
              throw new IllegalArgumentException(
                  "--serve-for needs a number of seconds, e.g. --serve-for 60");
            }
            serveFor = Optional.of(Duration.ofSeconds(Long.parseLong(args[++i])));
          }
          case "--otlp" -> {
            if (i + 1 >= args.length || !args[i + 1].matches("https?://\\S+")) {
              throw new IllegalArgumentException(
                  "--otlp needs an OTLP/HTTP traces URL, e.g. --otlp"
                      + " http://localhost:4318/v1/traces");
            }
            otlp = Optional.of(args[++i]);
          }
          case "--no-color" -> noColor = true;
          case "--help", "-h" -> help = true;
          default -> {
            if (a.startsWith("--store=")) {
              store = a.substring("--store=".length());
              given = true;
              if (store.isBlank()) {
                throw new IllegalArgumentException(
                    "--store needs a store URI, e.g. --store=file:./runs-demo");
              }
            } else {
              throw new IllegalArgumentException("unknown option '" + a + "'");
            }
          }
        }
      }
      if (serveFor.isPresent() && !serve) {
        throw new IllegalArgumentException("--serve-for only makes sense with --serve");
      }
      return new Options(store, given, serve, serveFor, otlp, noColor, help);
    }
  }

  /** A run the demo made, what it is for, and how it must end. */
  private record DemoRun(String label, RunId id, RunStatus expected) {}

  /** A run did not end as the demo expects. */
  private static final class DemoFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DemoFailure(String message) {
      super(message);
    }
  }

  private final RunStore store;
  private final RunOrchestrator orchestrator;
  private final SupportAgent agent;
  private final Timeline timeline;
  private final PrintStream out;
  private final Terminal t;
  private final String invocation;
  private final List<DemoRun> runs = new ArrayList<>();

  private Demo(
      RunStore store,
      RunOrchestrator orchestrator,
      SupportAgent agent,
      Timeline timeline,
      PrintStream out,
      Terminal t) {
    this.store = store;
    this.orchestrator = orchestrator;
    this.agent = agent;
    this.timeline = timeline;
    this.out = out;
    this.t = t;
    this.invocation = UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Runs the demo on the terminal.
   *
   * @param args the options, see {@link Demo}
   */
  public static void main(String[] args) {
    int code = run(args, System.out, System.err, Terminal.consoleIsTerminal(), System.getenv());
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Runs the demo.
   *
   * @param args the options
   * @param out where the demo prints
   * @param err where errors go
   * @param consoleAttached whether {@code out} is an interactive terminal
   * @param env the environment ({@code TERM}, {@code NO_COLOR})
   * @return the exit code: 0 when every run ended as expected, 1 when not, 2 for bad options or an
   *     unusable store
   */
  static int run(
      String[] args,
      PrintStream out,
      PrintStream err,
      boolean consoleAttached,
      Map<String, String> env) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("demo: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (options.help()) {
      out.println(USAGE);
      return 0;
    }
    Terminal t = Terminal.detect(options.noColor(), consoleAttached, env);
    out.println(t.bold("Runs demo") + " - a simulated support agent recorded by Runs");
    CountDownLatch stopped = new CountDownLatch(1);
    try {
      if (!options.storeGiven()) {
        resetDefaultStore();
      }
      try (RunStore store = RunStores.open(options.storeUri());
          OtlpTraces traces = OtlpTraces.start(store, options.otlp())) {
        traces.endpoint().ifPresent(u -> out.println(t.dim("traces: OTLP/HTTP to " + u)));
        out.println(
            t.dim(
                "store: "
                    + store.location()
                    + (options.storeGiven()
                        ? ""
                        : " (the demo deletes and recreates this file each time it starts)")));
        SupportAgent agent = new SupportAgent();
        RunsSeen seen = new RunsSeen();
        try (RunOrchestrator orchestrator =
                RunOrchestrator.builder(store)
                    .workflow(SupportAgent.NAME, SupportAgent.VERSION, agent)
                    .listener(seen)
                    .build();
            Timeline timeline = new Timeline(store, out, t, RUN_TIMEOUT)) {
          orchestrator.recoverInterrupted();
          RunsHttpServer server = options.serve() ? serve(orchestrator, out, t) : null;
          try {
            new Demo(store, orchestrator, agent, timeline, out, t).all();
            if (server != null) {
              keepServing(server, options.serveFor(), stopped, out, t);
            }
          } finally {
            if (server != null) {
              server.close();
              cancelUnfinished(orchestrator, seen, out, t);
            }
          }
        }
      }
      return 0;
    } catch (NoStoreProviderException e) {
      err.println("demo: " + e.getMessage());
      return 2;
    } catch (StoreConfigurationException e) {
      err.println("demo: the store cannot be opened: " + e.getMessage());
      return 2;
    } catch (UncheckedIOException e) {
      err.println("demo: " + e.getMessage() + ": " + e.getCause().getMessage());
      return 2;
    } catch (DemoFailure e) {
      err.println("demo: " + e.getMessage());
      return 1;
    } finally {
      stopped.countDown();
    }
  }

  /**
   * Starts the HTTP run viewer on the orchestrator, on 127.0.0.1:{@value #SERVE_PORT} or a free
   * port when that one is taken, and prints its URL so the demo can be watched live in a browser.
   */
  private static RunsHttpServer serve(RunOrchestrator orchestrator, PrintStream out, Terminal t) {
    RunsHttpServer server;
    try {
      server = RunsHttpServer.builder(orchestrator).port(SERVE_PORT).start();
    } catch (UncheckedIOException portTaken) {
      server = RunsHttpServer.builder(orchestrator).port(0).start();
    }
    out.println(
        t.bold("run viewer: " + server.uri())
            + t.dim("  (open it in a browser; the runs" + " below appear live)"));
    return server;
  }

  /**
   * Serves until Ctrl-C (or another signal that ends the JVM), or for {@code serveFor} when given.
   * On a signal, the shutdown hook lets {@link #run} stop the server, cancel what still runs and
   * close the store, waiting for {@code stopped} up to {@link #STOP_TIMEOUT}: the JVM halts as soon
   * as its hooks return.
   */
  private static void keepServing(
      RunsHttpServer server,
      Optional<Duration> serveFor,
      CountDownLatch stopped,
      PrintStream out,
      Terminal t) {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                stopped.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "demo-serve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        t.bold("run viewer: " + server.uri())
            + " - "
            + serveFor
                .map(d -> "serving for " + d.toSeconds() + " s more")
                .orElse("press Ctrl-C to stop"));
    try {
      if (serveFor.isPresent()) {
        stop.await(serveFor.get().toMillis(), TimeUnit.MILLISECONDS);
      } else {
        stop.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting through the hook
      }
    }
  }

  /**
   * Cancels the runs this process worked on that have not ended, such as a run started from the
   * viewer or over HTTP that waits for an approval nobody gives: closing the orchestrator would
   * otherwise wait its close timeout (30 s) for them, silently, before cancelling them itself.
   */
  private static void cancelUnfinished(
      RunOrchestrator orchestrator, RunsSeen seen, PrintStream out, Terminal t) {
    List<String> cancelled = new ArrayList<>();
    for (RunId id : seen.ids()) {
      if (!orchestrator.state(id).status().isTerminal()) {
        orchestrator.cancel(id, "the demo is stopping");
        cancelled.add(id.value());
      }
    }
    if (!cancelled.isEmpty()) {
      out.println(
          t.yellow(
              "stopping: cancelled "
                  + cancelled.size()
                  + " run(s) that had not ended: "
                  + String.join(", ", cancelled)));
    }
  }

  /** Every run this process appended an event to. Thread-safe. */
  private static final class RunsSeen implements OrchestratorListener {
    private final Set<RunId> ids = ConcurrentHashMap.newKeySet();

    @Override
    public void appended(RunId runId, EventType type, Duration latency) {
      ids.add(runId);
    }

    List<RunId> ids() {
      return List.copyOf(ids);
    }
  }

  /** Deletes the default database and its WAL files so that every demo starts empty. */
  private static void resetDefaultStore() {
    deleteDatabase(StoreLocation.parse(DEFAULT_STORE).path());
  }

  /**
   * Deletes a SQLite database file with its WAL, shared-memory and journal files.
   *
   * @param db the database file
   * @throws UncheckedIOException when a file exists but cannot be deleted
   */
  static void deleteDatabase(Path db) {
    for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
      Path f = Path.of(db + suffix);
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot delete the previous demo database file "
                + f
                + "; delete it by hand or pass --store",
            e);
      }
    }
  }

  private void all() {
    RunId main = mainRun();
    failureAndResume();
    replay(main);
    rerun(main);
    cancel();
    summary(main);
  }

  // ---- the sections
  // ------------------------------------------------------------------------------

  private RunId mainRun() {
    out.println(t.heading("1. A support agent run, live"));
    out.println(
        "The workflow: an input guardrail, a triage agent that asks the model which tool to call"
            + " and");
    out.println(
        "looks the order up, a handoff to a billing agent that checks the refund policy and drafts"
            + " an");
    out.println(
        "answer under an output guardrail. The model is scripted: same question, same answer.");
    out.println(
        t.dim(
            String.format(
                Locale.ROOT,
                "model sim/sim-chat-1 at temperature 0.2, tools lookup_order v2"
                    + " and refund_policy v1, budget %,d tokens and $%s",
                MAX_TOKENS,
                MAX_COST.toPlainString())));
    out.println();
    RunHandle run = orchestrator.start(request("main", baseConfig(false)));
    timeline.follow(run.runId(), 0);
    RunStatus status = await(run);
    expect("main", run.runId(), status, RunStatus.COMPLETED);
    runs.add(new DemoRun("main", run.runId(), RunStatus.COMPLETED));
    RunSummary s = orchestrator.summary(run.runId()).orElseThrow();
    out.println();
    out.println("answer: " + t.bold(s.output().map(o -> o.path("text").asText()).orElse("?")));
    out.println(
        String.format(
            Locale.ROOT,
            "budget used: %,d of %,d tokens, $%s of $%s",
            s.usage().totalTokens(),
            MAX_TOKENS,
            s.cost().toPlainString(),
            MAX_COST.toPlainString()));
    out.println("status: " + statusText(status));
    return run.runId();
  }

  private void failureAndResume() {
    out.println(t.heading("2. A step fails, the run resumes"));
    out.println(
        "The refund policy service is down for its next 2 calls. Step billing/policy may try"
            + " twice,");
    out.println(
        "so the run fails. Then the service is back and the run is resumed by a new trigger.");
    out.println();
    agent.failPolicyServiceFor(2);
    RunHandle run = orchestrator.start(request("flaky", baseConfig(false)));
    long last = timeline.follow(run.runId(), 0);
    RunStatus first = await(run);
    expect("failing execution", run.runId(), first, RunStatus.FAILED);
    out.println("status: " + statusText(first));
    Map<String, Integer> before = agent.bodyRuns(run.runId());
    RunState afterFailure = store.state(run.runId());

    out.println();
    out.println("The service is back. " + t.bold("orchestrator.resume(runId, trigger)") + ":");
    out.println();
    RunHandle resumed = orchestrator.resume(run.runId(), trigger("flaky-resume"));
    timeline.follow(run.runId(), last);
    RunStatus second = await(resumed);
    expect("failure + resume", run.runId(), second, RunStatus.COMPLETED);
    runs.add(new DemoRun("failure + resume", run.runId(), RunStatus.COMPLETED));

    Map<String, Integer> after = agent.bodyRuns(run.runId());
    out.println();
    out.println(
        String.format(
            "%-18s %-22s %s", "step", "body ran in exec. 1", "body ran in exec. 2 (resume)"));
    int completedBefore = 0;
    int rerunCompleted = 0;
    for (Map.Entry<String, Integer> e : after.entrySet()) {
      int n1 = before.getOrDefault(e.getKey(), 0);
      int n2 = e.getValue() - n1;
      boolean wasCompleted =
          afterFailure.step(e.getKey()).map(StepState::isCompleted).orElse(false);
      if (wasCompleted) {
        completedBefore++;
        if (n2 > 0) {
          rerunCompleted++;
        }
      }
      String note = wasCompleted ? t.dim("  recorded output returned") : "";
      out.println(
          String.format(
              "%-18s %-22s %s",
              e.getKey(), n1 + (wasCompleted || n1 == 0 ? "" : " (failed)"), n2 + note));
    }
    RunSummary s = orchestrator.summary(run.runId()).orElseThrow();
    out.println();
    out.println(
        "completed steps re-run by the resume: "
            + t.bold(rerunCompleted + " of " + completedBefore)
            + "; billing/policy needed "
            + s.step("billing/policy").map(x -> String.valueOf(x.attempts())).orElse("?")
            + " attempts over "
            + s.executions()
            + " executions");
    if (rerunCompleted != 0) {
      throw new DemoFailure("the resume ran " + rerunCompleted + " completed step(s) again");
    }
    out.println("status: " + statusText(second));
  }

  private void replay(RunId main) {
    out.println(t.heading("3. Replay from a middle checkpoint"));
    out.println(
        "A new run with the exact config snapshot of run 1, reusing the outputs recorded before");
    out.println(
        "checkpoint order-found: "
            + t.bold(
                "orchestrator.replay(runId, ReplayPoint.checkpoint(\"order-found\"), trigger)"));
    out.println();
    RunHandle run =
        orchestrator.replay(main, ReplayPoint.checkpoint("order-found"), trigger("replay"));
    timeline.follow(run.runId(), 0);
    RunStatus status = await(run);
    expect("replay", run.runId(), status, RunStatus.COMPLETED);
    runs.add(new DemoRun("replay", run.runId(), RunStatus.COMPLETED));

    RunRecord source = store.get(main).orElseThrow();
    RunRecord replay = store.get(run.runId()).orElseThrow();
    String a = source.config().sha256();
    String b = replay.config().sha256();
    out.println();
    out.println("source run " + main.value());
    out.println("  config sha256 " + a);
    out.println("replay run " + run.runId().value());
    out.println(
        "  config sha256 "
            + b
            + "  "
            + (a.equals(b) ? t.green("same snapshot") : t.red("DIFFERENT")));
    Lineage l = replay.lineage().orElseThrow();
    out.println(
        "  lineage: "
            + l.relation().wireName()
            + " of "
            + l.parentRunId().value()
            + " from "
            + l.sourceCheckpoint().orElse("?"));
    RunSummary s = orchestrator.summary(run.runId()).orElseThrow();
    List<String> reused = new ArrayList<>();
    List<String> executed = new ArrayList<>();
    for (RunSummary.StepSummary step : s.steps()) {
      if (step.kind().equals("step")) {
        (step.reused() ? reused : executed).add(step.stepId());
      }
    }
    out.println("  reused (bodies not run): " + String.join(", ", reused));
    out.println(
        "  executed again: "
            + String.join(", ", executed)
            + "  "
            + t.dim("bodies run: " + agent.bodyRuns(run.runId())));
    if (!a.equals(b)) {
      throw new DemoFailure("the replay's config hash differs from its source's");
    }
    for (String id : reused) {
      if (agent.bodyRuns(run.runId()).getOrDefault(id, 0) != 0) {
        throw new DemoFailure("the replay ran the reused step " + id);
      }
    }
    out.println("status: " + statusText(status));
  }

  private void rerun(RunId main) {
    out.println(t.heading("4. Rerun with an overridden parameter"));
    out.println(
        "A new run of the same workflow with temperature 0.7 instead of 0.2; nothing is reused:");
    out.println(
        t.bold("orchestrator.rerun(runId, Map.of(\"/model/params/temperature\", 0.7), trigger)"));
    out.println();
    RunHandle run =
        orchestrator.rerun(main, Map.of("/model/params/temperature", 0.7), trigger("rerun"));
    timeline.follow(run.runId(), 0);
    RunStatus status = await(run);
    expect("rerun", run.runId(), status, RunStatus.COMPLETED);
    runs.add(new DemoRun("rerun, temperature 0.7", run.runId(), RunStatus.COMPLETED));

    RunRecord rec = store.get(run.runId()).orElseThrow();
    ConfigDiff diff = rec.lineage().map(Lineage::configDiff).orElse(ConfigDiff.empty());
    out.println();
    out.println("the diff recorded on the rerun's lineage (run " + run.runId().value() + "):");
    for (ConfigDiff.Change c : diff.changes()) {
      out.println("  " + t.yellow(c.toString()));
    }
    out.println(
        "  config sha256 "
            + store.get(main).orElseThrow().config().sha256().substring(0, 12)
            + " -> "
            + rec.config().sha256().substring(0, 12));
    RunSummary s = orchestrator.summary(run.runId()).orElseThrow();
    out.println(
        "  at temperature 0.7 the first draft passes the output guardrail: "
            + s.countsByType().getOrDefault("model.generation.completed", 0L)
            + " model calls instead of 3");
    if (diff.isEmpty()) {
      throw new DemoFailure("the rerun recorded no config diff");
    }
    out.println("status: " + statusText(status));
  }

  private void cancel() {
    out.println(t.heading("5. Cancel a run"));
    out.println(
        "This run needs a human's approval (policy human_approval = true) and waits for it in"
            + " step");
    out.println(
        "billing/await-approval. When the run is waiting, the demo calls "
            + t.bold("orchestrator.cancel(runId, reason)")
            + ".");
    out.println();
    RunHandle run = orchestrator.start(request("cancel", baseConfig(true)));
    AtomicReference<RunStatus> answer = new AtomicReference<>();
    timeline.follow(
        run.runId(),
        0,
        e -> {
          if (e.type().name().equals("step.started")
              && e.stepId().orElse("").equals("billing/await-approval")) {
            awaitApprovalRequest(run.runId());
            out.println(t.yellow("        -- the run is waiting for approval; cancelling it --"));
            RunStatus answered =
                orchestrator.cancel(run.runId(), "the customer withdrew the request");
            answer.set(answered);
            out.println(t.yellow("        -- cancel() answered " + answered.wireName() + " --"));
          }
        });
    RunStatus status = await(run);
    expect("cancel", run.runId(), status, RunStatus.CANCELLED);
    runs.add(new DemoRun("cancel", run.runId(), RunStatus.CANCELLED));
    if (answer.get() == null) {
      throw new DemoFailure(
          "the run never reached billing/await-approval, so nothing was cancelled");
    }
    out.println("status: " + statusText(status));
  }

  private void awaitApprovalRequest(RunId runId) {
    try {
      if (!agent.awaitApprovalRequest(runId, RUN_TIMEOUT)) {
        throw new DemoFailure(
            "the run did not ask for approval within " + RUN_TIMEOUT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoFailure("interrupted while waiting for the approval request");
    }
  }

  private void summary(RunId main) {
    out.println(t.heading("Run summary"));
    String header =
        String.format(
            "%-24s %-10s %-10s %5s %5s %6s %7s %10s %9s",
            "run", "id", "status", "execs", "steps", "events", "tokens", "cost $", "active");
    out.println(t.bold(header));
    long totalTokens = 0;
    BigDecimal totalCost = BigDecimal.ZERO;
    for (DemoRun r : runs) {
      RunSummary s = orchestrator.summary(r.id()).orElseThrow();
      if (s.status() != r.expected()) {
        throw new DemoFailure(
            r.label()
                + " run "
                + r.id()
                + " is "
                + s.status().wireName()
                + ", expected "
                + r.expected().wireName());
      }
      long steps = s.steps().stream().filter(x -> x.kind().equals("step")).count();
      long events = s.countsByType().values().stream().mapToLong(Long::longValue).sum();
      totalTokens += s.usage().totalTokens();
      totalCost = totalCost.add(s.cost());
      String status = String.format("%-10s", s.status().wireName());
      out.println(
          String.format(
              Locale.ROOT,
              "%-24s %-10s %s %5d %5d %6d %,7d %10s %6d ms",
              r.label(),
              shortId(r.id()),
              color(s.status(), status),
              s.executions(),
              steps,
              events,
              s.usage().totalTokens(),
              s.cost().toPlainString(),
              s.durationMs()));
    }
    out.println(
        t.dim(
            String.format(
                Locale.ROOT,
                "%-24s %-10s %-10s %5s %5s %6s %,7d %10s",
                "total",
                "",
                "",
                "",
                "",
                "",
                totalTokens,
                totalCost.toPlainString())));
    out.println(
        t.dim("ids are the last 8 characters of the run ids; the main run is " + main.value()));
    where(main);
    moveMainRun(main);
    out.println();
    out.println(
        t.green(t.bold("Demo finished:"))
            + " "
            + runs.size()
            + " runs, each ended as expected; the main run is "
            + statusText(store.state(main).status())
            + ".");
  }

  /**
   * Exports the main run to a bundle and imports it into a new file store, both in a temporary
   * directory: the run leaves its store as one verifiable file and arrives whole elsewhere.
   */
  private void moveMainRun(RunId main) {
    Path dir;
    try {
      dir = Files.createTempDirectory("runs-demo-move-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the bundle", e);
    }
    Path bundle = dir.resolve(RunBundles.fileName(main));
    out.println(t.dim("# the main run as one bundle file, imported into a new file store"));
    long events = RunBundles.export(store, main, bundle);
    out.println(
        String.format(
            Locale.ROOT,
            "bundle     %s  %s",
            t.bold(bundle.toString()),
            t.dim(String.format(Locale.ROOT, "(%,d events, RunBundles.export)", events))));
    try (RunStore copy = RunStores.open("file:" + dir.resolve("file-store"))) {
      ImportResult imported = RunBundles.importInto(copy, bundle);
      RunVerification verified = copy.verify(main);
      out.println(
          String.format(
              Locale.ROOT,
              "file store %s  %s",
              t.bold(copy.location()),
              t.dim(
                  String.format(
                      Locale.ROOT,
                      "(run %s imported, %,d events, hash chain %s; RunBundles.importInto)",
                      shortId(imported.runId()),
                      imported.eventCount(),
                      verified.ok() ? "verified" : "BROKEN"))));
      if (!imported.imported() || !verified.ok()) {
        throw new DemoFailure("the main run did not arrive whole in " + copy.location());
      }
    }
  }

  private void where(RunId main) {
    out.println(t.heading("Where the data lives"));
    StoreLocation loc = StoreLocation.parse(store.location());
    String id = main.value();
    switch (loc.scheme()) {
      case "sqlite" -> {
        Path db = loc.path();
        out.println(
            "SQLite database "
                + t.bold(db.toString())
                + t.dim("  (" + db.toAbsolutePath().normalize() + ")"));
        String q = "sqlite3 -readonly " + db + " ";
        out.println(t.dim("# every run, newest last"));
        out.println(q + "\"select id, status, last_seq from runs order by created_at\"");
        out.println(t.dim("# the main run's log, one line per event"));
        out.println(
            q
                + "\"select seq, type, json_extract(envelope, '$.step_id') from events where run_id"
                + " = '"
                + id
                + "' order by seq\"");
        out.println(t.dim("# the same log as NDJSON, through jq"));
        out.println(
            q
                + "\"select envelope from events where run_id = '"
                + id
                + "' order by seq\""
                + " | jq -c '{sequence, type, step_id}'");
        out.println(t.dim("# the summary carried by the final event"));
        out.println(
            q
                + "\"select json_extract(envelope, '$.payload.summary') from events where run_id ="
                + " '"
                + id
                + "' and type = 'run.completed'\" | jq .");
      }
      case "file" -> {
        Path dir = loc.path().resolve("runs").resolve(id);
        out.println(
            "directory "
                + t.bold(loc.path().toString())
                + t.dim("  (" + loc.path().toAbsolutePath().normalize() + ")"));
        out.println(
            t.dim("# the main run's directory: run.json (the record), events.ndjson (the log)"));
        out.println("ls " + dir);
        out.println(t.dim("# its log, one line per event"));
        out.println("jq -c '{sequence, type, step_id}' " + dir.resolve("events.ndjson"));
        out.println(t.dim("# the summary carried by the final event"));
        out.println(
            "jq 'select(.type == \"run.completed\") | .payload.summary' "
                + dir.resolve("events.ndjson"));
      }
      default -> {}
    }
    if (!loc.scheme().equals("memory")) {
      String runs = "runs --store " + store.location() + " ";
      String suffix = id.length() <= 12 ? id : id.substring(id.length() - 12);
      out.println(
          t.dim(
              "# the same with the runs tool (build it once: mvn -q -pl runs-cli -am package"
                  + " -DskipTests; then runs-cli/target/runs)"));
      out.println(runs + "ls");
      out.println(runs + "events " + suffix);
      out.println(runs + "events " + suffix + " --ndjson | jq -c '{sequence, type, step_id}'");
      out.println(runs + "show " + suffix);
    }
    switch (loc.scheme()) {
      case "sqlite", "file" -> {}
      case "memory" ->
          out.println(
              "the memory: store keeps nothing after the demo exits; run it without --store"
                  + " (SQLite) or with --store file:./runs-demo to look at the data afterwards");
      default ->
          out.println(
              "open the store with RunStores.open(\""
                  + store.location()
                  + "\") and read run "
                  + id
                  + " with store.read(runId, 0)");
    }
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  private static ConfigSnapshot baseConfig(boolean humanApproval) {
    return ConfigSnapshot.builder()
        .prompt(
            "You are a support agent for a lamp shop. Be kind, precise, and never promise what"
                + " policy does not allow.")
        .model(ScriptedModel.PROVIDER, ScriptedModel.MODEL)
        .param("temperature", 0.2)
        .tool("lookup_order", "2", Map.of("description", "find an order by id"))
        .tool("refund_policy", "1", Map.of("description", "refund rules for a category"))
        .policy("human_approval", humanApproval)
        .input("customer", "ada")
        .input("question", QUESTION)
        .build();
  }

  private RunRequest request(String name, ConfigSnapshot config) {
    return RunRequest.builder()
        .workflow(SupportAgent.NAME, SupportAgent.VERSION)
        .config(config)
        .budget(Budget.none().withMaxTokens(MAX_TOKENS).withMaxCost(MAX_COST))
        .trigger(trigger(name))
        .namespace(NAMESPACE)
        .threadKey("customer-ada")
        .label("demo", name)
        .build();
  }

  private Trigger trigger(String name) {
    return Trigger.of(TriggerSource.CLI, "demo-" + invocation + "-" + name, "ada");
  }

  private static RunStatus await(RunHandle run) {
    try {
      return run.completion().get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoFailure("interrupted while waiting for run " + run.runId());
    } catch (ExecutionException e) {
      throw new DemoFailure("run " + run.runId() + " could not be executed: " + e.getCause());
    } catch (TimeoutException e) {
      throw new DemoFailure(
          "run " + run.runId() + " did not end within " + RUN_TIMEOUT.toSeconds() + " s");
    }
  }

  private void expect(String what, RunId id, RunStatus actual, RunStatus expected) {
    if (actual != expected) {
      throw new DemoFailure(
          what
              + " run "
              + id
              + " ended "
              + actual.wireName()
              + " but should have ended "
              + expected.wireName()
              + "; look at its events with the commands the demo prints at the end");
    }
  }

  private String statusText(RunStatus s) {
    return color(s, s.wireName());
  }

  private String color(RunStatus s, String text) {
    return switch (s) {
      case COMPLETED -> t.green(t.bold(text));
      case FAILED, INTERRUPTED -> t.red(t.bold(text));
      case CANCELLED, CANCEL_REQUESTED -> t.yellow(t.bold(text));
      default -> text;
    };
  }

  static String shortId(RunId id) {
    return shortId(id.value());
  }

  static String shortId(String id) {
    return id.length() <= 8 ? id : id.substring(id.length() - 8);
  }
}
