package dev.runs;

import java.util.Objects;

/**
 * A workflow's name and version, as registered with the orchestrator.
 *
 * @param name e.g. {@code research-agent}
 * @param version e.g. {@code 3} or {@code 2026-11-01}
 */
public record WorkflowRef(String name, String version) {
  /** Validates both parts: 1 to 100 printable characters. */
  public WorkflowRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Trigger.checkText("workflow.name", name, 100);
    Trigger.checkText("workflow.version", version, 100);
  }

  /**
   * @param name workflow name
   * @param version workflow version
   * @return the reference
   */
  public static WorkflowRef of(String name, String version) {
    return new WorkflowRef(name, version);
  }

  @Override
  public String toString() {
    return name + "@" + version;
  }
}
