package dev.runs;

import dev.runs.internal.orchestrator.DefaultRunOrchestrator;
import dev.runs.internal.orchestrator.OrchestratorSettings;
import dev.runs.spi.ContextLabels;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * The one entry point hosts, the HTTP adapter and CLIs use to run workflows: explicit starts with
 * preflight, durable steps, cooperative cancel, resume, replay, rerun, recommendations, budgets and
 * summaries, all recorded as events in a {@link RunStore}. It is built on the store's public API
 * only, so it works on every store and several instances (processes) may share one store: each run
 * is executed by the instance holding its lease.
 *
 * <pre>{@code
 * RunOrchestrator orchestrator = RunOrchestrator.builder(store)
 *     .workflow("greeter", "1", ctx -> ctx.step("greet", String.class, () -> "hello"))
 *     .build();
 * orchestrator.recoverInterrupted();
 * RunHandle run = orchestrator.start(RunRequest.builder()
 *     .workflow("greeter", "1")
 *     .trigger(Trigger.of(TriggerSource.API, requestId))
 *     .build());
 * RunStatus status = run.completion().join();
 * }</pre>
 *
 * <p>Thread-safe. Workflows run on the orchestrator's executor; every method may be called from any
 * thread. {@link #close()} stops this instance but leaves the store open.
 */
public interface RunOrchestrator extends AutoCloseable {

  /**
   * Starts building an orchestrator over a store. The host keeps ownership of the store.
   *
   * @param store the store runs are recorded in
   * @return a builder
   */
  static Builder builder(RunStore store) {
    return new Builder(store);
  }

  /**
   * Checks a request without writing anything.
   *
   * @param request the request
   * @return blockers, warnings and the normalized config
   */
  PreflightReport preflight(RunRequest request);

  /**
   * Starts a run: preflight, {@code run.created}, {@code run.queued}, then execution on the
   * executor ({@code run.started} ... final event). A trigger id already used returns a handle on
   * the existing run with {@code created() == false}, whatever the rest of the request says.
   *
   * @param request the request
   * @return a handle on the run
   * @throws PreflightRefusedException when the preflight has blockers (no trigger, unknown
   *     workflow...); nothing is written
   * @throws StoreClosedException when the orchestrator is closed
   */
  RunHandle start(RunRequest request);

  /**
   * Asks a run to stop. A created or queued run ends {@code cancelled} at once; a running one gets
   * {@code run.cancel_requested} and ends {@code cancelled} at its next step boundary or when its
   * workflow checks the token. Works from any instance sharing the store.
   *
   * @param runId the run
   * @param reason why, recorded in the events
   * @return the status after the request: {@code cancelled}, {@code cancel_requested}, or the final
   *     status the run had already reached
   * @throws RunNotFoundException when the run does not exist
   */
  RunStatus cancel(RunId runId, String reason);

  /**
   * Continues a failed, cancelled or interrupted run: {@code run.resumed}, then the workflow runs
   * again; completed steps return their recorded outputs, the step that failed or was cut off runs
   * with the next attempt number. A trigger id that already resumed this run returns a handle with
   * {@code created() == false}.
   *
   * @param runId the run
   * @param trigger the explicit action asking for the resume
   * @return a handle on the run
   * @throws PreflightRefusedException when the trigger is missing or the workflow is not registered
   * @throws IllegalTransitionException when the run is not failed, cancelled or interrupted
   * @throws RunBusyException when another instance holds the run's lease
   * @throws RunNotFoundException when the run does not exist
   */
  RunHandle resume(RunId runId, Trigger trigger);

  /**
   * Starts a new run with the same config snapshot as {@code runId}, reusing the outputs of the
   * steps it completed before {@code point}. The new run's lineage names the source, relation
   * {@code replay} and {@link ReplayPoint#label()}.
   *
   * @param runId the source run
   * @param point where execution starts again
   * @param trigger the explicit action asking for the replay
   * @return a handle on the new run
   * @throws SnapshotMismatchException when the source's snapshot no longer matches the hash in its
   *     {@code run.created} event
   * @throws ValidationException when the step or checkpoint is not in the source run
   * @throws PreflightRefusedException when the preflight of the new run has blockers
   * @throws RunNotFoundException when the source run does not exist
   */
  RunHandle replay(RunId runId, ReplayPoint point, Trigger trigger);

  /**
   * Starts a new run of the same workflow with the source's config changed at JSON Pointer paths;
   * the diff is recorded on the new run's lineage (relation {@code rerun}). Nothing is reused.
   *
   * <p>Each entry replaces the value at a path that exists in the source's config, and a JSON null
   * removes one; a path the config lacks is refused (a typo such as {@code /inputs/topik} would
   * otherwise add a key the workflow never reads). To add new keys, use {@link #rerun(RunId, List,
   * Trigger)} with {@link ConfigOverride#add}.
   *
   * @param runId the source run
   * @param overrides JSON Pointer to new value; a JSON null removes the path
   * @param trigger the explicit action asking for the rerun
   * @return a handle on the new run
   * @throws UnknownConfigPathException when a path does not exist in the source's config; nothing
   *     is written
   * @throws ValidationException when a pointer is malformed
   * @throws PreflightRefusedException when the preflight of the new run has blockers
   * @throws RunNotFoundException when the source run does not exist
   */
  default RunHandle rerun(RunId runId, Map<String, ?> overrides, Trigger trigger) {
    return rerun(runId, ConfigOverride.fromMap(overrides), trigger);
  }

  /**
   * Starts a new run of the same workflow with the source's config changed by overrides applied in
   * order ({@link ConfigSnapshot#withOverrides(List)}): {@link ConfigOverride#replace replace} and
   * {@link ConfigOverride#remove remove} need an existing path, {@link ConfigOverride#add add}
   * creates one. The diff is recorded on the new run's lineage (relation {@code rerun}). Nothing is
   * reused.
   *
   * @param runId the source run
   * @param overrides the changes, in order
   * @param trigger the explicit action asking for the rerun
   * @return a handle on the new run
   * @throws UnknownConfigPathException when a replace or remove names a path that does not exist in
   *     the source's config; nothing is written
   * @throws ValidationException when a path crosses a non-object value
   * @throws PreflightRefusedException when the preflight of the new run has blockers
   * @throws RunNotFoundException when the source run does not exist
   */
  RunHandle rerun(RunId runId, List<ConfigOverride> overrides, Trigger trigger);

  /**
   * Stores a recommendation; never starts anything.
   *
   * @param request the recommended config and why
   * @return the stored recommendation
   * @throws ValidationException when the id is already used
   */
  Recommendation recommend(RecommendationRequest request);

  /**
   * @param id a recommendation id
   * @return the stored recommendation
   */
  Optional<Recommendation> recommendation(String id);

  /**
   * @param id a recommendation id
   * @return every run started from it, newest first
   */
  List<RunRecord> runsFromRecommendation(String id);

  /**
   * @param runId a run
   * @return its trigger, recommendation and lineage
   * @throws RunNotFoundException when the run does not exist
   */
  Provenance provenance(RunId runId);

  /**
   * @param runId a run
   * @return its record
   */
  Optional<RunRecord> get(RunId runId);

  /**
   * @param query filters and paging
   * @return one page of runs
   */
  RunPage list(RunQuery query);

  /**
   * @param runId a run
   * @return the fold of its events
   * @throws RunNotFoundException when the run does not exist
   */
  RunState state(RunId runId);

  /**
   * @param runId a run
   * @param afterSequence 0 for the start
   * @param limit most events, at least 1
   * @return its events after {@code afterSequence}
   * @throws RunNotFoundException when the run does not exist
   */
  List<RunEvent> events(RunId runId, long afterSequence, int limit);

  /**
   * Streams a run's events: catch-up, then live ({@link RunStore#subscribe(RunId, long)}).
   *
   * @param runId a run
   * @param afterSequence 0 for the whole log
   * @return a publisher of its events
   */
  Flow.Publisher<RunEvent> subscribe(RunId runId, long afterSequence);

  /**
   * Reads the summary carried by the run's latest final event.
   *
   * @param runId a run
   * @return its summary, empty while it has not finished
   * @throws RunNotFoundException when the run does not exist
   */
  Optional<RunSummary> summary(RunId runId);

  /**
   * Lists a run's stage attempts ({@link RunStore#stages(RunId)}).
   *
   * @param runId a run
   * @return manifests of every stage attempt, by position then attempt
   * @throws RunNotFoundException when the run does not exist
   */
  List<StageManifest> stages(RunId runId);

  /**
   * Reads a file of a stage attempt, checked against its manifest ({@link
   * RunStore#readStageFile(RunId, String, int, String)}).
   *
   * @param runId a run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param path relative path from the manifest, e.g. {@code artifacts/report.html}
   * @return the bytes
   * @throws RunNotFoundException when the run does not exist
   * @throws ValidationException when the manifest lists no such file
   * @throws StoreCorruptedException when size or sha256 differ from the manifest
   */
  byte[] readStageFile(RunId runId, String stageKey, int attempt, String path);

  /**
   * @return the registered workflows
   */
  Set<WorkflowRef> workflows();

  /**
   * Marks runs whose owner died: each run with an expired lease that is still running (or
   * cancel-requested) gets {@code run.interrupted} (reason {@code lease_expired}, the old owner); a
   * queued run whose owner died before starting it ends {@code failed} (reason {@code
   * lease_expired}). The lease is then released, so the run can be resumed. Call it at start-up and
   * from time to time.
   *
   * @return the runs marked
   */
  List<RunId> recoverInterrupted();

  /**
   * Stops accepting work, waits up to the close timeout for running workflows, cancels those still
   * running and waits once more, then releases this instance's resources. The store stays open. A
   * workflow that ignores cancellation keeps its lease until it expires, after which another
   * instance's {@link #recoverInterrupted()} marks its run. Idempotent.
   */
  @Override
  void close();

  /** Builds a {@link RunOrchestrator}. Not thread-safe; each setter fails fast. */
  final class Builder {
    private final RunStore store;
    private final Map<WorkflowRef, Workflow> workflows = new LinkedHashMap<>();
    private @Nullable Executor executor;
    private int maxConcurrentRuns = 8;
    private Clock clock = Clock.systemUTC();
    private @Nullable String instanceId;
    private Duration leaseTtl = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(30);
    private final List<PreflightCheck> checks = new ArrayList<>();
    private final List<OrchestratorListener> listeners = new ArrayList<>();
    private @Nullable List<ContextLabels> contextLabels;

    private Builder(RunStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Registers a workflow.
     *
     * @param name its name
     * @param version its version
     * @param workflow the code
     * @return this builder
     * @throws IllegalArgumentException when that name and version are already registered
     */
    public Builder workflow(String name, String version, Workflow workflow) {
      WorkflowRef ref = WorkflowRef.of(name, version);
      Objects.requireNonNull(workflow, "workflow");
      if (workflows.containsKey(ref)) {
        throw new IllegalArgumentException("workflow " + ref + " is already registered");
      }
      workflows.put(ref, workflow);
      return this;
    }

    /**
     * Runs workflows on a host executor instead of the default pool; the orchestrator never shuts
     * it down. Each run occupies one of its threads while it executes.
     *
     * @param value the executor
     * @return this builder
     */
    public Builder executor(Executor value) {
      this.executor = Objects.requireNonNull(value, "executor");
      return this;
    }

    /**
     * Sizes the default pool (daemon threads); runs beyond it wait {@code queued}.
     *
     * @param value 1 to 10,000 (default 8)
     * @return this builder
     */
    public Builder maxConcurrentRuns(int value) {
      if (value < 1 || value > 10_000) {
        throw new IllegalArgumentException(
            "maxConcurrentRuns must be 1 to 10,000 but was " + value);
      }
      this.maxConcurrentRuns = value;
      return this;
    }

    /**
     * @param value the clock for durations, wall time budgets and recommendation times (default UTC
     *     system clock); event times come from the store's clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * @param value this instance's id, the owner of its leases (default host name + pid); unique
     *     among the instances sharing a store
     * @return this builder
     */
    public Builder instanceId(String value) {
      Objects.requireNonNull(value, "instanceId");
      Trigger.checkText("instance_id", value, 200);
      this.instanceId = value;
      return this;
    }

    /**
     * @param value how long a lease holds without renewal (default 30 s); renewed every third of it
     * @return this builder
     */
    public Builder leaseTtl(Duration value) {
      Objects.requireNonNull(value, "leaseTtl");
      if (value.compareTo(Duration.ofMillis(300)) < 0) {
        throw new IllegalArgumentException("leaseTtl must be at least 300 ms but was " + value);
      }
      this.leaseTtl = value;
      return this;
    }

    /**
     * @param value how long {@link #close()} waits for running workflows, before and again after
     *     cancelling them (default 30 s)
     * @return this builder
     */
    public Builder closeTimeout(Duration value) {
      Objects.requireNonNull(value, "closeTimeout");
      if (value.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative but was " + value);
      }
      this.closeTimeout = value;
      return this;
    }

    /**
     * @param check a host preflight check, run after the built-in ones
     * @return this builder
     */
    public Builder preflightCheck(PreflightCheck check) {
      checks.add(Objects.requireNonNull(check, "check"));
      return this;
    }

    /**
     * @param listener a metrics listener
     * @return this builder
     */
    public Builder listener(OrchestratorListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the sources of labels taken from the starting thread's context (such as the current
     * span's W3C {@code traceparent}), instead of those found by {@link java.util.ServiceLoader}
     * (the default; see {@link ContextLabels}).
     *
     * @param sources the sources, asked in this order; empty to add no context labels
     * @return this builder
     */
    public Builder contextLabels(List<ContextLabels> sources) {
      Objects.requireNonNull(sources, "sources");
      sources.forEach(s -> Objects.requireNonNull(s, "a context label source"));
      this.contextLabels = List.copyOf(sources);
      return this;
    }

    /**
     * @return the orchestrator, ready to start runs
     */
    public RunOrchestrator build() {
      return new DefaultRunOrchestrator(
          new OrchestratorSettings(
              store,
              workflows,
              Optional.ofNullable(executor),
              maxConcurrentRuns,
              clock,
              instanceId != null ? instanceId : OrchestratorSettings.defaultInstanceId(),
              leaseTtl,
              closeTimeout,
              checks,
              listeners,
              Optional.ofNullable(contextLabels)));
    }
  }
}
