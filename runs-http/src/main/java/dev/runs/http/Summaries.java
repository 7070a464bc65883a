package dev.runs.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunSummary;
import java.util.List;
import java.util.Optional;

/**
 * A finished run's summary read from its last event alone. {@link RunOrchestrator#summary(RunId)}
 * reads the whole log to find the latest final event; when the run's status is terminal, that event
 * is its last one, so one read of one event answers, which keeps {@code GET /runs/{id}} and {@code
 * GET /stats} cheap on runs of 100,000 events. Stateless.
 */
final class Summaries {
  private Summaries() {}

  /**
   * @param orchestrator where the run is
   * @param id the run
   * @param status its status
   * @param lastSequence the sequence of its last event
   * @return its summary; empty while it runs or when its final event carries none
   */
  static Optional<RunSummary> latest(
      RunOrchestrator orchestrator, RunId id, RunStatus status, long lastSequence) {
    if (!status.isTerminal() || lastSequence < 1) {
      return Optional.empty();
    }
    List<RunEvent> last = orchestrator.events(id, lastSequence - 1, 1);
    if (last.size() == 1 && last.get(0).isTerminal()) {
      return last.get(0)
          .payload()
          .get("summary")
          .filter(JsonNode::isObject)
          .map(RunSummary::fromJson);
    }
    return orchestrator.summary(id); // the log ends otherwise: let the orchestrator look
  }
}
