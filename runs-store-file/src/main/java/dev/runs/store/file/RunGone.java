package dev.runs.store.file;

import dev.runs.RunId;

/**
 * Thrown inside the engine when a run's directory no longer holds the run a {@link RunLog}
 * describes: another process (or another thread) deleted it, or replaced it by an import. The
 * engine forgets that view and looks the run up again; callers outside the engine never see it.
 */
final class RunGone extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RunGone(RunId id) {
    super("run " + id + " is no longer in its directory", null, false, false);
  }
}
