package dev.runs.examples;

import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import dev.runs.spi.WorkflowProvider;
import java.util.Map;

/**
 * Hands the examples' workflows to tools that run them, such as the {@code runs} command-line tool:
 * {@code runs start orders-etl@4 --classpath examples/target/classes --input source=... --input
 * target=...}. Listed in {@code META-INF/services/dev.runs.spi.WorkflowProvider}.
 */
public final class ExampleWorkflows implements WorkflowProvider {
  /** Discovery needs a public no-argument constructor. */
  public ExampleWorkflows() {}

  @Override
  public Map<WorkflowRef, Workflow> workflows() {
    return Map.of(
        WorkflowRef.of(PipelineExample.WORKFLOW, PipelineExample.VERSION),
        PipelineExample::pipeline);
  }
}
