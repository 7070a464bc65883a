package dev.runs;

/** The body of a phase: a group of steps and events under one step path prefix. */
@FunctionalInterface
public interface PhaseBody {
  /**
   * Runs the phase.
   *
   * @throws Exception a failure ends the phase with {@code phase.failed} and is rethrown
   */
  void run() throws Exception;
}
