package dev.runs.internal.move;

import dev.runs.RunEntry;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunStore;
import java.util.ArrayList;
import java.util.List;
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
    RunQuery q = selection.query();
    Optional<RunQuery.Cursor> cursor = Optional.empty();
    while (true) {
      RunQuery page =
          new RunQuery(
              q.namespace(),
              q.threadKey(),
              q.statuses(),
              q.createdFrom(),
              q.createdBefore(),
              RunQuery.MAX_LIMIT,
              cursor,
              q.recommendationId());
      RunPage result = store.list(page);
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
