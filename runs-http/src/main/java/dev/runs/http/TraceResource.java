package dev.runs.http;

import static dev.runs.http.Responses.JSON;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /runs/{id}/trace}: a run's trace tree ({@link TraceFold}) as a page of nodes, for a
 * run of any size. The fold reads the event log once, in pages, and keeps only its nodes; it is
 * kept for the few runs read last, so that the next page of nodes, or the nodes a live run changed
 * since the reader last looked ({@code since}), costs only the events appended in between.
 * Thread-safe: a fold is locked while it catches up and while a page is written.
 */
final class TraceResource {
  /** Nodes in a page when the request names no limit. */
  static final int DEFAULT_LIMIT = 5000;

  /** The most nodes one page may hold. */
  static final int MAX_LIMIT = 50_000;

  private static final int EVENT_PAGE = 1000;
  private static final int CACHED_RUNS = 16;

  private final RunOrchestrator orchestrator;
  private final long budgetNanos;

  // the folds of the runs read last, least recently read first
  private final Map<RunId, TraceFold> folds =
      new LinkedHashMap<>(CACHED_RUNS * 2, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<RunId, TraceFold> eldest) {
          return size() > CACHED_RUNS;
        }
      };

  /**
   * @param orchestrator the orchestrator whose runs are read
   * @param budget how long one request may fold before it answers with the tree so far (marked
   *     {@code partial}); the next request goes on from there
   */
  TraceResource(RunOrchestrator orchestrator, Duration budget) {
    this.orchestrator = orchestrator;
    this.budgetNanos = budget.toNanos();
  }

  /** {@code GET /runs/{id}/trace?after=&since=&limit=}. */
  ApiResponse get(ApiRequest req, RunId id) {
    QueryParams q = new QueryParams(req, Set.of("after", "since", "limit"));
    int after = (int) (long) q.longValue("after", 0, Integer.MAX_VALUE).orElse(0L);
    long since = q.longValue("since", 0, Long.MAX_VALUE).orElse(0L);
    int limit = (int) (long) q.longValue("limit", 1, MAX_LIMIT).orElse((long) DEFAULT_LIMIT);
    if (orchestrator.get(id).isEmpty()) {
      synchronized (folds) {
        folds.remove(id);
      }
      throw new RunNotFoundException(id);
    }
    TraceFold fold;
    synchronized (folds) {
      fold = folds.computeIfAbsent(id, k -> new TraceFold());
    }
    byte[] body;
    synchronized (fold) {
      boolean partial = !catchUp(id, fold);
      body = page(id, fold, after, since, limit, partial);
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", JSON);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Full(200, h, body);
  }

  /**
   * Folds the events appended since the fold last read, to the run's head now or until the time
   * budget is spent, whichever comes first.
   *
   * @return true when the fold reached the run's head, false when the budget ran out first
   */
  private boolean catchUp(RunId id, TraceFold fold) {
    long deadline = System.nanoTime() + budgetNanos;
    while (true) {
      List<RunEvent> events = orchestrator.events(id, fold.sequence(), EVENT_PAGE);
      for (RunEvent e : events) {
        fold.add(e);
      }
      if (events.size() < EVENT_PAGE) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
    }
  }

  private static byte[] page(
      RunId id, TraceFold fold, int after, long since, int limit, boolean partial) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, fold.size()) * 160 + 512);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("run_id", id.value());
      g.writeStringField("status", fold.status());
      g.writeNumberField("sequence", fold.sequence());
      g.writeBooleanField("partial", partial);
      if (fold.t0() != TraceFold.NONE) {
        g.writeStringField("started_at", Json.time(instant(fold.t0())));
        g.writeNumberField("last_event_ms", (fold.lastTime() - fold.t0()) / 1000.0);
      } else {
        g.writeNullField("started_at");
      }
      g.writeNumberField("node_count", fold.size());
      g.writeFieldName("nodes");
      TraceFold.Page p = fold.write(g, after, since, limit);
      g.writeNumberField("returned", p.returned());
      g.writeBooleanField("truncated", p.more());
      if (p.more()) {
        g.writeStringField(
            "next",
            Links.runPath(id)
                + "/trace?after="
                + p.lastId()
                + (since > 0 ? "&since=" + since : "")
                + "&limit="
                + limit);
      } else {
        g.writeNullField("next");
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return out.toByteArray();
  }

  private static java.time.Instant instant(long micros) {
    return java.time.Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }
}
