package dev.runs;

/**
 * A host-registered preflight check, run by {@link RunOrchestrator#preflight(RunRequest)} after the
 * built-in ones and before every start, replay and rerun. Report findings through {@link Findings};
 * a check that throws is reported as the blocker {@code check_failed}. Checks must be thread-safe.
 *
 * <pre>{@code
 * PreflightCheck quota = (request, findings) -> {
 *   if (quotas.exhausted(request.namespace().orElse(""))) {
 *     findings.blocker("quota_exhausted", "the namespace has used its monthly quota");
 *   }
 * };
 * }</pre>
 */
@FunctionalInterface
public interface PreflightCheck {
  /**
   * Checks a request.
   *
   * @param request the request; its {@link RunRequest#config()} is the normalized config
   * @param findings where to report blockers and warnings
   */
  void check(RunRequest request, Findings findings);

  /** Collects a check's findings. */
  interface Findings {
    /**
     * Reports a reason the run may not start.
     *
     * @param code lowercase snake case, e.g. {@code quota_exhausted}
     * @param message what is wrong and what to do
     */
    void blocker(String code, String message);

    /**
     * Reports something worth knowing that does not stop the run.
     *
     * @param code lowercase snake case
     * @param message what to know
     */
    void warning(String code, String message);
  }
}
