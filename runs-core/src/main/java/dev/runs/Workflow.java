package dev.runs;

import org.jspecify.annotations.Nullable;

/**
 * A host's workflow: the code a run executes. Register it with {@link
 * RunOrchestrator.Builder#workflow(String, String, Workflow)}; the orchestrator calls {@link
 * #run(RunContext)} on one of its executor threads for each execution of a run (the first one and
 * every resume).
 *
 * <p>Work that must not be repeated after a crash or on resume goes into {@link
 * RunContext#step(String, Class, StepBody) steps}: a step recorded as completed returns its
 * recorded output instead of running again. Code outside steps runs again on every execution, so
 * keep it cheap and deterministic.
 */
@FunctionalInterface
public interface Workflow {
  /**
   * Executes the run.
   *
   * @param ctx the run's context: config, budget, cancellation, steps and emitters
   * @return the run's output (a record, string, number, map, list, JSON tree, or {@code null});
   *     recorded in the run's {@link RunSummary}
   * @throws Exception any failure ends the run {@code failed}; a {@link RunCancelledException} ends
   *     it {@code cancelled}
   */
  @Nullable Object run(RunContext ctx) throws Exception;
}
