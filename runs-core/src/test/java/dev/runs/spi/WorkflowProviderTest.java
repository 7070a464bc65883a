package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class WorkflowProviderTest {

  /** Listed in this module's test {@code META-INF/services/dev.runs.spi.WorkflowProvider}. */
  public static final class GreetingWorkflows implements WorkflowProvider {
    /** Discovery needs a public no-argument constructor. */
    public GreetingWorkflows() {}

    @Override
    public Map<WorkflowRef, Workflow> workflows() {
      return Map.of(
          WorkflowRef.of("greet", "1"),
          ctx -> {
            String name = ctx.config().at("/inputs/name").orElseThrow().asText();
            return ctx.step("greet", String.class, () -> "hello " + name);
          });
    }
  }

  @Test
  void serviceLoader_findsTheProviderListedInMetaInfServices() {
    List<Class<?>> found =
        ServiceLoader.load(WorkflowProvider.class, getClass().getClassLoader()).stream()
            .<Class<?>>map(ServiceLoader.Provider::type)
            .toList();

    assertThat(found).contains(GreetingWorkflows.class);
  }

  @Test
  void providedWorkflows_registeredInAnOrchestrator_runToCompletion() throws Exception {
    try (RunStore store = RunStores.open("memory:")) {
      RunOrchestrator.Builder builder = RunOrchestrator.builder(store);
      for (WorkflowProvider p :
          ServiceLoader.load(WorkflowProvider.class, getClass().getClassLoader())) {
        p.workflows().forEach((ref, w) -> builder.workflow(ref.name(), ref.version(), w));
      }
      try (RunOrchestrator orchestrator = builder.build()) {
        assertThat(orchestrator.workflows()).contains(WorkflowRef.of("greet", "1"));
        RunHandle run =
            orchestrator.start(
                dev.runs.RunRequest.builder()
                    .workflow("greet", "1")
                    .config(ConfigSnapshot.builder().input("name", "ada").build())
                    .trigger(Trigger.of(TriggerSource.CLI, "t-1"))
                    .build());

        assertThat(run.completion().get(10, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
        assertThat(store.read(run.runId(), 0, 100).stream().map(RunEvent::type))
            .contains(EventType.of("step.completed"));
      }
    }
  }
}
