package dev.runs.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runs.ConfigOverride;
import dev.runs.ConfigSnapshot;
import dev.runs.EventStream;
import dev.runs.ReplayPoint;
import dev.runs.RunEntry;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.SubscribeOptions;
import dev.runs.Subscriptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.cli.RunsCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that act on runs: start, cancel, resume, replay, rerun. */
final class OperateCommands {
  private OperateCommands() {}

  /** The explicit trigger every action records: source cli, an id, an actor. */
  static final class TriggerOptions {
    @Option(
        names = "--trigger-id",
        description = "Trigger id (default generated); the same id twice returns the first run.")
    @Nullable String triggerId;

    @Option(names = "--actor", description = "Who asked (default the USER environment variable).")
    @Nullable String actor;

    Trigger trigger(Cli cli) {
      String id = triggerId != null ? triggerId : "cli-" + UUID.randomUUID();
      String who = actor != null ? actor : cli.env.getOrDefault("USER", "cli");
      try {
        return Trigger.of(TriggerSource.CLI, id, who.isBlank() ? "cli" : who);
      } catch (ValidationException e) {
        throw CliException.usage(
            (triggerId != null ? "--trigger-id" : "--actor") + ": " + e.getMessage());
      }
    }
  }

  /** How an action that executes a workflow in this process reports it. */
  static final class FollowOptions {
    @Option(names = "--quiet", description = "Print only the final status, not the timeline.")
    boolean quiet;
  }

  /**
   * Waits for an execution this process runs, printing its events from {@code after}, then the
   * final line. The exit code is 0 when it completed.
   */
  static int follow(Cli cli, RunHandle handle, long after, boolean quiet, String verb) {
    RunStore store = cli.store();
    RunId id = handle.runId();
    if (handle.existing()) {
      cli.err.println(
          "trigger id already used: run " + id.value() + " exists; " + verb + " did nothing");
    }
    if (!quiet && handle.created()) {
      ReadCommands.EventPrinter printer =
          new ReadCommands.EventPrinter(cli, cli.output, handle.record());
      SubscribeOptions options =
          new SubscribeOptions(
              SubscribeOptions.defaults().bufferSize(), false, Duration.ofMillis(100));
      try (EventStream events = Subscriptions.iterate(store.subscribe(id, after, options))) {
        while (events.hasNext()) {
          printer.print(events.next());
        }
      }
    }
    RunStatus status;
    if (handle.created()) {
      try {
        status = handle.completion().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted while waiting for run " + id.value());
      } catch (ExecutionException e) {
        throw CliException.failure(
            "run " + id.value() + " could not finish: " + String.valueOf(e.getCause()));
      }
    } else {
      status = store.entry(id).orElseThrow().status();
    }
    Style s = cli.style();
    cli.err.println("run " + id.value() + " " + s.status(status));
    if (quiet || cli.output == Cli.Output.TABLE) {
      cli.out.flush();
    }
    if (quiet) {
      cli.out.println(id.value());
    }
    return status == RunStatus.COMPLETED ? RunsCli.OK : RunsCli.FAILURE;
  }

  /** Parses a value given on the command line: JSON when it is JSON, else a string. */
  static JsonNode value(String text) {
    try {
      return Cli.JSON.readTree(text);
    } catch (IOException e) {
      return TextNode.valueOf(text);
    }
  }

  /** Runs an action on every run a query selects, after listing them and asking. */
  static int batch(Cli cli, String query, boolean yes, String verb, BatchAction action) {
    Formats.Filter f = Formats.query(query, Instant.now());
    List<RunEntry> selected = new ArrayList<>();
    cli.forEachRun(
        f.query(),
        e -> {
          if (f.matches(e)) {
            selected.add(e);
          }
        });
    if (selected.isEmpty()) {
      cli.err.println("no runs match '" + query + "'; nothing to " + verb);
      return RunsCli.OK;
    }
    Table t = new Table("ID", "WORKFLOW", "STATUS", "STARTED");
    Style s = cli.style();
    for (RunEntry e : selected) {
      t.row(
          e.id().value(),
          e.record().workflow().toString(),
          s.status(e.status()),
          Formats.time(e.record().createdAt()));
    }
    cli.err.println(verb + " " + selected.size() + " run(s):");
    t.print(cli.err, s);
    if (!yes && !cli.confirm("Go ahead and " + verb + " " + selected.size() + " run(s)?")) {
      cli.err.println("nothing done");
      return RunsCli.FAILURE;
    }
    int code = RunsCli.OK;
    for (RunEntry e : selected) {
      try {
        action.apply(e.id());
      } catch (RuntimeException ex) {
        cli.err.println("runs: " + e.id().value() + ": " + ex.getMessage());
        code = RunsCli.FAILURE;
      }
    }
    return code;
  }

  /** One run's part of a batch. */
  @FunctionalInterface
  interface BatchAction {
    void apply(RunId id);
  }

  static void needWorkflow(Cli cli, WorkflowRef ref) {
    if (!cli.workflows().containsKey(ref)) {
      throw CliException.usage(
          "workflow "
              + ref
              + " is not on the class path (found: "
              + new TreeSet<>(cli.workflows().keySet().stream().map(Object::toString).toList())
              + ", "
              + cli.classPath().describe()
              + "); pass the host's jar with --classpath or RUNS_CLASSPATH");
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = {
        "Start a run of a host workflow and follow it to its end.",
        "Workflows come from WorkflowProviders on --classpath (or RUNS_CLASSPATH)."
      })
  static final class Start implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "WORKFLOW@VERSION", description = "e.g. etl@2")
    String workflow = "";

    @Option(names = "--input", description = "An input, KEY=VALUE (JSON or text; repeatable).")
    Map<String, String> inputs = new LinkedHashMap<>();

    @Option(names = "--config", paramLabel = "FILE", description = "Config snapshot as JSON.")
    @Nullable Path config;

    @Option(names = "--namespace", description = "The run's namespace.")
    @Nullable String namespace;

    @Option(names = "--thread", description = "The run's thread key.")
    @Nullable String thread;

    @Option(names = "--label", description = "A label, KEY=VALUE (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();

    @Mixin TriggerOptions trigger = new TriggerOptions();
    @Mixin FollowOptions followOptions = new FollowOptions();

    Start(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      int at = workflow.lastIndexOf('@');
      if (at <= 0 || at == workflow.length() - 1) {
        throw CliException.usage("'" + workflow + "' is not WORKFLOW@VERSION, e.g. etl@2");
      }
      WorkflowRef ref = WorkflowRef.of(workflow.substring(0, at), workflow.substring(at + 1));
      ObjectNode node = Cli.JSON.createObjectNode();
      if (config != null) {
        try {
          node = ConfigSnapshot.parse(Files.readString(config)).toJsonNode();
        } catch (NoSuchFileException e) {
          throw CliException.usage("--config: file " + config + " does not exist");
        } catch (IOException e) {
          throw CliException.usage("--config: cannot read " + config + ": " + e.getMessage());
        } catch (ValidationException e) {
          throw CliException.usage("--config " + config + ": " + e.getMessage());
        }
      }
      if (!inputs.isEmpty()) {
        ObjectNode in =
            node.path("inputs").isObject()
                ? (ObjectNode) node.get("inputs")
                : node.putObject("inputs");
        inputs.forEach((k, v) -> in.set(k, value(v)));
      }
      needWorkflow(cli, ref);
      RunRequest.Builder b =
          RunRequest.builder()
              .workflow(ref)
              .config(ConfigSnapshot.of(node))
              .trigger(trigger.trigger(cli));
      try {
        if (namespace != null) {
          b.namespace(namespace);
        }
      } catch (ValidationException e) {
        throw CliException.usage("--namespace: " + e.getMessage());
      }
      try {
        if (thread != null) {
          b.threadKey(thread);
        }
      } catch (ValidationException e) {
        throw CliException.usage("--thread: " + e.getMessage());
      }
      try {
        labels.forEach(b::label);
      } catch (ValidationException e) {
        throw CliException.usage("--label: " + e.getMessage());
      }
      RunOrchestrator o = cli.orchestrator();
      RunHandle handle = o.start(b.build());
      return follow(cli, handle, 0, followOptions.quiet, "start");
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = {
        "Cancel a run (or every run a --query selects). A running run in another process gets",
        "run.cancel_requested and ends cancelled at its next step."
      })
  static final class Cancel implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(names = "--reason", defaultValue = "cancelled from the command line")
    String reason = "";

    @Option(
        names = "--query",
        description = "Cancel every run matching, e.g. 'status=running workflow=etl@2'.")
    @Nullable String query;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask before a batch.")
    boolean yes;

    Cancel(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if ((id == null) == (query == null)) {
        throw CliException.usage("give a run id or --query (not both)");
      }
      if (query != null) {
        return batch(
            cli,
            query,
            yes,
            "cancel",
            run -> {
              RunStatus st = cli.orchestrator().cancel(run, reason);
              cli.out.println(run.value() + " " + st.wireName());
            });
      }
      RunId run = cli.resolve(Objects.requireNonNull(id));
      RunStatus st = cli.orchestrator().cancel(run, reason);
      cli.out.println(run.value() + " " + cli.style().status(st));
      return RunsCli.OK;
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = {
        "Resume a failed, cancelled or interrupted run in this process and follow it:",
        "completed steps are not run again. Needs the workflow on --classpath."
      })
  static final class Resume implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(
        names = "--query",
        description = "Resume every run matching, e.g. 'status=interrupted'.")
    @Nullable String query;

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask before a batch.")
    boolean yes;

    @Mixin TriggerOptions trigger = new TriggerOptions();
    @Mixin FollowOptions followOptions = new FollowOptions();

    Resume(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if ((id == null) == (query == null)) {
        throw CliException.usage("give a run id or --query (not both)");
      }
      if (query != null) {
        if (trigger.triggerId != null) {
          throw CliException.usage("--trigger-id names one action; leave it out with --query");
        }
        return batch(
            cli,
            query,
            yes,
            "resume",
            run -> {
              int code = resume(run, true);
              if (code != RunsCli.OK) {
                throw CliException.failure("did not complete");
              }
            });
      }
      return resume(cli.resolve(Objects.requireNonNull(id)), followOptions.quiet);
    }

    private int resume(RunId run, boolean quiet) {
      RunEntry entry = cli.store().entry(run).orElseThrow();
      needWorkflow(cli, entry.record().workflow());
      RunHandle h = cli.orchestrator().resume(run, trigger.trigger(cli));
      return follow(cli, h, entry.lastSequence(), quiet, "resume");
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Start a new run with a run's exact config, reusing its step outputs before a point.",
        "Needs the workflow on --classpath."
      })
  static final class Replay implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix.")
    String id = "";

    @Option(
        names = "--from",
        required = true,
        description = "start, step:STEP_ID or checkpoint:CHECKPOINT_ID")
    String from = "";

    @Mixin TriggerOptions trigger = new TriggerOptions();
    @Mixin FollowOptions followOptions = new FollowOptions();

    Replay(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      ReplayPoint point;
      try {
        point = ReplayPoint.parse(from);
      } catch (ValidationException e) {
        throw CliException.usage("--from: " + e.getMessage());
      }
      RunId run = cli.resolve(id);
      needWorkflow(cli, cli.store().get(run).orElseThrow().workflow());
      RunHandle h = cli.orchestrator().replay(run, point, trigger.trigger(cli));
      return follow(cli, h, 0, followOptions.quiet, "replay");
    }
  }

  @Command(
      name = "rerun",
      mixinStandardHelpOptions = true,
      description = {
        "Start a new run of the same workflow with config values changed at JSON Pointers;",
        "the diff is recorded on its lineage. Needs the workflow on --classpath."
      })
  static final class Rerun implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix.")
    String id = "";

    @Option(
        names = "--set",
        paramLabel = "/POINTER=VALUE",
        description =
            "Replace an existing value (JSON or text), e.g. /model/params/temperature=0.7.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--add", paramLabel = "/POINTER=VALUE", description = "Add a new key.")
    List<String> adds = new ArrayList<>();

    @Option(names = "--remove", paramLabel = "/POINTER", description = "Remove a value.")
    List<String> removes = new ArrayList<>();

    @Mixin TriggerOptions trigger = new TriggerOptions();
    @Mixin FollowOptions followOptions = new FollowOptions();

    Rerun(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      List<ConfigOverride> overrides = new ArrayList<>();
      for (String s : sets) {
        String[] kv = pointer("--set", s);
        overrides.add(ConfigOverride.replace(kv[0], value(kv[1])));
      }
      for (String s : adds) {
        String[] kv = pointer("--add", s);
        overrides.add(ConfigOverride.add(kv[0], value(kv[1])));
      }
      for (String s : removes) {
        overrides.add(ConfigOverride.remove(s));
      }
      if (overrides.isEmpty()) {
        throw CliException.usage(
            "nothing to change: give --set /pointer=value (or --add, --remove); to run the same"
                + " config again use 'runs replay ID --from start'");
      }
      RunId run = cli.resolve(id);
      needWorkflow(cli, cli.store().get(run).orElseThrow().workflow());
      RunHandle h = cli.orchestrator().rerun(run, overrides, trigger.trigger(cli));
      return follow(cli, h, 0, followOptions.quiet, "rerun");
    }

    private static String[] pointer(String option, String text) {
      int eq = text.indexOf('=');
      if (!text.startsWith("/") || eq < 0) {
        throw CliException.usage(
            option + " '" + text + "' is not /POINTER=VALUE, e.g. /model/params/temperature=0.7");
      }
      return new String[] {text.substring(0, eq), text.substring(eq + 1)};
    }
  }
}
