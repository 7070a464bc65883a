package dev.runs;

import java.time.Instant;
import java.util.Objects;

/**
 * Where an archived run's events and stage files are ({@link RunStore#archived}): the store keeps
 * the run's record, final status and last event; the rest lives in the archive under {@code
 * prefix}.
 *
 * @param archive the archive's location as it was when archived, e.g. {@code dir:/mnt/archive}
 * @param prefix the run's object prefix in the archive, ending in {@code /}
 * @param archivedAt when the local copy was replaced, by the store's clock
 * @param eventCount how many events the archive holds
 * @param eventsSha256 sha256 of the archived {@code events.ndjson}
 */
public record ArchivedRun(
    String archive, String prefix, Instant archivedAt, long eventCount, String eventsSha256) {
  /** Validates the components. */
  public ArchivedRun {
    Objects.requireNonNull(archive, "archive");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(archivedAt, "archivedAt");
    Objects.requireNonNull(eventsSha256, "eventsSha256");
  }
}
