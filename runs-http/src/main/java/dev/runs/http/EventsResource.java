package dev.runs.http;

import static dev.runs.http.Responses.JSON;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /runs/{id}/events}: a run's events as a JSON array, as NDJSON, or as a Server-Sent
 * Events stream that follows the run to its terminal event ({@link SseStream}), chosen by {@code
 * Accept}. Keeps the open streams so that the server can end them when it closes. Thread-safe.
 */
final class EventsResource {
  private static final int EVENT_PAGE = 500;
  private static final String NDJSON = "application/x-ndjson";
  private static final String SSE = "text/event-stream";

  private final RunOrchestrator orchestrator;
  private final Duration heartbeat;
  private final Set<SseStream> openStreams = ConcurrentHashMap.newKeySet();

  /**
   * @param orchestrator the orchestrator
   * @param heartbeat silence after which an event stream sends a comment line
   */
  EventsResource(RunOrchestrator orchestrator, Duration heartbeat) {
    this.orchestrator = orchestrator;
    this.heartbeat = heartbeat;
  }

  /** Ends every open event stream; used when the server closes. */
  void stopStreams() {
    for (SseStream s : openStreams) {
      s.stop();
    }
  }

  /**
   * @return how many event streams are open
   */
  int openStreams() {
    return openStreams.size();
  }

  private enum Format {
    JSON,
    NDJSON,
    SSE
  }

  /** {@code GET /runs/{id}/events}, after a sequence and up to a limit. */
  ApiResponse get(ApiRequest req, RunId id) {
    QueryParams q = new QueryParams(req, Set.of("after", "limit"));
    long after = q.longValue("after", 0, Long.MAX_VALUE).orElse(0L);
    Optional<Long> limit = q.longValue("limit", 1, Integer.MAX_VALUE);
    if (orchestrator.get(id).isEmpty()) {
      throw new RunNotFoundException(id);
    }
    Format format = negotiate(req.header("Accept").orElse(""));
    if (format == Format.SSE) {
      if (limit.isPresent()) {
        throw ProblemException.validation(
            "limit",
            "does not apply to text/event-stream, which streams"
                + " until the run's terminal event");
      }
      Optional<String> last = req.header("Last-Event-ID");
      if (last.isPresent() && !last.get().isBlank()) {
        try {
          after = Long.parseLong(last.get().strip());
        } catch (NumberFormatException e) {
          after = -1;
        }
        if (after < 0) {
          throw ProblemException.validation(
              "Last-Event-ID",
              "must be the sequence of an event"
                  + " (a non-negative integer) but was '"
                  + last.get()
                  + "'");
        }
      }
      return sse(200, Map.of(), id, after);
    }
    // with a limit the page ends at it (or at a short read); without one, at the head when asked,
    // so that a run still appending does not stream forever. Folding the run for its head reads
    // the whole log, which a paged reader of a large run must not pay for on every page.
    long head = limit.isPresent() ? Long.MAX_VALUE : orchestrator.state(id).lastSequence();
    long from = after;
    long max = limit.orElse(Long.MAX_VALUE);
    boolean ndjson = format == Format.NDJSON;
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", ndjson ? NDJSON + "; charset=utf-8" : JSON);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Streamed(
        200,
        h,
        sink -> {
          long cursor = from;
          long written = 0;
          if (!ndjson) {
            sink.write(new byte[] {'['});
          }
          while (written < max && cursor < head) {
            int want = (int) Math.min(EVENT_PAGE, Math.min(max - written, head - cursor));
            List<RunEvent> page = orchestrator.events(id, cursor, want);
            if (page.isEmpty()) {
              break;
            }
            boolean shortRead = page.size() < want;
            StringBuilder b = new StringBuilder(page.size() * 256);
            for (RunEvent e : page) {
              if (!ndjson && written > 0) {
                b.append(',');
              }
              b.append(EventCodec.encode(e));
              if (ndjson) {
                b.append('\n');
              }
              written++;
              cursor = e.sequence();
            }
            sink.write(b.toString().getBytes(StandardCharsets.UTF_8));
            if (shortRead) {
              break;
            }
          }
          if (!ndjson) {
            sink.write(new byte[] {']'});
          }
        });
  }

  /**
   * @param status the HTTP status
   * @param extra headers besides the stream's own
   * @param id the run
   * @param after the sequence the stream starts after
   * @return an event stream of the run, until its terminal event
   */
  ApiResponse sse(int status, Map<String, String> extra, RunId id, long after) {
    Map<String, String> h = new LinkedHashMap<>(extra);
    h.put("Content-Type", SSE + "; charset=utf-8");
    h.put("Cache-Control", "no-store");
    h.put("X-Accel-Buffering", "no");
    return new ApiResponse.Streamed(
        status, h, new SseStream(orchestrator, id, after, heartbeat, openStreams));
  }

  /** Picks the event format from {@code Accept}: JSON array, NDJSON, or SSE. */
  static Format negotiate(String accept) {
    if (accept.isBlank()) {
      return Format.JSON;
    }
    record Range(String type, double q, int order) {}
    List<Range> ranges = new ArrayList<>();
    String[] parts = accept.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String[] p = parts[i].split(";", -1);
      String type = p[0].strip().toLowerCase(Locale.ROOT);
      double qv = 1.0;
      for (int j = 1; j < p.length; j++) {
        String param = p[j].strip();
        if (param.startsWith("q=")) {
          try {
            qv = Double.parseDouble(param.substring(2));
          } catch (NumberFormatException e) {
            qv = 0;
          }
        }
      }
      if (qv > 0 && !type.isEmpty()) {
        ranges.add(new Range(type, qv, i));
      }
    }
    ranges.sort(Comparator.comparingDouble(Range::q).reversed().thenComparingInt(Range::order));
    for (Range r : ranges) {
      switch (r.type()) {
        case SSE -> {
          return Format.SSE;
        }
        case NDJSON, "application/ndjson", "application/jsonl", "application/jsonlines" -> {
          return Format.NDJSON;
        }
        case JSON, "application/*", "*/*" -> {
          return Format.JSON;
        }
        default -> {
          // not one we serve: try the next range
        }
      }
    }
    ObjectNode ext = Json.object();
    ext.putArray("supported").add(JSON).add(NDJSON).add(SSE);
    throw new ProblemException(
        ProblemType.NOT_ACCEPTABLE,
        "events are served as "
            + JSON
            + ", "
            + NDJSON
            + " or "
            + SSE
            + " but Accept is '"
            + accept
            + "'",
        ext,
        Map.of());
  }
}
