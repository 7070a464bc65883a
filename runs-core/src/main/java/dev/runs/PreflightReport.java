package dev.runs;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a preflight found about a {@link RunRequest}: blockers (the run may not start), warnings,
 * and the config the run would get (the request's config with its budget merged in under {@link
 * Budget#CONFIG_POINTER}).
 *
 * <p>Built-in blocker codes: {@code trigger_missing}, {@code workflow_missing}, {@code
 * workflow_not_registered}, {@code config_invalid}, {@code budget_invalid}, {@code
 * request_invalid}, {@code run_id_taken}, {@code recommendation_not_found}, {@code
 * recommendation_blocked}, {@code check_failed} (a host check threw). Built-in warning codes:
 * {@code budget_missing}, {@code recommendation_workflow_differs}.
 *
 * @param blockers reasons the run may not start; empty when it may
 * @param warnings things worth knowing that do not stop it
 * @param normalizedConfig the config the run would be created with, when it could be built
 */
public record PreflightReport(
    List<PreflightIssue> blockers,
    List<PreflightIssue> warnings,
    Optional<ConfigSnapshot> normalizedConfig) {

  /** Copies the lists. */
  public PreflightReport {
    blockers = List.copyOf(blockers);
    warnings = List.copyOf(warnings);
    Objects.requireNonNull(normalizedConfig, "normalizedConfig");
  }

  /**
   * @return true when there is no blocker
   */
  public boolean ready() {
    return blockers.isEmpty();
  }

  /**
   * @param code an issue code
   * @return true when a blocker has that code
   */
  public boolean hasBlocker(String code) {
    return blockers.stream().anyMatch(i -> i.code().equals(code));
  }

  /**
   * @param code an issue code
   * @return true when a warning has that code
   */
  public boolean hasWarning(String code) {
    return warnings.stream().anyMatch(i -> i.code().equals(code));
  }

  @Override
  public String toString() {
    return (ready() ? "ready" : "blocked by " + blockers)
        + (warnings.isEmpty() ? "" : ", warnings " + warnings);
  }
}
