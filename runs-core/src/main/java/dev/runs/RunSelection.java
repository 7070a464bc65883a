package dev.runs;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which runs a bulk operation touches: bundle export and copy, deletion by query, archive
 * retention. The query's filters, with the selection's labels and workflow added to them, are
 * applied by the store; the end time on top of them. The query's limit and cursor are ignored: a
 * selection walks every matching run.
 *
 * <pre>{@code
 * RunSelection customer = RunSelection.of(RunQuery.builder().namespace("acme").build())
 *     .withLabel("customer", "c-42");
 * }</pre>
 *
 * @param query store-side filters
 * @param labels labels every selected run carries, with these values
 * @param workflow the workflow name selected runs have, or empty for any
 * @param endedBefore select only runs whose last event is older than this, or empty for any
 */
public record RunSelection(
    RunQuery query,
    Map<String, String> labels,
    Optional<String> workflow,
    Optional<Instant> endedBefore) {

  /** Validates and copies the components. */
  public RunSelection {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(workflow, "workflow");
    Objects.requireNonNull(endedBefore, "endedBefore");
    labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
  }

  /**
   * @return every run of the store
   */
  public static RunSelection all() {
    return of(RunQuery.all());
  }

  /**
   * @param query store-side filters
   * @return the runs the query matches
   */
  public static RunSelection of(RunQuery query) {
    return new RunSelection(query, Map.of(), Optional.empty(), Optional.empty());
  }

  /**
   * @param key a label key
   * @param value the value it must have
   * @return this selection narrowed to runs with that label
   */
  public RunSelection withLabel(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Map<String, String> next = new LinkedHashMap<>(labels);
    next.put(key, value);
    return new RunSelection(query, next, workflow, endedBefore);
  }

  /**
   * @param name a workflow name
   * @return this selection narrowed to runs of that workflow
   */
  public RunSelection withWorkflow(String name) {
    return new RunSelection(
        query, labels, Optional.of(Objects.requireNonNull(name, "name")), endedBefore);
  }

  /**
   * @param time a time
   * @return this selection narrowed to runs whose last event is before {@code time}
   */
  public RunSelection withEndedBefore(Instant time) {
    return new RunSelection(
        query, labels, workflow, Optional.of(Objects.requireNonNull(time, "time")));
  }

  /**
   * @param entry a run the store's query returned
   * @return whether the labels, workflow and end time match too
   */
  public boolean matches(RunEntry entry) {
    Objects.requireNonNull(entry, "entry");
    if (!query.matches(entry)) {
      return false;
    }
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!l.getValue().equals(entry.record().labels().get(l.getKey()))) {
        return false;
      }
    }
    if (workflow.isPresent() && !workflow.get().equals(entry.record().workflow().name())) {
      return false;
    }
    return endedBefore.isEmpty() || entry.updatedAt().isBefore(endedBefore.get());
  }
}
