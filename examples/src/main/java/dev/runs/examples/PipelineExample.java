package dev.runs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.EventStream;
import dev.runs.RunContext;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunSummary;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.payload.TableSummary;
import dev.runs.payload.ValidationSummary;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An engine-style pipeline recorded by Runs. A data engine compiles a job (phase {@code build}),
 * then executes it (phase {@code run}: extract, transform, validate, load), printing console lines
 * as it goes, a {@code table.summary} for every table it produces and a {@code validation.summary}
 * for its checks. The orchestrator persists the run's {@link RunSummary} with the final event; the
 * example reads the recorded run back and prints it.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=dev.runs.examples.PipelineExample
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=dev.runs.examples.PipelineExample \
 *     -Dexec.args="--store sqlite:/tmp/pipeline.db"
 * </pre>
 */
public final class PipelineExample {
  static final String WORKFLOW = "orders-etl";
  static final String VERSION = "4";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One order line as the source file has it. */
  record Order(String orderId, String customer, String amount, String currency) {}

  /** What the build phase produces: the compiled job. */
  record Plan(String source, List<String> transforms, String target) {}

  /** A table handed from one step to the next. */
  record Table(String name, List<Order> rows) {}

  /** What the transform step produces. */
  record Split(Table clean, Table quarantine) {}

  private static final List<Order> SOURCE =
      List.of(
          new Order("o-1001", "c-17", "19.90", "eur"),
          new Order("o-1002", "c-03", "5.00", "EUR"),
          new Order("o-1003", "c-17", "120.00", "usd"),
          new Order("o-1002", "c-03", "5.00", "EUR"),
          new Order("o-1004", "c-22", "-3.50", "EUR"),
          new Order("o-1005", "c-08", "42.00", "usd"),
          new Order("o-1006", "c-11", "7.25", "EUR"),
          new Order("o-1007", "c-03", "64.10", "Eur"));

  private PipelineExample() {}

  /**
   * Runs the pipeline once and prints what was recorded.
   *
   * @param args {@code [--store <uri>]}, {@code memory:} by default
   */
  public static void main(String[] args) {
    run(ExampleArgs.storeUri(args), System.out);
  }

  /**
   * Runs the pipeline on a store and prints the recorded run.
   *
   * @param storeUri the store
   * @param out where to print
   * @return the run's id
   */
  static RunId run(String storeUri, PrintStream out) {
    try (RunStore store = RunStores.open(storeUri);
        RunOrchestrator orchestrator =
            RunOrchestrator.builder(store)
                .workflow(WORKFLOW, VERSION, PipelineExample::pipeline)
                .build()) {
      RunHandle run =
          orchestrator.start(
              RunRequest.builder()
                  .workflow(WORKFLOW, VERSION)
                  .config(
                      ConfigSnapshot.builder()
                          .input("source", "s3://acme-raw/orders/2026-03-02.csv")
                          .input("target", "warehouse.orders")
                          .set("engine", Map.of("threads", 2, "dedupe_key", "order_id"))
                          .build())
                  .budget(Budget.none().withMaxWallTime(Duration.ofMinutes(5)))
                  .trigger(
                      Trigger.of(TriggerSource.SCHEDULE, "nightly-orders-" + UUID.randomUUID()))
                  .namespace("acme/etl")
                  .build());
      RunStatus status = run.completion().join();

      out.println("== run " + run.runId() + ": " + status.wireName());
      printRecorded(store, run.runId(), out);
      RunSummary summary = orchestrator.summary(run.runId()).orElseThrow();
      printSummary(summary, out);
      return run.runId();
    }
  }

  /** The engine: build phase, then run phase. */
  static Object pipeline(RunContext ctx) throws Exception {
    String source = ctx.config().at("/inputs/source").map(JsonNode::asText).orElseThrow();
    String target = ctx.config().at("/inputs/target").map(JsonNode::asText).orElseThrow();
    ctx.console("stdout", "orders-etl v4: " + source + " -> " + target);

    AtomicReference<Plan> plan = new AtomicReference<>();
    ctx.phase(
        "build",
        () -> {
          plan.set(
              ctx.step(
                  "compile",
                  Plan.class,
                  () -> {
                    ctx.console("stdout", "parsed job: 3 transforms");
                    return new Plan(
                        source,
                        List.of("dedupe(order_id)", "upper(currency)", "quarantine(amount < 0)"),
                        target);
                  }));
          ctx.step(
              "check-target",
              String.class,
              () -> {
                ctx.console("stdout", "target " + plan.get().target() + " exists, schema matches");
                return "ok";
              });
        });

    Map<String, Object> loaded = new LinkedHashMap<>();
    ctx.phase(
        "run",
        () -> {
          Table raw =
              ctx.step(
                  "extract",
                  Table.class,
                  () -> {
                    ctx.console(
                        "stdout", "read " + SOURCE.size() + " rows from " + plan.get().source());
                    ctx.emit(table("orders_raw", SOURCE));
                    return new Table("orders_raw", SOURCE);
                  });
          Split split = ctx.step("transform", Split.class, () -> transform(ctx, raw));
          Table clean = split.clean();
          ValidationSummary checks =
              ctx.step("validate", ValidationSummary.class, () -> validate(ctx, clean));
          if (!checks.passed()) {
            throw new IllegalStateException(
                "validation failed: " + checks.failures().orElse(0) + " checks");
          }
          int rows =
              ctx.step(
                  "load",
                  Integer.class,
                  () -> {
                    ctx.console(
                        "stdout",
                        "loaded " + clean.rows().size() + " rows into " + plan.get().target());
                    return clean.rows().size();
                  });
          loaded.put("rows_loaded", rows);
          loaded.put("rows_quarantined", split.quarantine().rows().size());
        });
    ctx.highlight("rows_loaded", loaded.get("rows_loaded"));
    ctx.highlight("validation", "4 of 4 checks passed");
    ctx.console("stdout", "done");
    return loaded;
  }

  private static Split transform(RunContext ctx, Table raw) {
    Set<String> seen = new HashSet<>();
    List<Order> clean = new ArrayList<>();
    List<Order> quarantine = new ArrayList<>();
    int duplicates = 0;
    for (Order o : raw.rows()) {
      if (!seen.add(o.orderId())) {
        duplicates++;
        continue;
      }
      Order normalized =
          new Order(o.orderId(), o.customer(), o.amount(), o.currency().toUpperCase(Locale.ROOT));
      if (new BigDecimal(o.amount()).signum() < 0) {
        ctx.console("stderr", "quarantined " + o.orderId() + ": negative amount " + o.amount());
        quarantine.add(normalized);
      } else {
        clean.add(normalized);
      }
    }
    ctx.console(
        "stdout",
        "dropped " + duplicates + " duplicate(s), quarantined " + quarantine.size() + " row(s)");
    ctx.emit(table("orders_clean", clean));
    ctx.emit(table("orders_quarantine", quarantine));
    return new Split(new Table("orders_clean", clean), new Table("orders_quarantine", quarantine));
  }

  private static ValidationSummary validate(RunContext ctx, Table clean) {
    int failures = 0;
    Set<String> ids = new HashSet<>();
    for (Order o : clean.rows()) {
      boolean ok =
          !o.orderId().isBlank()
              && ids.add(o.orderId())
              && new BigDecimal(o.amount()).signum() >= 0
              && Set.of("EUR", "USD").contains(o.currency());
      failures += ok ? 0 : 1;
    }
    ValidationSummary v =
        new ValidationSummary(
            "orders_clean",
            failures == 0,
            OptionalLong.of(4),
            OptionalLong.of(failures == 0 ? 0 : 1));
    ctx.emit(v);
    ctx.console(
        "stdout",
        "validation: not_null(order_id), unique(order_id), amount >= 0,"
            + " currency in (EUR, USD): "
            + (v.passed() ? "passed" : "FAILED"));
    return v;
  }

  private static TableSummary table(String name, List<Order> rows) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("columns", List.of("order_id", "customer", "amount", "currency"));
    details.put("preview", rows.stream().limit(2).map(Order::orderId).toList());
    return new TableSummary(
        name,
        OptionalLong.of(rows.size()),
        OptionalLong.of(4),
        Optional.of(JSON.valueToTree(details)));
  }

  private static void printRecorded(RunStore store, RunId runId, PrintStream out) {
    out.println("-- console");
    try (EventStream events = store.read(runId, 0)) {
      List<String> summaries = new ArrayList<>();
      while (events.hasNext()) {
        RunEvent e = events.next();
        switch (e.type().name()) {
          case "console.line" ->
              out.println(
                  String.format(
                      "  [%s] %s",
                      e.payload().text("stream").orElse(""), e.payload().text("text").orElse("")));
          case "table.summary" -> {
            TableSummary t = e.payload().as(TableSummary.class);
            summaries.add(
                String.format(
                    "  table %-18s %d rows x %d columns",
                    t.table(), t.rows().orElse(0), t.columns().orElse(0)));
          }
          case "validation.summary" -> {
            ValidationSummary v = e.payload().as(ValidationSummary.class);
            summaries.add(
                String.format(
                    "  validation %-13s %s, %d checks, %d failures",
                    v.name(),
                    v.passed() ? "passed" : "FAILED",
                    v.checks().orElse(0),
                    v.failures().orElse(0)));
          }
          default -> {}
        }
      }
      out.println("-- tables and validations");
      summaries.forEach(out::println);
    }
  }

  private static void printSummary(RunSummary s, PrintStream out) {
    out.println("-- persisted summary (from the run's final event)");
    out.println(
        String.format(
            "  status %s, %d ms active, %d events",
            s.status().wireName(),
            s.durationMs(),
            s.countsByType().values().stream().mapToLong(Long::longValue).sum()));
    for (RunSummary.StepSummary step : s.steps()) {
      out.println(
          String.format(
              "  %-5s %-18s %-9s %4d ms",
              step.kind(), step.stepId(), step.status(), step.durationMs()));
    }
    s.highlights().forEach((k, v) -> out.println("  highlight " + k + " = " + v));
    s.output().ifPresent(o -> out.println("  output " + o));
  }
}
