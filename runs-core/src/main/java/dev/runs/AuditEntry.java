package dev.runs;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a store's audit log ({@link RunStore#auditLog}): an operation on a whole run that is
 * not an event of the run itself: a deletion, an archiving, a restore, an import.
 *
 * @param id the entry's id; ids sort in the order entries were written
 * @param time when, by the store's clock
 * @param action {@code deleted}, {@code archived}, {@code restored} or {@code imported}
 * @param runId the run
 * @param detail the reason given for a deletion, the archive location for an archiving, the source
 *     for an import; empty when there is none
 */
public record AuditEntry(
    String id, Instant time, String action, RunId runId, Optional<String> detail) {
  /** Validates the components. */
  public AuditEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(detail, "detail");
  }
}
