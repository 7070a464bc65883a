package dev.runs;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a run listing.
 *
 * @param runs the runs, newest first
 * @param nextCursor pass to {@link RunQuery.Builder#cursor(String)} for the next page; empty on the
 *     last page
 */
public record RunPage(List<RunEntry> runs, Optional<String> nextCursor) {
  /** Copies the list. */
  public RunPage {
    runs = List.copyOf(runs);
    Objects.requireNonNull(nextCursor, "nextCursor");
  }
}
