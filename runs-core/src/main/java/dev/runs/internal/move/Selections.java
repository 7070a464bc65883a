package dev.runs.internal.move;

import dev.runs.RunEntry;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Walks every run a {@link RunSelection} selects, page by page, newest first. */
public final class Selections {
  private Selections() {}

  /**
   * Visits the selected runs. The walk follows the listing cursor, so runs removed or added while
   * walking neither repeat nor shift others.
   *
   * @param store the store
   * @param selection which runs
   * @param visitor called for each selected run
   */
  public static void forEach(RunStore store, RunSelection selection, Consumer<RunEntry> visitor) {
    Optional<RunQuery> base = storeQuery(selection);
    if (base.isEmpty()) {
      return;
    }
    Optional<RunQuery.Cursor> cursor = Optional.empty();
    while (true) {
      RunPage result = store.list(base.get().withPage(RunQuery.MAX_LIMIT, cursor));
      for (RunEntry e : result.runs()) {
        if (selection.matches(e)) {
          visitor.accept(e);
        }
      }
      if (result.nextCursor().isEmpty()) {
        return;
      }
      cursor = Optional.of(RunQuery.Cursor.decode(result.nextCursor().get()));
    }
  }

  /**
   * The selection's query with its labels and workflow added, so that the store filters on them.
   *
   * @return the query, or empty when the selection's labels or workflow contradict its query's (no
   *     run carries two values of one label)
   */
  static Optional<RunQuery> storeQuery(RunSelection selection) {
    RunQuery q = selection.query();
    Map<String, String> labels = new LinkedHashMap<>(q.labels());
    for (Map.Entry<String, String> l : selection.labels().entrySet()) {
      String had = labels.putIfAbsent(l.getKey(), l.getValue());
      if (had != null && !had.equals(l.getValue())) {
        return Optional.empty();
      }
    }
    Optional<String> workflow = q.workflowName();
    if (selection.workflow().isPresent()) {
      if (workflow.isPresent() && !workflow.equals(selection.workflow())) {
        return Optional.empty();
      }
      workflow = selection.workflow();
    }
    return Optional.of(
        new RunQuery(
            q.namespace(),
            q.threadKey(),
            q.statuses(),
            q.createdFrom(),
            q.createdBefore(),
            RunQuery.MAX_LIMIT,
            Optional.empty(),
            q.recommendationId(),
            workflow,
            q.workflowVersion(),
            labels));
  }

  /**
   * @param store the store
   * @param selection which runs
   * @return the selected runs, newest first
   */
  public static List<RunEntry> list(RunStore store, RunSelection selection) {
    List<RunEntry> out = new ArrayList<>();
    forEach(store, selection, out::add);
    return out;
  }
}
