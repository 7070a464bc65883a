package dev.runs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The one-command benchmark report: runs every scenario with its ceiling and its peer side by side
 * in one run, prints a Markdown table of figures and ratios, and writes it to {@code
 * bench/results/latest.md}.
 *
 * <pre>
 * mvn -q -pl runs-bench -am package exec:exec -DskipTests   # short profile, about 20 min
 * java -cp runs-bench/target/benchmarks.jar dev.runs.bench.BenchReport --profile long
 * </pre>
 *
 * <p>Profiles: {@code short} (default: one fork, 1 × 2 s warm-up, 2 × 2 s measurement), {@code
 * long} (two forks, 2 × 5 s, 5 × 5 s), {@code smoke} (in-process, one 0.2 s iteration, small data:
 * proves every benchmark still runs; its figures mean nothing and CI only checks the table is
 * complete). PostgreSQL rows run when {@code RUNS_PG_URL} (default {@code
 * postgres://postgres@127.0.0.1:5432/test}) answers. The bundle and archive rows ({@link
 * BundleBenchmark}, {@link ArchiveSweepBenchmark}) run for every store whose engine can import and
 * archive runs ({@link MoveProbe}); the report names the others under its table.
 *
 * <p>Longer than our ~500-line guide on purpose: each row's benchmarks, target and verdict are
 * written next to each other, so that a target is changed together with the row it judges.
 */
public final class BenchReport {
  private BenchReport() {}

  /** How long and how precisely to measure. */
  enum Profile {
    SMOKE,
    SHORT,
    LONG
  }

  /** One row: our figure beside the ceiling and the peer for the same work. */
  record Row(
      String group,
      String scenario,
      String unit,
      Double ours,
      Double ceiling,
      Double peer,
      String target,
      String verdict) {}

  private static final String APPEND_SQLITE =
      "dev.runs.bench.SqliteAppendBenchmark.(storeOwnRun01|storeOwnRun04"
          + "|storeOwnRun16|storeHotRun04|storeHotRun16|storePipelined256"
          + "|rawTx001|rawTx004|rawTx016|rawTx256"
          + "|rawSpreadTx04|rawSpreadTx16)$";
  private static final String APPEND_FILE =
      "dev.runs.bench.FileAppendBenchmark.(append_ownRun_1|append_ownRun_4"
          + "|append_ownRun_16|append_hotRun_4|append_hotRun_16|append_pipelined256"
          + "|raw_ownFile_1|raw_ownFile_4"
          + "|raw_ownFile_16|raw_groupOf_4|raw_groupOf_16|raw_groupOf_256)$";
  private static final String READS =
      "dev.runs.bench.(SqliteReadBenchmark.(storeReadRun|rawSelect)"
          + "|FileReadBenchmark.(read_1MEvents|read_after999000)"
          + "|ListByThreadBenchmark.(listByThread|listByLabel|listByWorkflow))$";
  private static final String PEER =
      "dev.runs.bench.AxonAppendBenchmark.(appendSyncOwnAggregate"
          + "|appendSyncHotAggregate|appendBatch256)$";
  private static final String SUBSCRIBERS =
      "dev.runs.bench.WritersWithSubscribersBenchmark.append$";
  private static final String HASH_CHAIN =
      "dev.runs.bench.HashChainCostBenchmark.append_ownRun_16$";
  private static final String MCP = "dev.runs.bench.McpEmitBenchmark.(direct|http|stdio)$";
  private static final String POSTGRES =
      "dev.runs.bench.PostgresAppendBenchmark.(store_w01|store_w04|store_w16"
          + "|ceiling_w01|ceiling_w04|ceiling_w16)$";
  private static final String BUNDLE_EXPORT =
      "dev.runs.bench.BundleBenchmark.(read|export|exportToStream)$";
  private static final String BUNDLE_IMPORT =
      "dev.runs.bench.BundleBenchmark.(importInto|ceiling)$";
  private static final String ARCHIVE_SWEEP = "dev.runs.bench.ArchiveSweepBenchmark.sweep$";
  private static final String OBSERVABILITY =
      "dev.runs.bench.(ObservabilityOverheadBenchmark.ownRun16"
          + "|ObserverCostBenchmark.(baseline|metrics|traces))$";

  /**
   * Sizes of the bundle and archive benchmarks: events in the bundled run, runs and events per run
   * in the archive sweep.
   */
  record MoveSizes(int events, int runs, int eventsPerRun) {
    static MoveSizes of(Profile profile) {
      return switch (profile) {
        case SMOKE -> new MoveSizes(3000, 20, 50);
        case SHORT -> new MoveSizes(100_000, SHORT_SWEEP_RUNS, 1000);
        case LONG -> new MoveSizes(100_000, 1000, 1000);
      };
    }
  }

  /**
   * Runs per sweep in the short profile: the 1,000 take too long for a 10-minute report.
   */
  private static final int SHORT_SWEEP_RUNS = 200;

  /**
   * Runs the report.
   *
   * @param args {@code [--profile smoke|short|long] [--out <file>]}
   * @throws Exception when a benchmark fails
   */
  public static void main(String[] args) throws Exception {
    Profile profile = Profile.SHORT;
    Path out = Path.of("bench/results/latest.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--profile" -> profile = Profile.valueOf(args[++i].toUpperCase(Locale.ROOT));
        case "--out" -> out = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: BenchReport [--profile smoke|short|long] [--out <file>]");
      }
    }
    String table = run(profile);
    System.out.println(table);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, table, StandardCharsets.UTF_8);
    System.out.println("written to " + out.toAbsolutePath());
  }

  /**
   * Runs every scenario and renders the report.
   *
   * @param profile how long to measure
   * @return the Markdown report
   * @throws Exception when a benchmark fails
   */
  static String run(Profile profile) throws Exception {
    Instant started = Instant.now();
    if (profile == Profile.SMOKE) {
      System.setProperty("runs.bench.events", "3000");
      System.setProperty("runs.bench.runs", "300");
      System.setProperty("runs.bench.listRuns", "100");
    }
    boolean postgres = postgresAnswers();
    List<String> includes =
        new ArrayList<>(
            List.of(
                APPEND_SQLITE,
                APPEND_FILE,
                READS,
                PEER,
                SUBSCRIBERS,
                HASH_CHAIN,
                MCP,
                OBSERVABILITY));
    if (postgres) {
      includes.add(POSTGRES);
    }
    Map<String, Double> jmh = runJmh(profile, includes, Map.of(), false);
    MoveSizes sizes = MoveSizes.of(profile);
    List<String> schemes = new ArrayList<>(List.of("memory", "sqlite", "file"));
    if (postgres) {
      schemes.add("postgres");
    }
    List<String> importing = schemes.stream().filter(MoveProbe::canImport).toList();
    List<String> archiving = schemes.stream().filter(MoveProbe::canArchive).toList();
    String events = String.valueOf(sizes.events());
    jmh.putAll(
        runJmh(
            profile,
            List.of(BUNDLE_EXPORT),
            Map.of("scheme", schemes, "events", List.of(events)),
            false));
    jmh.putAll(
        runJmh(
            profile,
            List.of(BUNDLE_IMPORT),
            Map.of("scheme", importing, "events", List.of(events)),
            false));
    jmh.putAll(
        runJmh(
            profile,
            List.of(ARCHIVE_SWEEP),
            Map.of(
                "scheme",
                archiving,
                "runs",
                List.of(String.valueOf(sizes.runs())),
                "eventsPerRun",
                List.of(String.valueOf(sizes.eventsPerRun())),
                "archiveKind",
                List.of("dir")),
            true));
    boolean s3Sweep = s3Endpoint() != null && archiving.contains(S3_SWEEP_SCHEME);
    if (s3Sweep) {
      jmh.putAll(
          runJmh(
              profile,
              List.of(ARCHIVE_SWEEP),
              Map.of(
                  "scheme",
                  List.of(S3_SWEEP_SCHEME),
                  "runs",
                  List.of(String.valueOf(sizes.runs())),
                  "eventsPerRun",
                  List.of(String.valueOf(sizes.eventsPerRun())),
                  "archiveKind",
                  List.of("s3")),
              true));
    }
    Map<String, DeliveryLatency.Result> latency = new TreeMap<>();
    double seconds = profile == Profile.SMOKE ? 0.3 : profile == Profile.SHORT ? 3 : 10;
    DeliveryLatency.measure("memory:", 1, 10_000, Math.min(1, seconds)); // warm-up
    for (int subscribers : new int[] {1, 100}) {
      latency.put(
          "memory:" + subscribers,
          DeliveryLatency.measure("memory:", subscribers, 10_000, seconds));
    }
    Map<String, String> heap = new TreeMap<>();
    for (String kind : List.of("sqlite", "file")) {
      heap.put(kind, heapCheck(kind));
    }
    Optional<Path> runsLauncher = CliLsTiming.launcher();
    CliLsTiming.Result cliLs =
        runsLauncher.isEmpty()
            ? null
            : CliLsTiming.measure(
                runsLauncher.get(),
                profile == Profile.SMOKE ? 3 : profile == Profile.SHORT ? 10 : 30);
    List<Row> rows = rows(jmh, latency, heap, postgres);
    rows.addAll(moveRows(jmh, sizes, schemes, importing, archiving));
    LiveExportKeepUp.Result live =
        LiveExportKeepUp.measure(
            10_000,
            profile == Profile.SMOKE ? 1 : profile == Profile.SHORT ? 5 : 10,
            "sqlite",
            false);
    ObservabilityPaired.Result paired =
        ObservabilityPaired.measure(
            "sqlite",
            profile == Profile.SMOKE ? 0.2 : 2,
            profile == Profile.SMOKE ? 2 : profile == Profile.SHORT ? 4 : 8,
            16,
            false);
    rows.addAll(observabilityRows(jmh, live, paired));
    List<String> notes = new ArrayList<>();
    if (cliLs != null) {
      rows.add(cliLsRow(cliLs));
    } else {
      notes.add(
          "The `runs ls` timing was not run: build the tool first (mvn -pl runs-cli -am package"
              + " -DskipTests).");
    }
    List<String> noImport = schemes.stream().filter(x -> !importing.contains(x)).toList();
    if (!noImport.isEmpty()) {
      notes.add(
          "Bundle import rows for "
              + String.join(", ", noImport)
              + " were not run: this build's engine cannot import runs yet.");
    }
    List<String> noArchive = schemes.stream().filter(x -> !archiving.contains(x)).toList();
    if (!noArchive.isEmpty()) {
      notes.add(
          "Archive sweep rows for "
              + String.join(", ", noArchive)
              + " were not run: this build's engine cannot archive runs yet.");
    }
    if (!s3Sweep) {
      notes.add(
          "The archive sweep to S3 was not run: start an S3 server (.ci/s3-server start) and set"
              + " RUNS_S3_ENDPOINT (http://127.0.0.1:9309).");
    }
    return render(
        profile, rows, started, Duration.between(started, Instant.now()), postgres, notes);
  }

  /** The command-line tool's start: {@code runs ls} timed like hyperfine, target under 1 s. */
  /**
   * The listing rows of one store: the newest 50 runs of one thread, of one label and of one
   * workflow, each of which 100 of the 100,000 runs share ({@link ListByThreadBenchmark}). The
   * issue's target, 5 ms, is for the thread's listing.
   */
  private static void listRows(
      List<Row> rows, String group, String store, Map<String, Double> s, String note) {
    String[][] listings = {
      {"listByThread", "one thread's"},
      {"listByLabel", "one label's"},
      {"listByWorkflow", "one workflow's"}
    };
    for (String[] l : listings) {
      Double micros = s.get("ListByThreadBenchmark." + l[0] + "[store=" + store + "]");
      boolean judged = l[0].equals("listByThread");
      rows.add(
          new Row(
              group,
              "list " + l[1] + " newest 50 among 100,000 runs",
              "µs/call",
              micros,
              null,
              null,
              judged ? "<= 5,000 µs" : "",
              judged && micros != null
                  ? (micros <= 5_000 ? "met" : "missed") + (note.isEmpty() ? "" : "; " + note)
                  : note));
    }
  }

  static Row cliLsRow(CliLsTiming.Result r) {
    return new Row(
        "CLI",
        String.format(
            Locale.ROOT,
            "`runs ls` on a SQLite store of %,d runs (the launcher, a new JVM each time; %d timed"
                + " runs after a warm-up, wall)",
            r.runs(),
            r.millis().size()),
        "ms median",
        (double) r.median(),
        null,
        null,
        "< 1,000 ms",
        String.format(
            Locale.ROOT,
            "min %d, median %d, max %d ms at load average %.1f — %s",
            r.min(),
            r.median(),
            r.max(),
            r.loadAverage(),
            r.median() < 1000 ? "met" : "missed"));
  }

  /** The store whose runs the report also archives to S3, when an S3 server is configured. */
  private static final String S3_SWEEP_SCHEME = "sqlite";

  /**
   * @return the S3 server the archive sweep can use ({@code RUNS_S3_ENDPOINT}), or null
   */
  private static String s3Endpoint() {
    String endpoint = System.getenv("RUNS_S3_ENDPOINT");
    return endpoint == null || endpoint.isBlank() ? null : endpoint;
  }

  /**
   * Runs benchmarks with the profile's settings.
   *
   * @param jmhParams JMH parameters to set, by name (empty: the benchmarks' defaults)
   * @param singleShot whether the benchmarks time one long operation per iteration: then the short
   *     and long profiles use one fork, one warm-up and two (short) or three (long) iterations
   */
  private static Map<String, Double> runJmh(
      Profile profile,
      List<String> includes,
      Map<String, List<String>> jmhParams,
      boolean singleShot)
      throws RunnerException {
    if (jmhParams.values().stream().anyMatch(List::isEmpty)) {
      return Map.of(); // e.g. no store can archive yet
    }
    ChainedOptionsBuilder o =
        new OptionsBuilder().shouldFailOnError(true).param("durability", "full");
    for (String include : includes) {
      o.include(include);
    }
    for (Map.Entry<String, List<String>> p : jmhParams.entrySet()) {
      o.param(p.getKey(), p.getValue().toArray(String[]::new));
    }
    switch (profile) {
      case SMOKE ->
          o.forks(0)
              .warmupIterations(0)
              .measurementIterations(1)
              .measurementTime(TimeValue.milliseconds(200));
      case SHORT ->
          o.forks(1)
              .warmupIterations(1)
              .warmupTime(TimeValue.seconds(2))
              .measurementIterations(2)
              .measurementTime(TimeValue.seconds(2));
      case LONG ->
          o.forks(2)
              .warmupIterations(2)
              .warmupTime(TimeValue.seconds(5))
              .measurementIterations(5)
              .measurementTime(TimeValue.seconds(5));
      default -> throw new IllegalStateException(profile.name());
    }
    if (singleShot && profile != Profile.SMOKE) {
      o.forks(1).warmupIterations(1).measurementIterations(profile == Profile.LONG ? 3 : 2);
    }
    if (profile != Profile.SMOKE) {
      o.jvmArgsAppend(singleShot ? "-Xmx2g" : "-Xmx1g");
    }
    Collection<RunResult> results = new Runner(o.build()).run();
    Map<String, Double> scores = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      String key = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      StringBuilder params = new StringBuilder();
      for (String p : r.getParams().getParamsKeys()) {
        if (!p.equals("durability") && !p.equals("lanes")) {
          params.append('[').append(p).append('=').append(r.getParams().getParam(p)).append(']');
        }
      }
      scores.put(key + params, r.getPrimaryResult().getScore());
    }
    return scores;
  }

  private static List<Row> rows(
      Map<String, Double> s,
      Map<String, DeliveryLatency.Result> latency,
      Map<String, String> heap,
      boolean postgres) {
    List<Row> rows = new ArrayList<>();
    String sq = "SqliteAppendBenchmark.";
    String ax = "AxonAppendBenchmark.";
    String ev = "events/s";
    rows.add(
        append(
            "SQLite",
            "durable append, 1 writer",
            s.get(sq + "storeOwnRun01"),
            s.get(sq + "rawTx001"),
            s.get(ax + "appendSyncOwnAggregate[threads=1]"),
            null));
    rows.add(
        append(
            "SQLite",
            "durable append, 4 writers, own runs",
            s.get(sq + "storeOwnRun04"),
            s.get(sq + "rawSpreadTx04"),
            s.get(ax + "appendSyncOwnAggregate[threads=4]"),
            null));
    rows.add(
        append(
            "SQLite",
            "durable append, 16 writers, own runs",
            s.get(sq + "storeOwnRun16"),
            s.get(sq + "rawSpreadTx16"),
            s.get(ax + "appendSyncOwnAggregate[threads=16]"),
            0.7));
    rows.add(
        append(
            "SQLite",
            "durable append, 4 writers, one hot run",
            s.get(sq + "storeHotRun04"),
            s.get(sq + "rawTx004"),
            s.get(ax + "appendSyncHotAggregate[threads=4]"),
            null));
    rows.add(
        append(
            "SQLite",
            "durable append, 16 writers, one hot run",
            s.get(sq + "storeHotRun16"),
            s.get(sq + "rawTx016"),
            s.get(ax + "appendSyncHotAggregate[threads=16]"),
            0.7));
    Double own16 = s.get(sq + "storeOwnRun16");
    Double perEvent = s.get(sq + "rawTx001");
    rows.add(
        new Row(
            "SQLite",
            "16 writers vs one transaction per event (ceiling = raw 1 row/tx)",
            ev,
            own16,
            perEvent,
            null,
            ">= 20x",
            verdict(ratio(own16, perEvent), 20)));
    Double pipe = s.get(sq + "storePipelined256");
    rows.add(
        new Row(
            "SQLite",
            "one producer, 256 async appends in flight",
            ev,
            pipe,
            s.get(sq + "rawTx256"),
            s.get(ax + "appendBatch256"),
            ">= 250,000/s, >= 2x peer",
            absolute(pipe, 250_000)));
    Double read = s.get("SqliteReadBenchmark.storeReadRun");
    rows.add(
        new Row(
            "SQLite",
            "read a 1,000,000-event run",
            ev,
            read,
            s.get("SqliteReadBenchmark.rawSelect"),
            null,
            ">= 500,000/s",
            absolute(read, 500_000)));
    listRows(rows, "SQLite", "sqlite", s, "");
    String fa = "FileAppendBenchmark.";
    rows.add(
        append(
            "file",
            "durable append, 1 writer",
            s.get(fa + "append_ownRun_1"),
            s.get(fa + "raw_ownFile_1"),
            null,
            0.8));
    rows.add(
        append(
            "file",
            "durable append, 4 writers, own runs",
            s.get(fa + "append_ownRun_4"),
            s.get(fa + "raw_ownFile_4"),
            null,
            0.8));
    rows.add(
        append(
            "file",
            "durable append, 16 writers, own runs",
            s.get(fa + "append_ownRun_16"),
            s.get(fa + "raw_ownFile_16"),
            null,
            0.8));
    rows.add(
        append(
            "file",
            "durable append, 4 writers, one hot run",
            s.get(fa + "append_hotRun_4"),
            s.get(fa + "raw_groupOf_4"),
            null,
            0.8));
    rows.add(
        append(
            "file",
            "durable append, 16 writers, one hot run",
            s.get(fa + "append_hotRun_16"),
            s.get(fa + "raw_groupOf_16"),
            null,
            0.8));
    Double filePipe = s.get(fa + "append_pipelined256");
    rows.add(
        new Row(
            "file",
            "one producer, 256 async appends in flight",
            ev,
            filePipe,
            s.get(fa + "raw_groupOf_256"),
            null,
            ">= 500,000/s",
            absolute(filePipe, 500_000)));
    Double fileRead = s.get("FileReadBenchmark.read_1MEvents");
    rows.add(
        new Row(
            "file",
            "read a 1,000,000-event run",
            ev,
            fileRead,
            null,
            null,
            ">= 1,000,000/s",
            absolute(fileRead, 1_000_000)));
    Double fileSeek = s.get("FileReadBenchmark.read_after999000");
    rows.add(
        new Row(
            "file",
            "read the last 1,000 of a 1,000,000-event run (after=999,000)",
            "ms/call",
            fileSeek,
            null,
            null,
            "<= 5 ms",
            fileSeek == null ? "not measured" : fileSeek <= 5 ? "met" : "missed"));
    listRows(rows, "file", "file", s, "from the listing index");
    if (postgres) {
      String pg = "PostgresAppendBenchmark.";
      rows.add(
          append(
              "PostgreSQL",
              "durable append, 1 writer",
              s.get(pg + "store_w01"),
              s.get(pg + "ceiling_w01"),
              null,
              null));
      rows.add(
          append(
              "PostgreSQL",
              "durable append, 4 writers",
              s.get(pg + "store_w04"),
              s.get(pg + "ceiling_w04"),
              null,
              null));
      rows.add(
          append(
              "PostgreSQL",
              "durable append, 16 writers",
              s.get(pg + "store_w16"),
              s.get(pg + "ceiling_w16"),
              null,
              0.7));
    }
    String hc = "HashChainCostBenchmark.append_ownRun_16";
    for (String store : List.of("sqlite", "file", "memory")) {
      Double on = s.get(hc + "[chain=on][store=" + store + "]");
      Double off = s.get(hc + "[chain=off][store=" + store + "]");
      boolean durable = !store.equals("memory");
      rows.add(
          new Row(
              "hash chain",
              store
                  + ", 16 writers with hash_chain=on (ceiling = off)"
                  + (durable ? "" : ": CPU only, no I/O"),
              ev,
              on,
              off,
              null,
              durable ? "≥ 0.95x" : "",
              durable ? verdict(ratio(on, off), 0.95) : ""));
    }
    String ws = "WritersWithSubscribersBenchmark.append";
    Double alone = s.get(ws + "[subscriber=none]");
    Double stalled = s.get(ws + "[subscriber=stalled]");
    rows.add(
        new Row(
            "subscribe",
            "writer throughput with a stalled subscriber (ceiling = no subscriber)",
            ev,
            stalled,
            alone,
            null,
            "unaffected",
            verdict(ratio(stalled, alone), 0.9)));
    rows.add(
        new Row(
            "subscribe",
            "writer throughput with an active subscriber (ceiling = no subscriber)",
            ev,
            s.get(ws + "[subscriber=active]"),
            alone,
            null,
            "",
            ""));
    for (Map.Entry<String, DeliveryLatency.Result> e : latency.entrySet()) {
      DeliveryLatency.Result r = e.getValue();
      rows.add(
          new Row(
              "subscribe",
              String.format(
                  Locale.ROOT,
                  "delivery p50 / p99 / max, %d subscriber%s, 10,000 events/s",
                  r.subscribers(),
                  r.subscribers() == 1 ? "" : "s"),
              "µs",
              r.p99Micros(),
              null,
              null,
              r.subscribers() == 100 ? "p99 < 2,000 µs" : "",
              String.format(
                  Locale.ROOT,
                  "p50 %.0f, p99 %.0f, max %.0f%s",
                  r.p50Micros(),
                  r.p99Micros(),
                  r.maxMicros(),
                  r.subscribers() == 100 ? (r.p99Micros() < 2000 ? " — met" : " — missed") : "")));
    }
    String mcp = "McpEmitBenchmark.";
    for (String transport : List.of("http", "stdio")) {
      Double ours = s.get(mcp + transport);
      Double direct = s.get(mcp + "direct");
      Double r = ratio(ours, direct);
      rows.add(
          new Row(
              "SQLite",
              "MCP runs_emit_event, batches of "
                  + McpEmitBenchmark.BATCH
                  + ", over "
                  + (transport.equals("http") ? "streamable HTTP (loopback)" : "stdio (child JVM)")
                  + " (ceiling = direct append of the same batches)",
              "events/s",
              ours,
              direct,
              null,
              "",
              r == null ? "not measured" : String.format(Locale.ROOT, "%.2fx direct", r)));
    }
    for (Map.Entry<String, String> e : heap.entrySet()) {
      rows.add(
          new Row(
              "memory",
              "read a 1,000,000-event run with -Xmx64m (" + e.getKey() + ")",
              "MB peak heap",
              peakHeap(e.getValue()),
              null,
              null,
              "read succeeds",
              e.getValue().contains("heap-check") ? "succeeded" : "FAILED: " + e.getValue()));
    }
    return rows;
  }

  /**
   * The observability rows: the append path with both modules on beside it with none (SQLite, 16
   * writers), what each module's commit observer costs per event (beside the empty loop), and
   * whether the live trace export keeps up with 10,000 events/s. The 5% target is judged on the
   * paired measurement ({@link ObservabilityPaired}: variants alternating within each round, the
   * median of the rounds' ratios), not on the JMH rows, whose fsync-bound iterations vary by more
   * than the effect.
   */
  static List<Row> observabilityRows(
      Map<String, Double> s, LiveExportKeepUp.Result live, ObservabilityPaired.Result paired) {
    List<Row> rows = new ArrayList<>();
    String ob = "ObservabilityOverheadBenchmark.ownRun16";
    Double off = s.get(ob + "[observability=off]");
    for (String variant : List.of("on", "metrics", "traces")) {
      Double ours = s.get(ob + "[observability=" + variant + "]");
      Double r = ratio(ours, off);
      rows.add(
          new Row(
              "observability",
              "durable append, 16 writers, own runs, SQLite, "
                  + switch (variant) {
                    case "on" -> "metrics and live traces on";
                    case "metrics" -> "metrics on";
                    default -> "live traces on";
                  }
                  + " (ceiling = neither)",
              "events/s",
              ours,
              off,
              null,
              "",
              variant.equals("on")
                  ? fmtRatio(r) + " (JMH; iterations vary more than the effect: see the paired row)"
                  : fmtRatio(r)));
    }
    rows.add(
        new Row(
            "observability",
            "durable append, 16 writers, own agent-shaped runs, SQLite, metrics and live traces on,"
                + " paired with neither in each of "
                + paired.rounds()
                + " rounds (ceiling = neither)",
            "events/s",
            paired.onRate(),
            paired.offRate(),
            null,
            ">= 0.95x",
            String.format(
                Locale.ROOT,
                "%s: median ratio %.2fx, mean %s; CPU per event %.2fx",
                verdict(paired.ratio(), 0.95),
                paired.ratio(),
                paired.ratioMean(),
                paired.cpuRatio())));
    String oc = "ObserverCostBenchmark.";
    Double base = s.get(oc + "baseline");
    for (String module : List.of("metrics", "traces")) {
      Double cost = s.get(oc + module);
      Double net = cost == null || base == null ? null : Math.max(0, cost - base);
      rows.add(
          new Row(
              "observability",
              (module.equals("metrics") ? "RunsMetrics" : "RunTraceExporter (live enqueue)")
                  + " commit observer, one agent-shaped event per commit (its own cost: the"
                  + " call minus the loop around it)",
              "ns/event",
              net,
              null,
              null,
              "",
              net == null
                  ? "not measured"
                  : String.format(Locale.ROOT, "%.0f ns with the loop, %.0f without", cost, base)));
    }
    rows.add(
        new Row(
            "observability",
            "live trace export at 10,000 events/s, SQLite, default queue (65,536)",
            "events/s",
            live.rate(),
            10_000.0,
            null,
            "0 dropped",
            String.format(
                Locale.ROOT,
                "%d dropped, %d of %d folded %.0f ms after the last append, %d spans%s",
                live.dropped(),
                live.folded(),
                live.expected(),
                live.caughtUpMillis(),
                live.spans(),
                live.dropped() == 0 && live.folded() >= live.expected() ? " — met" : " — missed")));
    return rows;
  }

  /**
   * The bundle and archive rows: export beside the store's own read, import beside the raw insert
   * ceiling (both from ms per whole run), and the sweep's throughput (from seconds per sweep).
   */
  private static List<Row> moveRows(
      Map<String, Double> s,
      MoveSizes sizes,
      List<String> schemes,
      List<String> importing,
      List<String> archiving) {
    List<Row> rows = new ArrayList<>();
    String ev = "events/s";
    String run = String.format(Locale.ROOT, "%,d-event run", sizes.events());
    for (String scheme : schemes) {
      String group = storeName(scheme);
      Double export = perSecond(sizes.events(), score(s, "BundleBenchmark.export", scheme), 1e3);
      Double read = perSecond(sizes.events(), score(s, "BundleBenchmark.read", scheme), 1e3);
      // the memory store's read hands out objects it holds: no medium, no target
      boolean medium = !scheme.equals("memory");
      rows.add(
          new Row(
              group,
              "export a "
                  + run
                  + " to a bundle file (ceiling = the store's own read"
                  + (medium ? ")" : ", objects in memory)"),
              ev,
              export,
              read,
              null,
              medium ? ">= 0.8x ceiling" : "",
              medium ? verdict(ratio(export, read), 0.8) : ""));
      Double toStream =
          perSecond(sizes.events(), score(s, "BundleBenchmark.exportToStream", scheme), 1e3);
      if (toStream != null) {
        rows.add(
            new Row(
                group,
                "export that run to a stream (a new file, never forced; ceiling = the store's own"
                    + " read"
                    + (medium ? ")" : ", objects in memory)"),
                ev,
                toStream,
                read,
                null,
                medium ? ">= 0.8x ceiling" : "",
                medium ? verdict(ratio(toStream, read), 0.8) : ""));
      }
      if (importing.contains(scheme)) {
        Double imported =
            perSecond(sizes.events(), score(s, "BundleBenchmark.importInto", scheme), 1e3);
        Double raw = perSecond(sizes.events(), score(s, "BundleBenchmark.ceiling", scheme), 1e3);
        rows.add(
            new Row(
                group,
                "import that bundle into an empty store (ceiling = " + importCeiling(scheme) + ")",
                ev,
                imported,
                raw,
                null,
                medium ? ">= 0.7x ceiling" : "",
                medium ? verdict(ratio(imported, raw), 0.7) : ""));
      }
      if (archiving.contains(scheme)) {
        rows.add(sweepRow(s, sizes, group, scheme, "dir", "dir:"));
        if (scheme.equals(S3_SWEEP_SCHEME) && s3Endpoint() != null) {
          rows.add(sweepRow(s, sizes, group, scheme, "s3", "the loopback S3 server"));
        }
      }
    }
    return rows;
  }

  /**
   * @param kind the sweep's {@code archiveKind}
   * @param where the archive, as the row names it
   * @return the row of one archive sweep: events and runs per second
   */
  private static Row sweepRow(
      Map<String, Double> s,
      MoveSizes sizes,
      String group,
      String scheme,
      String kind,
      String where) {
    long events = (long) sizes.runs() * sizes.eventsPerRun();
    Double seconds = score(s, "ArchiveSweepBenchmark.sweep", scheme, "[archiveKind=" + kind + "]");
    Double runsPerSecond = perSecond(sizes.runs(), seconds, 1);
    return new Row(
        group,
        String.format(
            Locale.ROOT,
            "archive sweep of %,d runs x %,d events to %s, verified",
            sizes.runs(),
            sizes.eventsPerRun(),
            where),
        "events/s",
        perSecond(events, seconds, 1),
        null,
        null,
        "throughput reported",
        runsPerSecond == null
            ? "not measured"
            : String.format(Locale.ROOT, "%,.0f runs/s", runsPerSecond));
  }

  private static String storeName(String scheme) {
    return switch (scheme) {
      case "sqlite" -> "SQLite";
      case "postgres" -> "PostgreSQL";
      case "memory" -> "in-memory";
      default -> scheme;
    };
  }

  private static String importCeiling(String scheme) {
    return switch (scheme) {
      case "sqlite" -> "raw JDBC batch insert of the same rows, one transaction";
      case "postgres" -> "raw COPY of the same rows, one transaction";
      case "file" -> "one write of the same bytes, then force";
      default -> "decoding the lines once; no medium";
    };
  }

  /** The score of a benchmark run with {@code scheme}, whatever its other parameters. */
  private static Double score(Map<String, Double> s, String benchmark, String scheme) {
    return score(s, benchmark, scheme, "");
  }

  /** The score of a benchmark run with {@code scheme} whose key also holds {@code param}. */
  private static Double score(
      Map<String, Double> s, String benchmark, String scheme, String param) {
    for (Map.Entry<String, Double> e : s.entrySet()) {
      if (e.getKey().startsWith(benchmark + "[")
          && e.getKey().contains("[scheme=" + scheme + "]")
          && e.getKey().contains(param)) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * @param count things done per operation
   * @param perOp the score: time per operation
   * @param unitsPerSecond units of the score in a second (1,000 for ms/op)
   * @return things per second, or null when not measured
   */
  private static Double perSecond(long count, Double perOp, double unitsPerSecond) {
    return perOp == null || perOp <= 0 ? null : count / (perOp / unitsPerSecond);
  }

  private static Row append(
      String group, String scenario, Double ours, Double ceiling, Double peer, Double target) {
    String t = target == null ? "" : String.format(Locale.ROOT, ">= %.1fx ceiling", target);
    if (peer != null) {
      t = t.isEmpty() ? ">= 2x peer" : t + ", >= 2x peer";
    }
    String v = target == null ? "" : verdict(ratio(ours, ceiling), target);
    if (peer != null) {
      String pv = verdict(ratio(ours, peer), 2);
      v = v.isEmpty() ? "peer " + pv : v + "; peer " + pv;
    }
    return new Row(group, scenario, "events/s", ours, ceiling, peer, t, v);
  }

  private static Double ratio(Double a, Double b) {
    return a == null || b == null || b == 0 ? null : a / b;
  }

  private static String verdict(Double ratio, double target) {
    return ratio == null ? "not measured" : ratio >= target ? "met" : "missed";
  }

  private static String absolute(Double value, double target) {
    return value == null ? "not measured" : value >= target ? "met" : "missed";
  }

  private static Double peakHeap(String line) {
    Matcher m = Pattern.compile("peak_heap_mb=([0-9.]+)").matcher(line);
    return m.find() ? Double.valueOf(m.group(1)) : null;
  }

  private static String heapCheck(String kind) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path")));
    cmd.add("-Druns.bench.events=" + Bench.events());
    if (System.getProperty("runs.bench.dir") != null) {
      cmd.add("-Druns.bench.dir=" + System.getProperty("runs.bench.dir"));
    }
    cmd.addAll(List.of(HeapCheck.class.getName(), kind));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.append(line).append('\n');
      }
    }
    int code = p.waitFor();
    String text = output.toString().trim();
    String last = text.lines().filter(l -> l.startsWith("heap-check")).findFirst().orElse(text);
    return code == 0 ? last : "exit " + code + ": " + failureLine(text);
  }

  /**
   * The line that says why a child JVM failed: the first line of its exception (a stack trace ends
   * with "... N more", which says nothing), or its last line when it printed no exception.
   *
   * @param output what the child printed
   * @return one line of it
   */
  static String failureLine(String output) {
    return output
        .lines()
        .map(String::strip)
        .filter(
            l ->
                l.startsWith("Exception in thread") || l.matches("^[\\w.$]+(Exception|Error)\\b.*"))
        .findFirst()
        .orElseGet(() -> output.lines().reduce((a, b) -> b).orElse(""));
  }

  private static boolean postgresAnswers() {
    String url = System.getenv("RUNS_PG_URL");
    URI uri =
        URI.create(
            url == null || url.isBlank() ? "postgres://postgres@127.0.0.1:5432/test" : url.trim());
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort()), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String render(
      Profile profile,
      List<Row> rows,
      Instant started,
      Duration took,
      boolean postgres,
      List<String> notes) {
    StringBuilder b = new StringBuilder();
    b.append("# Benchmark report\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Profile `%s`, run %s, took %d min %d s. Machine: %s.%n%n",
            profile.name().toLowerCase(Locale.ROOT),
            started,
            took.toMinutes(),
            took.toSecondsPart(),
            machine()));
    if (profile == Profile.SMOKE) {
      b.append(
          "**Smoke profile: every benchmark ran once on small data; these figures mean"
              + " nothing.**\n\n");
    }
    b.append(
        "Ours, the ceiling (the raw driver or file API doing the same writes with the same batch"
            + " size and durability) and the peer (Axon Framework 4.13's JDBC event store on"
            + " SQLite, WAL, synchronous=FULL) ran side by side in this one run. Ratios are ours /"
            + " ceiling and ours / peer. On a shared 2-core machine with a noisy disk, single"
            + " figures swing by 2-3x between runs; the ratios are steadier.\n\n");
    b.append(
        "| store | scenario | ours | ceiling | ours / ceiling | peer | ours / peer | target |"
            + " verdict |\n");
    b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
    for (Row r : rows) {
      boolean latencyRow = r.unit().equals("µs");
      b.append("| ")
          .append(r.group())
          .append(" | ")
          .append(r.scenario())
          .append(" | ")
          .append(latencyRow ? fmt(r.ours()) + " µs p99" : fmt(r.ours()) + " " + r.unit())
          .append(" | ")
          .append(fmt(r.ceiling()))
          .append(" | ")
          .append(fmtRatio(ratio(r.ours(), r.ceiling())))
          .append(" | ")
          .append(fmt(r.peer()))
          .append(" | ")
          .append(fmtRatio(ratio(r.ours(), r.peer())))
          .append(" | ")
          .append(r.target())
          .append(" | ")
          .append(r.verdict())
          .append(" |\n");
    }
    if (!postgres) {
      b.append("\nPostgreSQL rows were not run: no server answered at RUNS_PG_URL.\n");
    }
    for (String note : notes) {
      b.append('\n').append(note).append('\n');
    }
    b.append(
        "\n"
            + "Rerun: `mvn -q -pl runs-bench -am package exec:exec -DskipTests` (short profile), or"
            + " `java -cp runs-bench/target/benchmarks.jar dev.runs.bench.BenchReport --profile"
            + " long`.\n");
    return b.toString();
  }

  private static String fmt(Double v) {
    if (v == null) {
      return "–";
    }
    return v >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String fmtRatio(Double r) {
    return r == null ? "–" : String.format(Locale.ROOT, "%.2fx", r);
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .orElse(cpu);
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it unknown
    }
    long mem = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      mem = os.getTotalMemorySize() / (1024L * 1024 * 1024);
    }
    return String.format(
        Locale.ROOT,
        "%d cores (%s), %d GiB RAM, %s %s, Java %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        mem,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.version"));
  }
}
