package dev.runs;

import java.time.Duration;

/**
 * A hook for metrics: the orchestrator calls it as runs start and finish, steps end and events are
 * appended. Every method does nothing by default. Calls come from the thread doing the work (an
 * executor thread for runs and steps); implementations must be fast and thread-safe. An exception
 * thrown by a listener is logged and ignored.
 */
public interface OrchestratorListener {
  /**
   * An execution of a run began (its first start or a resume).
   *
   * @param runId the run
   * @param workflow its workflow
   * @param attempt the execution number, 1 for the first
   */
  default void runStarted(RunId runId, WorkflowRef workflow, int attempt) {}

  /**
   * An execution of a run ended.
   *
   * @param runId the run
   * @param status the status it ended in
   * @param duration how long the execution took, on the orchestrator's clock
   */
  default void runFinished(RunId runId, RunStatus status, Duration duration) {}

  /**
   * A step attempt began: its {@code step.started} event was appended and its body is about to run,
   * on the thread that runs it.
   *
   * @param runId the run
   * @param stepId the step path
   * @param attempt the attempt number
   */
  default void stepStarted(RunId runId, String stepId, int attempt) {}

  /**
   * A step attempt ended.
   *
   * @param runId the run
   * @param stepId the step path
   * @param attempt the attempt number
   * @param latency how long the attempt took, on the orchestrator's clock
   * @param succeeded true for {@code step.completed}, false for {@code step.failed}
   */
  default void stepFinished(
      RunId runId, String stepId, int attempt, Duration latency, boolean succeeded) {}

  /**
   * The orchestrator appended an event and the store acknowledged it.
   *
   * @param runId the run
   * @param type the event type
   * @param latency wall time the append took
   */
  default void appended(RunId runId, EventType type, Duration latency) {}

  /**
   * The periodic lease renewal of a running execution was done.
   *
   * @param runId the run
   * @param held true when the lease was renewed, false when this instance had lost it
   */
  default void leaseRenewed(RunId runId, boolean held) {}

  /**
   * {@link RunOrchestrator#recoverInterrupted()} marked a run whose owner stopped renewing its
   * lease (interrupted when it had started, failed when it had not).
   *
   * @param runId the run
   */
  default void runRecovered(RunId runId) {}
}
