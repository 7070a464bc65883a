package dev.runs.spi;

import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import java.util.Map;

/**
 * Contributes a host's workflows to tools that run them without host code of their own, such as the
 * {@code runs} command-line tool ({@code runs start etl@2 --classpath host.jar}). Found by {@link
 * java.util.ServiceLoader} through a {@code META-INF/services/dev.runs.spi.WorkflowProvider} file
 * in the host's jar.
 *
 * <p>A host registers the same workflows in its own orchestrator, so a run started by the tool and
 * one started by the host's Java code execute the same code and record the same events:
 *
 * <pre>{@code
 * RunOrchestrator.Builder builder = RunOrchestrator.builder(store);
 * new EtlWorkflows().workflows().forEach((ref, w) -> builder.workflow(ref.name(), ref.version(), w));
 * }</pre>
 *
 * <p>Providers have a public no-argument constructor and do no work in it. Two providers naming the
 * same workflow and version are an error the tool reports with both classes.
 */
public interface WorkflowProvider {
  /**
   * Returns the workflows this provider contributes. Called once per tool invocation.
   *
   * @return each workflow by name and version; may be empty
   */
  Map<WorkflowRef, Workflow> workflows();
}
