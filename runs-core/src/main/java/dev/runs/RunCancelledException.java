package dev.runs;

import java.util.Objects;

/**
 * Thrown into a workflow when its run should stop (a cancel request, the orchestrator closing, or a
 * lost lease). Let it propagate: the run then ends {@code cancelled}. A workflow may also throw it
 * itself to cancel its own run.
 */
public final class RunCancelledException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final RunId runId;
  private final String reason;

  /**
   * Creates the exception.
   *
   * @param runId the run
   * @param reason why it stops, e.g. the reason given to {@code cancel}
   */
  public RunCancelledException(RunId runId, String reason) {
    super(
        "run "
            + runId
            + " was cancelled: "
            + reason
            + " (let this exception propagate; the run ends cancelled and can be resumed)");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return the run
   */
  public RunId runId() {
    return runId;
  }

  /**
   * @return why the run stops
   */
  public String reason() {
    return reason;
  }
}
