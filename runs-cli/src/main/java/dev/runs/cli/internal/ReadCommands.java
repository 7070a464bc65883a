package dev.runs.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStore;
import dev.runs.RunSummary;
import dev.runs.RunVerification;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.SubscribeOptions;
import dev.runs.Subscriptions;
import dev.runs.cli.RunsCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that read: ls, show, events, tail, state, verify, stages, cat. */
final class ReadCommands {
  private ReadCommands() {}

  /** The columns of {@code runs ls} for one run. */
  static ObjectNode row(RunStore store, RunEntry e) {
    RunRecord r = e.record();
    RunState st = store.state(e.id());
    ObjectNode n = Cli.JSON.createObjectNode();
    n.put("id", e.id().value());
    n.put("workflow", r.workflow().toString());
    n.put("status", e.status().wireName());
    n.put("created_at", r.createdAt().toString());
    Optional<Duration> d = duration(st, e);
    if (d.isPresent()) {
      n.put("duration_ms", d.get().toMillis());
    } else {
      n.putNull("duration_ms");
    }
    n.put("events", e.lastSequence());
    n.put("tokens", st.usage().totalTokens());
    n.put("cost", st.cost());
    return n;
  }

  private static Optional<Duration> duration(RunState st, RunEntry e) {
    if (st.firstEventTime().isEmpty()) {
      return Optional.empty();
    }
    Instant end =
        e.status().isTerminal() || e.status().isResumable()
            ? st.lastEventTime().orElse(st.firstEventTime().get())
            : Instant.now();
    return Optional.of(Duration.between(st.firstEventTime().get(), end));
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List runs, newest first.")
  static final class Ls implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--namespace", description = "Only runs in this namespace.")
    @Nullable String namespace;

    @Option(names = "--thread", description = "Only runs with this thread key.")
    @Nullable String thread;

    @Option(
        names = "--status",
        split = ",",
        description = "Only runs with these statuses, e.g. failed,interrupted.")
    List<String> statuses = new ArrayList<>();

    @Option(names = "--workflow", description = "Only runs of this workflow: NAME or NAME@VERSION.")
    @Nullable String workflow;

    @Option(names = "--label", description = "Only runs with this label, KEY=VALUE (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(
        names = "--since",
        description = "Only runs created since an age (2h, 7d) or an instant.")
    @Nullable String since;

    @Option(names = "--limit", defaultValue = "20", description = "Most runs to list (default 20).")
    int limit;

    Ls(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if (limit < 1 || limit > 100_000) {
        throw CliException.usage("--limit must be 1 to 100,000 but was " + limit);
      }
      Formats.Filter f =
          Formats.filter(namespace, thread, statuses, workflow, labels, since, Instant.now());
      List<ObjectNode> rows = new ArrayList<>();
      RunStore store = cli.store();
      String cursor = null;
      do {
        f.query().limit(Math.min(dev.runs.RunQuery.MAX_LIMIT, Math.max(limit, 50)));
        if (cursor != null) {
          f.query().cursor(cursor);
        }
        var page = store.list(f.query().build());
        for (RunEntry e : page.runs()) {
          if (rows.size() < limit && f.matches(e)) {
            rows.add(row(store, e));
          }
        }
        cursor = rows.size() < limit ? page.nextCursor().orElse(null) : null;
      } while (cursor != null);
      switch (cli.output) {
        case JSON -> {
          ArrayNode a = Cli.JSON.createArrayNode();
          rows.forEach(a::add);
          cli.printJson(a);
        }
        case NDJSON -> rows.forEach(cli::printNdjson);
        case TABLE -> {
          Style s = cli.style();
          Table t =
              new Table(
                  "ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "EVENTS", "TOKENS", "COST");
          for (ObjectNode n : rows) {
            t.row(
                n.path("id").asText(),
                n.path("workflow").asText(),
                s.status(dev.runs.RunStatus.fromWireName(n.path("status").asText())),
                Formats.time(Instant.parse(n.path("created_at").asText())),
                n.path("duration_ms").isNull()
                    ? "-"
                    : Formats.duration(Duration.ofMillis(n.path("duration_ms").asLong())),
                String.valueOf(n.path("events").asLong()),
                String.valueOf(n.path("tokens").asLong()),
                Formats.cost(n.path("cost").decimalValue()));
          }
          if (t.isEmpty()) {
            cli.err.println("no runs match in " + cli.storeLabel());
          } else {
            t.print(cli.out, s);
          }
        }
      }
      return RunsCli.OK;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a run: record, config, lineage, status, summary and stages.")
  static final class Show implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    Show(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws IOException {
      RunStore store = cli.store();
      RunId runId = cli.resolve(id);
      RunRecord r = store.get(runId).orElseThrow();
      RunState st = store.state(runId);
      Optional<RunSummary> summary = summary(store, runId);
      List<StageManifest> stages = store.stages(runId);
      if (cli.output != Cli.Output.TABLE) {
        ObjectNode n = Cli.JSON.createObjectNode();
        n.set("record", Cli.JSON.readTree(r.toJson()));
        n.put("status", st.status().wireName());
        n.put("last_sequence", st.lastSequence());
        summary.ifPresent(sm -> n.set("summary", sm.toPayload().toJsonNode()));
        ArrayNode a = n.putArray("stages");
        for (StageManifest m : stages) {
          a.add(Cli.JSON.readTree(m.toJson()));
        }
        if (cli.output == Cli.Output.JSON) {
          cli.printJson(n);
        } else {
          cli.printNdjson(n);
        }
        return RunsCli.OK;
      }
      Style s = cli.style();
      var out = cli.out;
      out.println(s.bold("run ") + runId.value());
      out.println("  workflow   " + r.workflow());
      out.println("  status     " + s.status(st.status()) + "  (" + st.eventCount() + " events)");
      out.println("  created    " + Formats.time(r.createdAt()) + " UTC");
      if (!r.namespace().isEmpty()) {
        out.println("  namespace  " + r.namespace());
      }
      r.threadKey().ifPresent(t -> out.println("  thread     " + t));
      if (!r.labels().isEmpty()) {
        out.println("  labels     " + r.labels());
      }
      out.println(
          "  trigger    "
              + r.trigger().source().wireName()
              + ":"
              + r.trigger().triggerId()
              + r.trigger().actor().map(a -> " (" + a + ")").orElse(""));
      r.lineage()
          .ifPresent(
              l ->
                  out.println(
                      "  lineage    "
                          + l.relation().wireName()
                          + " of "
                          + l.parentRunId().value()
                          + l.sourceCheckpoint().map(c -> " from " + c).orElse("")));
      out.println(s.bold("config") + s.dim("  sha256 " + r.config().sha256()));
      out.println(Cli.JSON.writeValueAsString(r.config().toJsonNode()));
      if (summary.isPresent()) {
        RunSummary sm = summary.get();
        out.println(s.bold("summary"));
        out.println(
            "  duration "
                + Formats.duration(Duration.ofMillis(sm.durationMs()))
                + ", executions "
                + sm.executions()
                + ", steps "
                + sm.steps().size()
                + ", tokens "
                + sm.usage().totalTokens()
                + ", cost "
                + Formats.cost(sm.cost())
                + ", errors "
                + sm.errors().size());
        sm.output().ifPresent(o -> out.println("  output   " + o));
      }
      if (!stages.isEmpty()) {
        out.println(s.bold("stages"));
        printStages(cli, stages);
      }
      return RunsCli.OK;
    }
  }

  static Optional<RunSummary> summary(RunStore store, RunId id) {
    Optional<RunSummary> found = Optional.empty();
    try (EventStream events = store.read(id, 0)) {
      while (events.hasNext()) {
        RunEvent e = events.next();
        JsonNode sm = e.payload().toJsonNode().get("summary");
        if (e.type().name().startsWith("run.") && sm != null && sm.isObject()) {
          found = Optional.of(RunSummary.fromJson(sm));
        }
      }
    }
    return found;
  }

  static void printStages(Cli cli, List<StageManifest> stages) {
    Table t = new Table("POS", "STAGE", "ATTEMPT", "STATUS", "FILES", "BYTES", "CREATED");
    for (StageManifest m : stages) {
      long bytes = 0;
      for (StageManifest.Entry f : m.files()) {
        bytes += f.size();
      }
      t.row(
          String.valueOf(m.position()),
          m.stageKey(),
          String.valueOf(m.attempt()),
          m.status().toString().toLowerCase(java.util.Locale.ROOT),
          String.valueOf(m.files().size()),
          String.valueOf(bytes),
          Formats.time(m.createdAt()));
    }
    t.print(cli.out, cli.style());
  }

  /** Prints events in the chosen output: timeline, stored envelopes (ndjson) or a JSON array. */
  static final class EventPrinter {
    private final Cli cli;
    private final Cli.Output output;
    private final TimelineFormat timeline;
    private boolean first = true;

    EventPrinter(Cli cli, Cli.Output output, RunRecord record) {
      this.cli = cli;
      this.output = output;
      this.timeline = new TimelineFormat(cli.style(), record);
    }

    void print(RunEvent e) {
      switch (output) {
        case NDJSON -> cli.out.println(EventCodec.encode(e));
        case JSON -> {
          cli.out.print(first ? "[\n" : ",\n");
          cli.out.print(EventCodec.encode(e));
        }
        case TABLE -> cli.out.println(timeline.line(e));
      }
      first = false;
      cli.out.flush();
    }

    void finish() {
      if (output == Cli.Output.JSON) {
        cli.out.println(first ? "[]" : "\n]");
      }
    }
  }

  static Cli.Output eventOutput(Cli cli, boolean ndjson, boolean json) {
    if (ndjson && json) {
      throw CliException.usage("give --ndjson or --json, not both");
    }
    return ndjson ? Cli.Output.NDJSON : json ? Cli.Output.JSON : cli.output;
  }

  @Command(
      name = "events",
      mixinStandardHelpOptions = true,
      description = "Print a run's events: a timeline, or the stored envelopes (--ndjson) for jq.")
  static final class Events implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    @Option(names = "--after", defaultValue = "0", description = "Only events after this sequence.")
    long after;

    @Option(names = "--type", description = "Only event types matching this glob, e.g. 'model.*'.")
    @Nullable String type;

    @Option(names = "--step", description = "Only events of steps matching this glob.")
    @Nullable String step;

    @Option(names = "--ndjson", description = "One stored envelope per line (same as -o ndjson).")
    boolean ndjson;

    @Option(names = "--json", description = "A JSON array of envelopes (same as -o json).")
    boolean json;

    Events(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if (after < 0) {
        throw CliException.usage("--after must be 0 or more but was " + after);
      }
      Cli.Output output = eventOutput(cli, ndjson, json);
      RunStore store = cli.store();
      RunId runId = cli.resolve(id);
      Pattern typeGlob = type == null ? null : Formats.glob(type);
      Pattern stepGlob = step == null ? null : Formats.glob(step);
      EventPrinter printer = new EventPrinter(cli, output, store.get(runId).orElseThrow());
      try (EventStream events = store.read(runId, after)) {
        while (events.hasNext()) {
          RunEvent e = events.next();
          if (typeGlob != null && !typeGlob.matcher(e.type().name()).matches()) {
            continue;
          }
          if (stepGlob != null
              && !(e.stepId().isPresent() && stepGlob.matcher(e.stepId().get()).matches())) {
            continue;
          }
          printer.print(e);
        }
      }
      printer.finish();
      return RunsCli.OK;
    }
  }

  @Command(
      name = "tail",
      mixinStandardHelpOptions = true,
      description = {
        "Print a run's last events; with -f follow it live until its terminal event.",
        "Follows runs written by other processes through the store's change watch."
      })
  static final class Tail implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    @Option(
        names = {"-n", "--lines"},
        defaultValue = "10",
        description = "How many of the last events to print first (default 10).")
    int lines;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing new events until the run ends.")
    boolean follow;

    @Option(
        names = "--follow-resumed",
        description = "With -f, keep following after failed/cancelled/interrupted for a resume.")
    boolean followResumed;

    @Option(names = "--ndjson", description = "One stored envelope per line.")
    boolean ndjson;

    Tail(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if (lines < 0) {
        throw CliException.usage("--lines must be 0 or more but was " + lines);
      }
      Cli.Output output = ndjson ? Cli.Output.NDJSON : cli.output;
      if (output == Cli.Output.JSON) {
        output = Cli.Output.NDJSON; // a stream has no end to close an array at
      }
      RunStore store = cli.store();
      RunId runId = cli.resolve(id);
      RunEntry entry = store.entry(runId).orElseThrow();
      long start = Math.max(0, entry.lastSequence() - lines);
      EventPrinter printer = new EventPrinter(cli, output, entry.record());
      if (!follow) {
        Deque<RunEvent> last = new ArrayDeque<>();
        try (EventStream events = store.read(runId, start)) {
          events.forEachRemaining(last::add);
        }
        last.forEach(printer::print);
        return RunsCli.OK;
      }
      SubscribeOptions options =
          new SubscribeOptions(
              SubscribeOptions.defaults().bufferSize(), followResumed, Duration.ofMillis(100));
      try (EventStream events = Subscriptions.iterate(store.subscribe(runId, start, options))) {
        while (events.hasNext()) {
          printer.print(events.next());
        }
      }
      return RunsCli.OK;
    }
  }

  @Command(
      name = "state",
      mixinStandardHelpOptions = true,
      description =
          "Print the state folded from a run's events: status, steps, checkpoints, usage.")
  static final class State implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    State(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      RunId runId = cli.resolve(id);
      RunState st = cli.store().state(runId);
      ObjectNode n = Cli.JSON.createObjectNode();
      n.put("run_id", runId.value());
      n.put("status", st.status().wireName());
      n.put("last_sequence", st.lastSequence());
      n.put("event_count", st.eventCount());
      st.currentStep().ifPresent(c -> n.put("current_step", c));
      ObjectNode steps = n.putObject("steps");
      st.steps().forEach((k, v) -> steps.set(k, Cli.JSON.valueToTree(stepJson(v))));
      ObjectNode cps = n.putObject("checkpoints");
      st.checkpoints().forEach(cps::put);
      ObjectNode counts = n.putObject("counts_by_type");
      st.countsByType().forEach(counts::put);
      n.putObject("usage")
          .put("input_tokens", st.usage().inputTokens())
          .put("output_tokens", st.usage().outputTokens());
      n.put("cost", st.cost());
      st.firstEventTime().ifPresent(t -> n.put("first_event_time", t.toString()));
      st.lastEventTime().ifPresent(t -> n.put("last_event_time", t.toString()));
      if (cli.output == Cli.Output.TABLE) {
        Style s = cli.style();
        cli.out.println(
            s.bold("run ")
                + runId.value()
                + "  "
                + s.status(st.status())
                + "  #"
                + st.lastSequence()
                + st.currentStep().map(c -> "  at " + c).orElse(""));
        Table t = new Table("STEP", "STATUS", "ATTEMPT");
        st.steps()
            .forEach(
                (k, v) -> {
                  Map<String, Object> j = stepJson(v);
                  t.row(k, String.valueOf(j.get("status")), String.valueOf(j.get("attempt")));
                });
        if (!t.isEmpty()) {
          t.print(cli.out, s);
        }
        if (!st.checkpoints().isEmpty()) {
          cli.out.println("checkpoints " + st.checkpoints());
        }
        cli.out.println(
            "tokens "
                + st.usage().totalTokens()
                + " ("
                + st.usage().inputTokens()
                + " in, "
                + st.usage().outputTokens()
                + " out), cost "
                + Formats.cost(st.cost()));
      } else if (cli.output == Cli.Output.JSON) {
        cli.printJson(n);
      } else {
        cli.printNdjson(n);
      }
      return RunsCli.OK;
    }

    private static Map<String, Object> stepJson(dev.runs.StepState v) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", v.status().toString().toLowerCase(java.util.Locale.ROOT));
      m.put("attempt", v.attempt());
      v.completion().ifPresent(e -> m.put("completed_at_sequence", e.sequence()));
      return m;
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Check runs: status and last sequence folded from the events against the stored ones,",
        "the hash chain, and every stage file against its manifest. Exit code 4 on a problem."
      })
  static final class Verify implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(names = "--all", description = "Verify every run in the store.")
    boolean all;

    Verify(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if ((id == null) == !all) {
        throw CliException.usage("give a run id or --all (not both)");
      }
      List<RunId> ids = new ArrayList<>();
      if (all) {
        cli.forEachRun(dev.runs.RunQuery.builder(), e -> ids.add(e.id()));
      } else {
        ids.add(cli.resolve(java.util.Objects.requireNonNull(id)));
      }
      int bad = 0;
      Style s = cli.style();
      ArrayNode results = Cli.JSON.createArrayNode();
      for (RunId runId : ids) {
        List<String> problems = problems(cli.store(), runId);
        if (!problems.isEmpty()) {
          bad++;
        }
        if (cli.output == Cli.Output.TABLE) {
          if (problems.isEmpty()) {
            cli.out.println(s.green("ok") + "      " + runId.value());
          } else {
            cli.out.println(s.red("FAILED") + "  " + runId.value());
            problems.forEach(p -> cli.out.println("        " + p));
          }
        } else {
          ObjectNode n = Cli.JSON.createObjectNode();
          n.put("run_id", runId.value());
          n.put("ok", problems.isEmpty());
          ArrayNode a = n.putArray("problems");
          problems.forEach(a::add);
          if (cli.output == Cli.Output.JSON) {
            results.add(n);
          } else {
            cli.printNdjson(n);
          }
        }
      }
      if (cli.output == Cli.Output.JSON) {
        cli.printJson(results);
      }
      if (cli.output == Cli.Output.TABLE && ids.size() > 1) {
        cli.out.println(ids.size() + " runs verified, " + bad + " with problems");
      }
      return bad == 0 ? RunsCli.OK : RunsCli.VERIFICATION_FAILED;
    }

    static List<String> problems(RunStore store, RunId runId) {
      RunVerification v = store.verify(runId);
      List<String> problems = new ArrayList<>(v.problems());
      for (StageManifest m : store.stages(runId)) {
        StageVerification sv = store.verifyStage(runId, m.stageKey(), m.attempt());
        for (StageVerification.Problem p : sv.problems()) {
          problems.add(
              "stage "
                  + m.stageKey()
                  + "/"
                  + m.attempt()
                  + "/"
                  + p.path()
                  + ": "
                  + p.kind().toString().toLowerCase(java.util.Locale.ROOT)
                  + " "
                  + p.detail());
        }
      }
      return problems;
    }
  }

  @Command(
      name = "stages",
      mixinStandardHelpOptions = true,
      description = "List a run's stage attempts and their files.")
  static final class Stages implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    Stages(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws IOException {
      RunId runId = cli.resolve(id);
      List<StageManifest> stages = cli.store().stages(runId);
      if (cli.output == Cli.Output.TABLE) {
        if (stages.isEmpty()) {
          cli.err.println("run " + runId.value() + " has no stages");
        } else {
          printStages(cli, stages);
          for (StageManifest m : stages) {
            for (StageManifest.Entry f : m.files()) {
              cli.out.println(
                  cli.style().dim("  " + m.stageKey() + "/" + m.attempt() + "/" + f.path()));
            }
          }
        }
        return RunsCli.OK;
      }
      ArrayNode a = Cli.JSON.createArrayNode();
      for (StageManifest m : stages) {
        a.add(Cli.JSON.readTree(m.toJson()));
      }
      if (cli.output == Cli.Output.JSON) {
        cli.printJson(a);
      } else {
        a.forEach(cli::printNdjson);
      }
      return RunsCli.OK;
    }
  }

  @Command(
      name = "cat",
      mixinStandardHelpOptions = true,
      description = "Write a stage file's bytes to standard output, checked against its manifest.")
  static final class Cat implements Callable<Integer> {
    private static final Pattern PATH = Pattern.compile("(.+?)/(\\d+)/(.+)");
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "ID", description = "Run id or a unique suffix of it.")
    String id = "";

    @Parameters(
        index = "1",
        paramLabel = "STAGE/ATTEMPT/PATH",
        description = "e.g. fetch/1/output.json or report/2/artifacts/report.html")
    String file = "";

    Cat(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Matcher m = PATH.matcher(file);
      if (!m.matches()) {
        throw CliException.usage(
            "'"
                + file
                + "' is not STAGE/ATTEMPT/PATH; e.g. fetch/1/output.json (see 'runs stages ID')");
      }
      RunId runId = cli.resolve(id);
      byte[] bytes =
          cli.store().readStageFile(runId, m.group(1), Integer.parseInt(m.group(2)), m.group(3));
      try {
        cli.out.write(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      cli.out.flush();
      return RunsCli.OK;
    }
  }
}
