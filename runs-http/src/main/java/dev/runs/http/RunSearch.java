package dev.runs.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventCodec;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunOrchestrator;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.TriggerSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The filters of {@code GET /runs} beyond the store's query: {@code workflow} and {@code label},
 * which it hands to the store's query ({@link #applyTo}), and {@code trigger_source} and the full
 * text {@code q} over the listed runs' events, which the store does not know. The store's query
 * picks the candidates, newest first; this class walks them in pages and keeps those that match
 * until the page is full.
 *
 * <p>The work is bounded: one request looks at no more than {@value #MAX_SCANNED_RUNS} candidate
 * runs and reads no more than {@value #MAX_SCANNED_EVENTS} events (at most {@value
 * #MAX_EVENTS_PER_RUN} of one run) for the text search. When it stops at a bound, the answer
 * carries a {@code next_cursor} after the last run looked at, so the next request goes on from
 * there, and a page may hold fewer runs than {@code limit}. Immutable; thread-safe.
 */
final class RunSearch {
  /** Most candidate runs one request looks at. */
  static final int MAX_SCANNED_RUNS = 2_000;

  /** Most events one request reads for the text search. */
  static final int MAX_SCANNED_EVENTS = 200_000;

  /** Most events of one run the text search reads. */
  static final int MAX_EVENTS_PER_RUN = 20_000;

  /** Longest text query. */
  static final int MAX_QUERY_LENGTH = 200;

  private static final int SCAN_PAGE = 200;
  private static final int EVENT_PAGE = 1_000;
  private static final int SNIPPET = 60;

  private final @Nullable String workflowName;
  private final @Nullable String workflowVersion;
  private final Map<String, String> labels;
  private final @Nullable TriggerSource triggerSource;
  private final @Nullable String text;
  private final int limit;
  private final @Nullable String cursor;

  private RunSearch(
      @Nullable String workflowName,
      @Nullable String workflowVersion,
      Map<String, String> labels,
      @Nullable TriggerSource triggerSource,
      @Nullable String text,
      int limit,
      @Nullable String cursor) {
    this.workflowName = workflowName;
    this.workflowVersion = workflowVersion;
    this.labels = labels;
    this.triggerSource = triggerSource;
    this.text = text;
    this.limit = limit;
    this.cursor = cursor;
  }

  /**
   * Reads the search parameters of a {@code GET /runs} query.
   *
   * @throws ProblemException naming the parameter when one is malformed
   */
  static RunSearch from(QueryParams q) {
    String name = null;
    String version = null;
    Optional<String> wf = q.text("workflow");
    if (wf.isPresent()) {
      String w = wf.get().strip();
      int at = w.lastIndexOf('@');
      name = at < 0 ? w : w.substring(0, at);
      version = at < 0 ? null : w.substring(at + 1);
      if (name.isEmpty() || (version != null && version.isEmpty())) {
        throw ProblemException.validation(
            "workflow", "must be a name or name@version such as research@1 but was '" + w + "'");
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (String l : q.all("label")) {
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw ProblemException.validation(
            "label", "must be key=value such as team=search but was '" + l + "'");
      }
      labels.put(l.substring(0, eq), l.substring(eq + 1));
    }
    TriggerSource source = null;
    Optional<String> ts = q.text("trigger_source");
    if (ts.isPresent()) {
      try {
        source = TriggerSource.fromWireName(ts.get());
      } catch (RuntimeException e) {
        throw ProblemException.validation(
            "trigger_source",
            "must be one of ui, api, cli, schedule, test, mcp but was '" + ts.get() + "'");
      }
    }
    String text = q.text("q").map(String::strip).orElse(null);
    if (text != null && (text.isEmpty() || text.length() > MAX_QUERY_LENGTH)) {
      throw ProblemException.validation(
          "q", "must be 1 to " + MAX_QUERY_LENGTH + " characters but was " + text.length());
    }
    int limit = q.longValue("limit", 1, RunQuery.MAX_LIMIT).orElse(50L).intValue();
    return new RunSearch(name, version, labels, source, text, limit, q.text("cursor").orElse(null));
  }

  /**
   * Adds the workflow and label filters to the store's query.
   *
   * @param query the store's query
   * @throws dev.runs.ValidationException when a label key is not one a run can carry
   */
  void applyTo(RunQuery.Builder query) {
    if (workflowName != null) {
      if (workflowVersion != null) {
        query.workflow(workflowName, workflowVersion);
      } else {
        query.workflow(workflowName);
      }
    }
    labels.forEach(query::label);
  }

  /**
   * @return whether a filter the store does not know is set: then {@link #run} walks the runs
   */
  boolean isPresent() {
    return triggerSource != null || text != null;
  }

  /**
   * Runs the search.
   *
   * @param orchestrator where the runs are
   * @param base the store query with the other filters of the request
   * @return the {@code GET /runs} answer: {@code runs}, {@code next_cursor} when there may be more,
   *     and {@code scanned} (candidate runs looked at)
   */
  ObjectNode run(RunOrchestrator orchestrator, RunQuery.Builder base) {
    ObjectNode o = Json.object();
    ArrayNode runs = o.putArray("runs");
    String next = cursor;
    int scanned = 0;
    long events = 0;
    int found = 0;
    RunRecord last = null;
    boolean cut = false; // stopped before the candidates ran out
    String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
    outer:
    while (true) {
      base.limit(SCAN_PAGE);
      if (next != null) {
        base.cursor(next);
      }
      RunPage page = orchestrator.list(base.build());
      for (RunEntry e : page.runs()) {
        if (found >= limit || scanned >= MAX_SCANNED_RUNS || events >= MAX_SCANNED_EVENTS) {
          cut = true;
          break outer;
        }
        scanned++;
        last = e.record();
        if (!matchesRecord(e.record())) {
          continue;
        }
        ObjectNode entry = Json.entry(e);
        if (needle != null) {
          ObjectNode match = null;
          if (e.record().toJson().toLowerCase(Locale.ROOT).contains(needle)) {
            match = Json.object();
            match.put("in", "record");
          }
          long after = 0;
          while (match == null && after < e.lastSequence() && after < MAX_EVENTS_PER_RUN) {
            List<RunEvent> batch = orchestrator.events(e.id(), after, EVENT_PAGE);
            if (batch.isEmpty()) {
              break;
            }
            for (RunEvent ev : batch) {
              events++;
              after = ev.sequence();
              String json = EventCodec.encode(ev);
              int at = json.toLowerCase(Locale.ROOT).indexOf(needle);
              if (at >= 0) {
                match = Json.object();
                match.put("in", "event");
                match.put("sequence", ev.sequence());
                match.put("type", ev.type().name());
                int from = Math.max(0, at - SNIPPET / 2);
                int to = Math.min(json.length(), at + needle.length() + SNIPPET / 2);
                match.put("snippet", json.substring(from, to));
                break;
              }
            }
          }
          if (match == null) {
            continue;
          }
          entry.set("match", match);
        }
        runs.add(entry);
        found++;
      }
      if (page.nextCursor().isEmpty()) {
        break;
      }
      next = page.nextCursor().get();
      if (found >= limit) {
        cut = true;
        break;
      }
    }
    if (cut && last != null) {
      o.put("next_cursor", RunQuery.Cursor.after(last).encode());
    }
    o.put("scanned", scanned);
    return o;
  }

  private boolean matchesRecord(RunRecord r) {
    if (workflowName != null && !r.workflow().name().equals(workflowName)) {
      return false;
    }
    if (workflowVersion != null && !r.workflow().version().equals(workflowVersion)) {
      return false;
    }
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!l.getValue().equals(r.labels().get(l.getKey()))) {
        return false;
      }
    }
    return triggerSource == null || r.trigger().source() == triggerSource;
  }
}
