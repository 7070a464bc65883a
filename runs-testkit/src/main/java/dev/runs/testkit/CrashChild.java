package dev.runs.testkit;

import dev.runs.Budget;
import dev.runs.RunOrchestrator;
import dev.runs.RunRequest;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child process of {@link OrchestratorCrashContract}: opens a store, starts the {@link
 * CrashWorkflow} and waits; its step {@code two} blocks until the parent kills the process.
 *
 * <p>Arguments: the store URI, the marker directory, the trigger id of the run to start.
 */
public final class CrashChild {
  private CrashChild() {}

  /**
   * Runs the child.
   *
   * @param args store URI, marker directory, trigger id
   * @throws Exception when the run cannot be started
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: CrashChild <store-uri> <marker-dir> <trigger-id>");
    }
    RunStore store = RunStores.open(args[0]);
    RunOrchestrator orchestrator =
        RunOrchestrator.builder(store)
            .instanceId("crash-child-" + ProcessHandle.current().pid())
            .leaseTtl(Duration.ofSeconds(2))
            .workflow(
                CrashWorkflow.NAME,
                CrashWorkflow.VERSION,
                CrashWorkflow.create(Path.of(args[1]), true))
            .build();
    orchestrator
        .start(
            RunRequest.builder()
                .workflow(CrashWorkflow.NAME, CrashWorkflow.VERSION)
                .trigger(Trigger.of(TriggerSource.TEST, args[2], "crash-child"))
                .budget(Budget.none().withMaxTokens(1000))
                .build())
        .completion()
        .get();
  }
}
