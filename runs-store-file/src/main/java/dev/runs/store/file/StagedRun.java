package dev.runs.store.file;

import dev.runs.spi.RunHead;
import java.nio.file.Path;

/**
 * A run written whole into a staging directory by {@link RunStaging}, forced and ready to be
 * renamed into place, with what the log view needs so the log is never read back. Immutable once
 * built (the marks array is never changed after).
 */
final class StagedRun {
  private final Path runDir;
  private final Path events;
  private final Path stages;
  private final boolean hasStages;
  private final long length;
  private final long[] marks;
  private final int markCount;
  private final RunHead head;

  /**
   * @param runDir the staged run directory ({@code .staging/<random>/run})
   * @param events its event log
   * @param stages its stages directory (present when {@code hasStages})
   * @param hasStages whether the run has stage attempts
   * @param length the log's length in bytes
   * @param marks byte offsets of lines 1, 1 + {@link RunLog#MARK_EVERY}, ...
   * @param markCount how many of {@code marks} are set
   * @param head the head after the last event
   */
  StagedRun(
      Path runDir,
      Path events,
      Path stages,
      boolean hasStages,
      long length,
      long[] marks,
      int markCount,
      RunHead head) {
    this.runDir = runDir;
    this.events = events;
    this.stages = stages;
    this.hasStages = hasStages;
    this.length = length;
    this.marks = marks;
    this.markCount = markCount;
    this.head = head;
  }

  /**
   * @return this run with its stages directory
   */
  StagedRun withStages(Path stagesDir, boolean any) {
    return new StagedRun(runDir, events, stagesDir, any, length, marks, markCount, head);
  }

  Path runDir() {
    return runDir;
  }

  Path events() {
    return events;
  }

  Path stages() {
    return stages;
  }

  boolean hasStages() {
    return hasStages;
  }

  long length() {
    return length;
  }

  long mark(int i) {
    return marks[i];
  }

  int markCount() {
    return markCount;
  }

  RunHead head() {
    return head;
  }
}
