package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery across processes on a durable store: a child JVM ({@link CrashChild}) runs {@link
 * CrashWorkflow} and is killed with SIGKILL inside step {@code two}; a new orchestrator's {@link
 * RunOrchestrator#recoverInterrupted()} marks the run interrupted, a resume completes it, and the
 * steps that had completed ran exactly once overall. Durable stores run it as an integration test:
 *
 * <pre>{@code
 * final class SqliteOrchestratorCrashIT extends OrchestratorCrashContract {
 *   @Override
 *   protected String storeUri(Path dir) {
 *     return "sqlite:" + dir.resolve("runs.db");
 *   }
 * }
 * }</pre>
 *
 * <p>The child runs on this JVM's class path, so the store module must be on it.
 */
public abstract class OrchestratorCrashContract {

  /** Directory for the store and the marker files. */
  @TempDir protected Path dir;

  /**
   * @param dir a directory the store may use
   * @return the URI of a durable store in it, opened by both processes
   */
  protected abstract String storeUri(Path dir);

  @Test
  @Timeout(300)
  @DisplayName(
      "a child killed mid-step is marked interrupted by recovery and resumed; completed steps ran"
          + " once")
  void killedMidStep_recoveredAndResumed_completedStepsRanOnce() throws Exception {
    Path markers = Files.createDirectories(dir.resolve("markers"));
    String uri = storeUri(dir);
    String triggerId = "crash-" + UUID.randomUUID();
    try (ChildJvm child =
        ChildJvm.builder(CrashChild.class)
            .args(uri, markers.toString(), triggerId)
            .name("crash-child")
            .stderrDirectory(dir)
            .start()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(markers.resolve(CrashWorkflow.REACHED)) && child.isAlive()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "the child did not reach step two within 120 s; " + child.describe());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      assertThat(child.isAlive()).as("child alive; %s", child.describe()).isTrue();
      child.kill(); // SIGKILL on POSIX: no shutdown hooks, no final event
    }

    // the recovering instance's clock runs an hour ahead, so the dead child's lease has expired
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
    try (RunStore store = RunStores.open(uri, RunStoreOptions.builder().clock(later).build());
        RunOrchestrator o =
            RunOrchestrator.builder(store)
                .instanceId("recoverer")
                .clock(later)
                .workflow(
                    CrashWorkflow.NAME, CrashWorkflow.VERSION, CrashWorkflow.create(markers, false))
                .build()) {
      RunId id = store.findByTrigger(triggerId).orElseThrow().id();
      assertThat(store.state(id).status()).isEqualTo(RunStatus.RUNNING);
      assertThat(CrashWorkflow.executions(markers, "one")).isEqualTo(1);
      assertThat(CrashWorkflow.executions(markers, "two")).isEqualTo(1);

      List<RunId> recovered = o.recoverInterrupted();

      assertThat(recovered).contains(id);
      assertThat(store.state(id).status()).isEqualTo(RunStatus.INTERRUPTED);
      RunHandle resumed =
          o.resume(id, Trigger.of(TriggerSource.TEST, "resume-" + UUID.randomUUID()));
      assertThat(resumed.completion().get(60, TimeUnit.SECONDS)).isEqualTo(RunStatus.COMPLETED);
      assertThat(CrashWorkflow.executions(markers, "one")).isEqualTo(1);
      assertThat(CrashWorkflow.executions(markers, "two")).isEqualTo(2);
      assertThat(CrashWorkflow.executions(markers, "three")).isEqualTo(1);
      List<RunEvent> events = RunAssertions.events(store, id);
      assertThat(
              events.stream()
                  .filter(e -> e.type().equals(EventTypes.STEP_STARTED))
                  .map(e -> e.stepId().orElseThrow() + "#" + e.attempt().orElse(0)))
          .containsExactly("one#1", "two#1", "two#2", "three#1");
      assertThat(
              events.stream()
                  .filter(e -> e.type().equals(EventTypes.RUN_INTERRUPTED))
                  .findFirst()
                  .orElseThrow()
                  .payload()
                  .text("owner")
                  .orElseThrow())
          .startsWith("crash-child-");
      RunAssertions.assertThatRun(store, id).isGapless().hasStatus(RunStatus.COMPLETED);
    }
  }
}
