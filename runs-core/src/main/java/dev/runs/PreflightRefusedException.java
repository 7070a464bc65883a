package dev.runs;

import java.util.Objects;

/**
 * A start, resume, replay or rerun was refused because its preflight found blockers (for example no
 * trigger). Nothing was written. {@link #report()} has every finding.
 */
public final class PreflightRefusedException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final transient PreflightReport report;

  /**
   * Creates the exception.
   *
   * @param what what was refused, e.g. {@code "start of research-agent@3"}
   * @param report the preflight's findings
   */
  public PreflightRefusedException(String what, PreflightReport report) {
    super(
        what
            + " refused by preflight: "
            + Objects.requireNonNull(report, "report").blockers()
            + " (fix the blockers and try again; preflight(request) shows the full report)");
    this.report = report;
  }

  /**
   * @return the preflight's findings
   */
  public PreflightReport report() {
    return report;
  }
}
