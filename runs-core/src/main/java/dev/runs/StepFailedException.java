package dev.runs;

import java.util.Objects;

/**
 * A step failed on its last allowed attempt. Its cause is the last attempt's failure. A workflow
 * may catch it to continue; uncaught, the run ends {@code failed} and can be resumed, when the step
 * runs again with the next attempt number.
 */
public final class StepFailedException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final String stepId;
  private final int attempt;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param stepId the step path
   * @param attempt the attempt that failed last
   * @param cause its failure
   */
  public StepFailedException(RunId runId, String stepId, int attempt, Throwable cause) {
    super(
        "run "
            + runId
            + " step '"
            + stepId
            + "' failed on attempt "
            + attempt
            + ": "
            + describe(cause)
            + " (resume the run to try the step again)",
        cause);
    this.runId = Objects.requireNonNull(runId, "runId");
    this.stepId = Objects.requireNonNull(stepId, "stepId");
    this.attempt = attempt;
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return the step path, e.g. {@code build/compile}
   */
  public String stepId() {
    return stepId;
  }

  /**
   * @return the attempt that failed last
   */
  public int attempt() {
    return attempt;
  }
}
