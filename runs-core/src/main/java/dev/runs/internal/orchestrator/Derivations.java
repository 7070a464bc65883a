package dev.runs.internal.orchestrator;

import dev.runs.ConfigDiff;
import dev.runs.ConfigOverride;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.IllegalTransitionException;
import dev.runs.Lease;
import dev.runs.Lineage;
import dev.runs.Payload;
import dev.runs.PreflightIssue;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.ReplayPoint;
import dev.runs.RunBusyException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStore;
import dev.runs.SnapshotMismatchException;
import dev.runs.StoreCorruptedException;
import dev.runs.Trigger;
import dev.runs.ValidationException;
import dev.runs.Workflow;
import dev.runs.WorkflowRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs derived from an existing one: {@code resume} (the same run, a new execution), {@code replay}
 * (a new run with the same config snapshot, reusing the source's step outputs recorded before a
 * point) and {@code rerun} (a new run with changed parameters and the diff recorded). Thread-safe:
 * its state is final; concurrent derivations of one run are settled by the store's lease, trigger
 * ids and idempotency keys.
 */
final class Derivations {
  private static final Logger log = LoggerFactory.getLogger(Derivations.class);

  private final ExecutionEnvironment env;
  private final Map<WorkflowRef, Workflow> workflows;
  private final Duration leaseTtl;
  private final Preflight preflight;
  private final Launcher launcher;
  private final ActiveExecutions active;

  Derivations(
      ExecutionEnvironment env,
      Map<WorkflowRef, Workflow> workflows,
      Duration leaseTtl,
      Preflight preflight,
      Launcher launcher,
      ActiveExecutions active) {
    this.env = Objects.requireNonNull(env, "env");
    this.workflows = Objects.requireNonNull(workflows, "workflows");
    this.leaseTtl = Objects.requireNonNull(leaseTtl, "leaseTtl");
    this.preflight = Objects.requireNonNull(preflight, "preflight");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.active = Objects.requireNonNull(active, "active");
  }

  // ---- resume --------------------------------------------------------------------------------

  /** See {@link dev.runs.RunOrchestrator#resume}. */
  RunHandle resume(RunId runId, @Nullable Trigger trigger) {
    RunStore store = env.store();
    String instanceId = env.instanceId();
    RunRecord record = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    Trigger by = refuseUnlessRunnable("resume of run " + runId, record.workflow(), trigger);
    Execution running = active.get(runId);
    if (running != null) {
      return launcher.handle(running, record, false);
    }
    RunEntry e = store.entry(runId).orElseThrow(() -> new RunNotFoundException(runId));
    if (!e.status().isResumable()) {
      if (resumedBy(runId, by.triggerId())) {
        return launcher.existingHandle(record);
      }
      throw new IllegalTransitionException(runId, e.status(), EventTypes.RUN_RESUMED.name());
    }
    Optional<Lease> lease = store.acquireLease(runId, instanceId, leaseTtl);
    if (lease.isEmpty()) {
      throw new RunBusyException(
          store.lease(runId).orElseThrow(() -> new RunNotFoundException(runId)));
    }
    Workflow workflow =
        Objects.requireNonNull(
            workflows.get(record.workflow()), "refuseUnlessRunnable checked the workflow");
    Execution ex = new Execution(env, record, workflow, Execution.Mode.RESUME, Map.of());
    Execution other = active.putIfAbsent(ex);
    if (other != null) {
      return launcher.handle(other, record, false);
    }
    RunEvent resumed;
    try {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("reason", "resume");
      p.put("trigger", triggerJson(by));
      p.put("owner", instanceId);
      resumed =
          store.append(
              runId,
              EventDraft.of(EventTypes.RUN_RESUMED, Payload.of(p))
                  .withSource(ExecutionEnvironment.SOURCE)
                  .withIdempotencyKey(Keys.resume(by.triggerId())));
    } catch (RuntimeException x) {
      active.remove(ex);
      store.releaseLease(runId, instanceId);
      throw x;
    }
    if (resumed.sequence() <= e.lastSequence()) {
      active.remove(ex);
      store.releaseLease(runId, instanceId);
      return launcher.existingHandle(record);
    }
    log.debug("run {} - resumed by trigger {}", runId, by.triggerId());
    launcher.submit(ex, record);
    return launcher.handle(ex, record, true);
  }

  /**
   * @return the trigger, which is then known to be present
   */
  private Trigger refuseUnlessRunnable(
      String what, WorkflowRef workflow, @Nullable Trigger trigger) {
    List<PreflightIssue> blockers = new ArrayList<>();
    if (trigger == null) {
      blockers.add(
          new PreflightIssue(
              "trigger_missing",
              "a resume needs an explicit action: pass a trigger with a unique trigger id"));
    }
    if (!workflows.containsKey(workflow)) {
      blockers.add(
          new PreflightIssue(
              "workflow_not_registered",
              "workflow "
                  + workflow
                  + " is not registered with this orchestrator; registered: "
                  + workflows.keySet()));
    }
    if (!blockers.isEmpty()) {
      throw new PreflightRefusedException(
          what, new PreflightReport(blockers, List.of(), Optional.empty()));
    }
    return Objects.requireNonNull(trigger, "trigger");
  }

  private boolean resumedBy(RunId runId, String triggerId) {
    String key = Keys.resume(triggerId);
    try (EventStream s = env.store().read(runId, 0)) {
      while (s.hasNext()) {
        RunEvent ev = s.next();
        if (ev.type().equals(EventTypes.RUN_RESUMED)
            && ev.idempotencyKey().filter(key::equals).isPresent()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The resume's trigger as written today. A map: the typed {@code RunResumed} has no {@code owner}
   * field, so the whole {@code run.resumed} payload stays a map.
   */
  private static Map<String, Object> triggerJson(Trigger t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", t.source().wireName());
    m.put("trigger_id", t.triggerId());
    t.actor().ifPresent(a -> m.put("actor", a));
    return m;
  }

  // ---- replay and rerun ----------------------------------------------------------------------

  /** See {@link dev.runs.RunOrchestrator#replay}. */
  RunHandle replay(RunId runId, ReplayPoint point, @Nullable Trigger trigger) {
    RunStore store = env.store();
    RunRecord source = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    if (trigger != null) {
      Optional<RunRecord> existing = store.findByTrigger(trigger.triggerId());
      if (existing.isPresent()) {
        return launcher.existingHandle(existing.get());
      }
    }
    Map<String, ReusedOutput> reuse = reusable(source, point);
    RunRequest request = derivedRequest(source, source.config(), trigger);
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException("replay of run " + runId + " from " + point, o.report());
    }
    RunRecord record =
        launcher.newRecord(
            request,
            o,
            Optional.of(
                new Lineage(
                    runId,
                    Lineage.Relation.REPLAY,
                    Optional.of(point.label()),
                    ConfigDiff.empty())));
    return launcher.launch(record, reuse);
  }

  /** See {@link dev.runs.RunOrchestrator#rerun}. */
  RunHandle rerun(RunId runId, List<ConfigOverride> overrides, @Nullable Trigger trigger) {
    RunStore store = env.store();
    RunRecord source = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    ConfigSnapshot changed = source.config().withOverrides(overrides);
    if (trigger != null) {
      Optional<RunRecord> existing = store.findByTrigger(trigger.triggerId());
      if (existing.isPresent()) {
        return launcher.existingHandle(existing.get());
      }
    }
    RunRequest request = derivedRequest(source, changed, trigger);
    Preflight.Outcome o = preflight.run(request);
    if (!o.report().ready()) {
      throw new PreflightRefusedException("rerun of run " + runId, o.report());
    }
    ConfigDiff diff = source.config().diff(o.report().normalizedConfig().orElseThrow());
    RunRecord record =
        launcher.newRecord(
            request,
            o,
            Optional.of(new Lineage(runId, Lineage.Relation.RERUN, Optional.empty(), diff)));
    return launcher.launch(record, Map.of());
  }

  private static RunRequest derivedRequest(
      RunRecord source, ConfigSnapshot config, @Nullable Trigger trigger) {
    RunRequest.Builder b = RunRequest.builder().workflow(source.workflow()).config(config);
    if (trigger != null) {
      b.trigger(trigger);
    }
    if (!source.namespace().isEmpty()) {
      b.namespace(source.namespace());
    }
    source.threadKey().ifPresent(b::threadKey);
    source.labels().forEach(b::label);
    return b.build();
  }

  /** Checks the source's snapshot and collects the outputs of steps completed before the point. */
  private Map<String, ReusedOutput> reusable(RunRecord source, ReplayPoint point) {
    RunId id = source.id();
    Map<String, Long> firstStart = new LinkedHashMap<>();
    Map<String, Long> checkpoints = new LinkedHashMap<>();
    List<RunEvent> completions = new ArrayList<>();
    try (EventStream s = env.store().read(id, 0)) {
      boolean first = true;
      while (s.hasNext()) {
        RunEvent e = s.next();
        if (first) {
          first = false;
          verifySnapshot(source, e);
        }
        String type = e.type().name();
        if (type.equals("step.started") && e.stepId().isPresent()) {
          firstStart.putIfAbsent(e.stepId().get(), e.sequence());
        } else if (type.equals("step.completed") && e.stepId().isPresent()) {
          completions.add(e);
        } else if (type.equals("checkpoint.saved")) {
          e.payload()
              .text("checkpoint_id")
              .ifPresent(c -> checkpoints.putIfAbsent(c, e.sequence()));
        }
      }
    }
    long cutoff =
        switch (point.kind()) {
          case START -> 0;
          case STEP -> {
            Long seq = firstStart.get(point.id().get());
            if (seq == null) {
              throw new ValidationException(
                  "replay_point",
                  "step '"
                      + point.id().get()
                      + "' never started in run "
                      + id
                      + "; its steps are "
                      + firstStart.keySet());
            }
            yield seq;
          }
          case CHECKPOINT -> {
            Long seq = checkpoints.get(point.id().get());
            if (seq == null) {
              throw new ValidationException(
                  "replay_point",
                  "checkpoint '"
                      + point.id().get()
                      + "' was never saved in run "
                      + id
                      + "; its checkpoints are "
                      + checkpoints.keySet());
            }
            yield seq;
          }
        };
    Map<String, ReusedOutput> reuse = new LinkedHashMap<>();
    for (RunEvent c : completions) {
      if (c.sequence() < cutoff) {
        // the latest completion is the output the source went on with: a step completes again
        // only when its earlier output was redacted and so could not be reused
        reuse.put(c.stepId().get(), ReusedOutput.of(id, c));
      }
    }
    return reuse;
  }

  private static void verifySnapshot(RunRecord source, RunEvent first) {
    if (!first.type().equals(EventTypes.RUN_CREATED)) {
      throw new StoreCorruptedException(
          "run " + source.id() + ": its first event is " + first.type() + ", not run.created");
    }
    Optional<String> recorded = first.payload().text("config_sha256");
    String actual = source.config().sha256();
    if (recorded.isPresent() && !recorded.get().equals(actual)) {
      throw new SnapshotMismatchException(source.id(), recorded.get(), actual);
    }
  }
}
