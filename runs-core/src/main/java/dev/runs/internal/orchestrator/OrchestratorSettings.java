package dev.runs.internal.orchestrator;

import dev.runs.OrchestratorListener;
import dev.runs.PreflightCheck;
import dev.runs.RunStore;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import dev.runs.spi.ContextLabels;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * What {@link dev.runs.RunOrchestrator.Builder} collected.
 *
 * @param store the store
 * @param workflows registered workflows
 * @param executor a host executor, or empty for the default pool
 * @param maxConcurrentRuns size of the default pool
 * @param clock the orchestrator clock
 * @param instanceId owner id for leases
 * @param leaseTtl lease lifetime
 * @param closeTimeout how long close waits, twice
 * @param checks host preflight checks
 * @param listeners metrics listeners
 * @param contextLabels sources of labels from the starting thread's context, or empty for those
 *     {@link java.util.ServiceLoader} finds
 */
public record OrchestratorSettings(
    RunStore store,
    Map<WorkflowRef, Workflow> workflows,
    Optional<Executor> executor,
    int maxConcurrentRuns,
    Clock clock,
    String instanceId,
    Duration leaseTtl,
    Duration closeTimeout,
    List<PreflightCheck> checks,
    List<OrchestratorListener> listeners,
    Optional<List<ContextLabels>> contextLabels) {

  /** Copies the collections. */
  public OrchestratorSettings {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    Objects.requireNonNull(closeTimeout, "closeTimeout");
    workflows = Collections.unmodifiableMap(new LinkedHashMap<>(workflows));
    checks = List.copyOf(checks);
    listeners = List.copyOf(listeners);
    contextLabels = contextLabels.map(List::copyOf);
  }

  /**
   * @return host name and process id, e.g. {@code worker-3:4711}
   */
  public static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException | SecurityException e) {
      host = "localhost";
    }
    String id = host.replaceAll("\\p{Cntrl}", "") + ":" + ProcessHandle.current().pid();
    return id.length() > 200 ? id.substring(id.length() - 200) : id;
  }
}
