package com.example.host;

import dev.runs.ConfigSnapshot;
import dev.runs.RunContext;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A host application's service recorded with Runs: once a day it fetches the day's sales from the
 * host's own sales system and writes a one-line report. Each report is a run of the workflow {@code
 * daily-report@1} in the given store, with two durable steps ({@code fetch}, a tool call to the
 * sales system, and {@code summarize}); the trigger id is {@code daily-report-<day>}, so asking
 * twice for one day records one run.
 *
 * <p>Thread-safe: {@link #start(String)} may be called from several threads, as the orchestrator
 * allows. {@link #close()} stops the orchestrator; the store stays the caller's to close.
 */
public final class DailyReport implements AutoCloseable {
  /** The workflow's name in the run records. */
  public static final String WORKFLOW = "daily-report";

  /** The host's own dependency: where the day's sales come from. */
  @FunctionalInterface
  public interface SalesSource {
    /**
     * @param day the day, e.g. {@code 2026-01-05}
     * @return the amounts sold that day, in cents
     * @throws IOException when the sales system cannot be reached
     */
    List<Long> amountsInCents(String day) throws IOException;
  }

  private final RunOrchestrator orchestrator;

  /**
   * @param store where the runs are recorded; not closed by {@link #close()}
   * @param sales the sales system
   */
  public DailyReport(RunStore store, SalesSource sales) {
    Objects.requireNonNull(sales, "sales");
    this.orchestrator =
        RunOrchestrator.builder(Objects.requireNonNull(store, "store"))
            .workflow(WORKFLOW, "1", ctx -> report(ctx, sales))
            .build();
  }

  /** The workflow: each step's output is recorded, so a resumed run does not fetch again. */
  private static Map<String, String> report(RunContext ctx, SalesSource sales) throws Exception {
    String day = ctx.config().at("/inputs/day").orElseThrow().asText();
    Long[] amounts =
        ctx.step(
            "fetch",
            Long[].class,
            () ->
                ctx.tool(
                    "sales",
                    "1",
                    Map.of("day", day),
                    () -> sales.amountsInCents(day).toArray(new Long[0])));
    String report = ctx.step("summarize", String.class, () -> summary(day, amounts));
    return Map.of("report", report);
  }

  /**
   * Starts the report of one day, or returns the run already recorded for that day.
   *
   * @param day the day, e.g. {@code 2026-01-05}
   * @return the run; {@code completion()} tells how it ended
   */
  public RunHandle start(String day) {
    return orchestrator.start(
        RunRequest.builder()
            .workflow(WORKFLOW, "1")
            .config(ConfigSnapshot.builder().input("day", day).build())
            .trigger(Trigger.of(TriggerSource.SCHEDULE, "daily-report-" + day))
            .build());
  }

  /**
   * @param day the day
   * @param amounts the amounts in cents
   * @return the report line, e.g. {@code 2026-01-05: 3 sales, 42.50 total}
   */
  static String summary(String day, Long[] amounts) {
    long total = 0;
    for (long a : amounts) {
      total += a;
    }
    return String.format(
        Locale.ROOT,
        "%s: %d sale%s, %d.%02d total",
        day,
        amounts.length,
        amounts.length == 1 ? "" : "s",
        total / 100,
        total % 100);
  }

  /** Stops the orchestrator (waiting for running reports as it does); the store stays open. */
  @Override
  public void close() {
    orchestrator.close();
  }
}
