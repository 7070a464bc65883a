package dev.runs.internal;

import dev.runs.EventDraft;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** One caller's append waiting for its group commit. */
final class PendingAppend {
  final RunId runId;
  final List<EventDraft> drafts;
  final ExpectedSequence expected;
  final CompletableFuture<List<RunEvent>> future = new CompletableFuture<>();
  final long enqueuedNanos = System.nanoTime();

  /** Set by planning: the events to hand back (new or earlier ones with the same key). */
  @Nullable List<RunEvent> result;

  /** Set by planning when this append is refused. */
  @Nullable RuntimeException error;

  PendingAppend(RunId runId, List<EventDraft> drafts, ExpectedSequence expected) {
    this.runId = runId;
    this.drafts = drafts;
    this.expected = expected;
  }
}
