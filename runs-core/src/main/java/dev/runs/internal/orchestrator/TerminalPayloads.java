package dev.runs.internal.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunSummary;
import dev.runs.RunsException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the payload of a run's final event ({@code run.completed}, {@code run.failed}, {@code
 * run.cancelled}): the event's own fields plus the {@link RunSummary} of the log that ends with it.
 * Stateless apart from the store and clock it reads; thread-safe.
 *
 * <p>Final payloads stay maps: when the summary makes the event too large it is cut down and marked
 * {@code summary_truncated}, a field the typed {@code Run*} records do not have.
 */
final class TerminalPayloads {
  private static final Logger log = LoggerFactory.getLogger(TerminalPayloads.class);

  private final RunStore store;
  private final Clock clock;

  TerminalPayloads(RunStore store, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @param record the run
   * @param type the final event's type
   * @param fields the final event's own fields, e.g. {@code reason}
   * @param output the workflow's output, for {@code run.completed}
   * @param reduced whether to write a reduced summary, after a first attempt was too large
   * @return the payload; without a summary when it could not be built
   */
  Payload of(
      RunRecord record,
      EventType type,
      Map<String, Object> fields,
      Optional<JsonNode> output,
      boolean reduced) {
    Map<String, Object> p = new LinkedHashMap<>(fields);
    try {
      List<RunEvent> events = new ArrayList<>();
      try (EventStream s = store.read(record.id(), 0)) {
        s.forEachRemaining(events::add);
      }
      Instant now = clock.instant();
      Instant last = events.isEmpty() ? now : events.get(events.size() - 1).time();
      events.add(
          new RunEvent(
              RunEvent.SCHEMA,
              EventId.of(UUID.randomUUID().toString()),
              record.id(),
              events.size() + 1L,
              type,
              now.isBefore(last) ? last : now,
              Optional.empty(),
              OptionalInt.empty(),
              Optional.empty(),
              ExecutionEnvironment.SOURCE,
              Optional.empty(),
              Payload.of(p),
              Map.of()));
      RunSummary summary = RunSummary.from(record, events).withOutput(output);
      if (reduced) {
        summary =
            new RunSummary(
                summary.runId(),
                summary.workflow(),
                summary.status(),
                summary.startedAt(),
                summary.endedAt(),
                summary.durationMs(),
                summary.executions(),
                List.of(),
                summary.countsByType(),
                summary.usage(),
                summary.cost(),
                List.of(),
                List.of(),
                Map.of(),
                Optional.empty(),
                summary.byModel()); // at most MAX_MODELS entries, and /stats reads them
        p.put("summary_truncated", true);
      }
      p.put("summary", summary.toPayload().toJsonNode());
    } catch (RunsException | IllegalArgumentException e) {
      log.debug("run {} - summary could not be built", record.id(), e);
    }
    return Payload.of(p);
  }
}
