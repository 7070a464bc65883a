package dev.runs.http;

import static dev.runs.http.Responses.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunEntry;
import dev.runs.RunOrchestrator;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /stats}: an overview of the runs created in a time window, computed from each run's
 * record, status and the summary its final event carries ({@link RunSummary}), never from its
 * events: runs per hour or day by status, the failure rate, p50 and p95 durations, tokens and cost
 * by workflow and by model ({@link RunSummary#byModel()}), and the steps that fail most. Looks at
 * no more than {@value #MAX_RUNS} runs (and says {@code truncated} when there were more).
 * Thread-safe.
 */
final class StatsResource {
  /** Most runs one request folds. */
  static final int MAX_RUNS = 100_000;

  /** Most buckets one answer holds. */
  static final int MAX_BUCKETS = 2_000;

  private static final int TOP_STEPS = 10;

  private final RunOrchestrator orchestrator;
  private final Clock clock;

  StatsResource(RunOrchestrator orchestrator, Clock clock) {
    this.orchestrator = orchestrator;
    this.clock = clock;
  }

  private static final class Group {
    long runs;
    long terminal;
    long failed;
    long inputTokens;
    long outputTokens;
    BigDecimal cost = BigDecimal.ZERO;
    final List<Long> durations = new ArrayList<>();

    ObjectNode toJson() {
      ObjectNode o = Json.object();
      o.put("runs", runs);
      o.put("failed", failed);
      o.put("failure_rate", terminal == 0 ? 0.0 : (double) failed / terminal);
      o.put("input_tokens", inputTokens);
      o.put("output_tokens", outputTokens);
      o.put("total_tokens", inputTokens + outputTokens);
      o.put("cost", cost);
      Collections.sort(durations);
      ObjectNode d = o.putObject("duration_ms");
      d.put("count", durations.size());
      if (!durations.isEmpty()) {
        d.put("p50", percentile(durations, 50));
        d.put("p95", percentile(durations, 95));
        d.put("max", durations.get(durations.size() - 1));
      }
      return o;
    }
  }

  /** The model calls of the window to one model, added up from the summaries' {@code by_model}. */
  private static final class ModelGroup {
    final String provider;
    final String model;
    long runs;
    long calls;
    long failed;
    long inputTokens;
    long outputTokens;
    BigDecimal cost = BigDecimal.ZERO;

    ModelGroup(String provider, String model) {
      this.provider = provider;
      this.model = model;
    }

    void add(RunSummary.ModelUsage m) {
      runs++;
      calls += m.calls();
      failed += m.failed();
      inputTokens += m.usage().inputTokens();
      outputTokens += m.usage().outputTokens();
      cost = cost.add(m.cost());
    }

    ObjectNode toJson() {
      ObjectNode o = Json.object();
      o.put("provider", provider);
      o.put("model", model);
      o.put("runs", runs);
      o.put("calls", calls);
      o.put("failed_calls", failed);
      o.put("input_tokens", inputTokens);
      o.put("output_tokens", outputTokens);
      o.put("total_tokens", inputTokens + outputTokens);
      o.put("cost", cost);
      return o;
    }
  }

  /** Nearest-rank percentile of a sorted, non-empty list. */
  static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  /** {@code GET /stats?since=&until=&group_by=hour|day&namespace=}. */
  ApiResponse get(ApiRequest req) {
    QueryParams q = new QueryParams(req, Set.of("since", "until", "group_by", "namespace"));
    String groupBy = q.text("group_by").orElse("day");
    ChronoUnit unit =
        switch (groupBy) {
          case "hour" -> ChronoUnit.HOURS;
          case "day" -> ChronoUnit.DAYS;
          default ->
              throw ProblemException.validation(
                  "group_by", "must be hour or day but was '" + groupBy + "'");
        };
    Instant until = q.time("until").orElse(clock.instant());
    Instant since = q.time("since").orElse(until.minus(Duration.ofDays(7)));
    if (!since.isBefore(until)) {
      throw ProblemException.validation(
          "since", "must be before until (" + Json.time(until) + ") but was " + Json.time(since));
    }
    Instant first = since.truncatedTo(unit);
    long buckets = unit.between(first, until) + 1;
    if (buckets > MAX_BUCKETS) {
      throw ProblemException.validation(
          "since",
          "covers "
              + buckets
              + " "
              + groupBy
              + "s; at most "
              + MAX_BUCKETS
              + " buckets are served, so pick a later since or group_by=day");
    }
    RunQuery.Builder b = RunQuery.builder().createdFrom(since).createdBefore(until);
    Optional<String> ns = q.text("namespace");
    ns.ifPresent(b::namespace);

    Map<Instant, Map<String, Long>> byBucket = new TreeMap<>();
    Map<String, Long> byStatus = new TreeMap<>();
    Group total = new Group();
    Map<String, Group> byWorkflow = new TreeMap<>();
    Map<String, long[]> failingSteps = new HashMap<>();
    Map<List<String>, ModelGroup> byModel = new HashMap<>();
    long withoutSplit = 0;
    int folded = 0;
    boolean truncated = false;
    String cursor = null;
    pages:
    while (true) {
      b.limit(RunQuery.MAX_LIMIT);
      if (cursor != null) {
        b.cursor(cursor);
      }
      RunPage page = orchestrator.list(b.build());
      for (RunEntry e : page.runs()) {
        if (folded >= MAX_RUNS) {
          truncated = true;
          break pages;
        }
        folded++;
        String status = e.status().wireName();
        Instant bucket = e.record().createdAt().truncatedTo(unit);
        byBucket.computeIfAbsent(bucket, k -> new TreeMap<>()).merge(status, 1L, Long::sum);
        byStatus.merge(status, 1L, Long::sum);
        String wf = e.record().workflow().name() + "@" + e.record().workflow().version();
        Group g = byWorkflow.computeIfAbsent(wf, k -> new Group());
        boolean failed = e.status() == RunStatus.FAILED || e.status() == RunStatus.INTERRUPTED;
        for (Group x : List.of(total, g)) {
          x.runs++;
          if (e.status().isTerminal()) {
            x.terminal++;
          }
          if (failed) {
            x.failed++;
          }
        }
        if (!e.status().isTerminal()) {
          continue;
        }
        Optional<RunSummary> summary =
            Summaries.latest(orchestrator, e.id(), e.status(), e.lastSequence());
        if (summary.isEmpty()) {
          continue;
        }
        RunSummary s = summary.get();
        for (Group x : List.of(total, g)) {
          x.durations.add(s.durationMs());
          x.inputTokens += s.usage().inputTokens();
          x.outputTokens += s.usage().outputTokens();
          x.cost = x.cost.add(s.cost());
        }
        for (RunSummary.ModelUsage m : s.byModel()) {
          byModel
              .computeIfAbsent(
                  List.of(m.provider(), m.model()), k -> new ModelGroup(m.provider(), m.model()))
              .add(m);
        }
        if (s.byModel().isEmpty() && (s.usage().totalTokens() > 0 || s.cost().signum() != 0)) {
          withoutSplit++; // stored by a version before by_model: in the totals, not by model
        }
        for (RunSummary.StepSummary step : s.steps()) {
          if (step.status().equals("failed") || step.attempts() > 1) {
            long[] c = failingSteps.computeIfAbsent(wf + " " + step.stepId(), k -> new long[2]);
            if (step.status().equals("failed")) {
              c[0]++;
            }
            c[1] += step.status().equals("failed") ? step.attempts() : step.attempts() - 1;
          }
        }
      }
      if (page.nextCursor().isEmpty()) {
        break;
      }
      cursor = page.nextCursor().get();
    }

    ObjectNode o = Json.object();
    o.put("since", Json.time(since));
    o.put("until", Json.time(until));
    o.put("group_by", groupBy);
    ns.ifPresent(n -> o.put("namespace", n));
    o.put("runs", folded);
    o.put("truncated", truncated);
    o.set("totals", total.toJson());
    ObjectNode statuses = o.putObject("by_status");
    byStatus.forEach(statuses::put);
    ArrayNode series = o.putArray("buckets");
    for (Instant t = first; t.isBefore(until); t = t.plus(1, unit)) {
      ObjectNode bucket = series.addObject();
      bucket.put("start", Json.time(t));
      ObjectNode counts = bucket.putObject("by_status");
      long n = 0;
      for (Map.Entry<String, Long> c : byBucket.getOrDefault(t, Map.of()).entrySet()) {
        counts.put(c.getKey(), c.getValue());
        n += c.getValue();
      }
      bucket.put("runs", n);
    }
    ArrayNode workflows = o.putArray("by_workflow");
    byWorkflow.forEach(
        (k, g) -> {
          ObjectNode w = g.toJson();
          w.put("workflow", k);
          workflows.add(w);
        });
    ArrayNode models = o.putArray("by_model");
    byModel.values().stream()
        .sorted(
            Comparator.comparing((ModelGroup g) -> g.cost)
                .reversed()
                .thenComparing(g -> g.inputTokens + g.outputTokens, Comparator.reverseOrder())
                .thenComparing(g -> g.provider)
                .thenComparing(g -> g.model))
        .forEach(g -> models.add(g.toJson()));
    o.put("runs_without_model_split", withoutSplit);
    ArrayNode steps = o.putArray("top_failing_steps");
    failingSteps.entrySet().stream()
        .sorted(
            (x, y) ->
                x.getValue()[0] != y.getValue()[0]
                    ? Long.compare(y.getValue()[0], x.getValue()[0])
                    : Long.compare(y.getValue()[1], x.getValue()[1]))
        .limit(TOP_STEPS)
        .forEach(
            e -> {
              int cut = e.getKey().indexOf(' ');
              ObjectNode st = steps.addObject();
              st.put("workflow", e.getKey().substring(0, cut));
              st.put("step_id", e.getKey().substring(cut + 1));
              st.put("failed_runs", e.getValue()[0]);
              st.put("failed_attempts", e.getValue()[1]);
            });
    return json(200, o, Map.of());
  }
}
