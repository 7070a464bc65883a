package dev.runs;

import java.util.Locale;

/**
 * The status of a run. It is never written on its own: it is the fold of the run's lifecycle events
 * through {@link RunStateMachine}.
 *
 * <pre>
 * created -&gt; queued -&gt; running -&gt; completed | failed | cancelled
 * running -&gt; cancel_requested -&gt; cancelled   (or completed/failed if it finished first)
 * created | queued -&gt; cancelled | failed
 * running | cancel_requested -&gt; interrupted  (its process died: lease expired)
 * failed | cancelled | interrupted -&gt; running (run.resumed)
 * completed is final
 * </pre>
 */
public enum RunStatus {
  /** Created, not yet queued. */
  CREATED,
  /** Waiting for an executor. */
  QUEUED,
  /** Executing. */
  RUNNING,
  /** A cancel was asked for; the run ends at its next step boundary. */
  CANCEL_REQUESTED,
  /** Finished successfully. Final: nothing can be appended after it. */
  COMPLETED,
  /** Finished with an error; can be resumed. */
  FAILED,
  /** Stopped by a cancel; can be resumed. */
  CANCELLED,
  /** Its process died while it ran; can be resumed. */
  INTERRUPTED;

  /**
   * @return the lowercase name used in JSON and URIs, e.g. {@code cancel_requested}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @param wireName e.g. {@code running}
   * @return the status
   * @throws ValidationException for an unknown name
   */
  public static RunStatus fromWireName(String wireName) {
    for (RunStatus s : values()) {
      if (s.wireName().equals(wireName)) {
        return s;
      }
    }
    throw new ValidationException(
        "status",
        "unknown run status '"
            + wireName
            + "'; expected one of created, queued, running, cancel_requested, completed, failed,"
            + " cancelled, interrupted");
  }

  /**
   * @return true when the run is not executing and will not continue on its own: completed, failed,
   *     cancelled or interrupted
   */
  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == INTERRUPTED;
  }

  /**
   * @return true for failed, cancelled and interrupted: {@code run.resumed} may follow
   */
  public boolean isResumable() {
    return this == FAILED || this == CANCELLED || this == INTERRUPTED;
  }

  /**
   * @return true while work events (steps, model calls, console lines...) may be appended
   */
  public boolean acceptsWork() {
    return !isTerminal();
  }
}
