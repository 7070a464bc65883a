package dev.runs.internal.orchestrator;

import dev.runs.Budget;
import dev.runs.ConfigOverride;
import dev.runs.ConfigSnapshot;
import dev.runs.PreflightCheck;
import dev.runs.PreflightIssue;
import dev.runs.PreflightReport;
import dev.runs.Recommendation;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStore;
import dev.runs.RunsException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built-in preflight checks followed by the host's. Stateless apart from its inputs. */
final class Preflight {
  private static final Logger log = LoggerFactory.getLogger(Preflight.class);

  /** A report plus what the start needs from it. */
  record Outcome(PreflightReport report, Optional<Recommendation> recommendation) {}

  private final RunStore store;
  private final Set<WorkflowRef> workflows;
  private final List<PreflightCheck> checks;
  private final Function<String, Optional<Recommendation>> recommendations;

  Preflight(
      RunStore store,
      Set<WorkflowRef> workflows,
      List<PreflightCheck> checks,
      Function<String, Optional<Recommendation>> recommendations) {
    this.store = store;
    this.workflows = Set.copyOf(workflows);
    this.checks = List.copyOf(checks);
    this.recommendations = recommendations;
  }

  /** Collects findings, validating their codes. */
  static final class Findings implements PreflightCheck.Findings {
    final List<PreflightIssue> blockers = new ArrayList<>();
    final List<PreflightIssue> warnings = new ArrayList<>();

    @Override
    public void blocker(String code, String message) {
      blockers.add(new PreflightIssue(code, message));
    }

    @Override
    public void warning(String code, String message) {
      warnings.add(new PreflightIssue(code, message));
    }
  }

  Outcome run(RunRequest request) {
    Findings f = new Findings();
    if (request.trigger().isEmpty()) {
      f.blocker(
          "trigger_missing",
          "a run starts only from an explicit action: set a trigger"
              + " (source and a unique trigger id, e.g. the id of the click or API request)");
    }
    if (request.workflow().isEmpty()) {
      f.blocker("workflow_missing", "name the workflow to run (RunRequest.Builder.workflow)");
    } else if (!workflows.contains(request.workflow().get())) {
      f.blocker(
          "workflow_not_registered",
          "workflow "
              + request.workflow().get()
              + " is not registered with this orchestrator; registered: "
              + workflows);
    }
    Optional<Recommendation> rec = Optional.empty();
    if (request.recommendationId().isPresent()) {
      String id = request.recommendationId().get();
      try {
        rec = recommendations.apply(id);
      } catch (RunsException e) {
        f.blocker(
            "recommendation_not_found",
            "recommendation " + id + " cannot be read: " + e.getMessage());
      }
      if (rec.isEmpty()) {
        if (f.blockers.stream().noneMatch(i -> i.code().equals("recommendation_not_found"))) {
          f.blocker("recommendation_not_found", "no recommendation with id '" + id + "' exists");
        }
      } else if (!rec.get().isReady()) {
        f.blocker(
            "recommendation_blocked",
            "recommendation "
                + id
                + " is blocked by "
                + rec.get().blockers()
                + "; resolve them and store a new recommendation");
      } else if (request.workflow().isPresent()
          && !request.workflow().get().equals(rec.get().workflow())) {
        f.warning(
            "recommendation_workflow_differs",
            "recommendation "
                + id
                + " is for workflow "
                + rec.get().workflow()
                + " but the run is for "
                + request.workflow().get());
      }
    }
    Optional<Recommendation> found = rec;
    ConfigSnapshot base =
        request
            .config()
            .orElseGet(
                () ->
                    found
                        .filter(Recommendation::isReady)
                        .map(Recommendation::config)
                        .orElse(ConfigSnapshot.empty()));
    Optional<ConfigSnapshot> normalized = Optional.empty();
    try {
      ConfigSnapshot c = base;
      if (request.budget().isPresent()) {
        c =
            base.withOverrides(
                List.of(
                    ConfigOverride.add(Budget.CONFIG_POINTER, request.budget().get().toJson())));
      }
      normalized = Optional.of(c);
    } catch (ValidationException e) {
      f.blocker("config_invalid", "the config cannot take the budget: " + e.getMessage());
    }
    if (normalized.isPresent()) {
      try {
        Optional<Budget> budget = Budget.fromConfig(normalized.get());
        if (budget.isEmpty() || budget.get().isUnlimited()) {
          f.warning(
              "budget_missing",
              "the run has no budget: nothing limits its tokens, cost or"
                  + " wall time (set RunRequest.Builder.budget)");
        }
      } catch (ValidationException e) {
        f.blocker("budget_invalid", Objects.requireNonNullElse(e.getMessage(), e.toString()));
      }
    }
    checkRecord(request, normalized, f);
    if (request.runId().isPresent()) {
      Optional<RunRecord> taken = store.get(request.runId().get());
      if (taken.isPresent()
          && !(request.trigger().isPresent()
              && taken.get().trigger().triggerId().equals(request.trigger().get().triggerId()))) {
        f.blocker(
            "run_id_taken",
            "run "
                + request.runId().get()
                + " already exists (created by trigger "
                + taken.get().trigger().triggerId()
                + "); leave the run id out to get a fresh one");
      }
    }
    RunRequest normalizedRequest = normalized.map(request::withConfig).orElse(request);
    for (PreflightCheck check : checks) {
      try {
        check.check(normalizedRequest, f);
      } catch (RuntimeException e) {
        log.debug("preflight check {} failed", check, e);
        f.blocker(
            "check_failed", "preflight check " + check.getClass().getName() + " failed: " + e);
      }
    }
    return new Outcome(new PreflightReport(f.blockers, f.warnings, normalized), rec);
  }

  /**
   * Builds a throwaway record to validate namespace, thread key and labels the way a store would.
   */
  private static void checkRecord(RunRequest request, Optional<ConfigSnapshot> config, Findings f) {
    try {
      RunRecord.Builder b =
          RunRecord.builder(
              request.workflow().orElse(WorkflowRef.of("preflight", "0")),
              config.orElse(ConfigSnapshot.empty()),
              request
                  .trigger()
                  .orElse(
                      new Trigger(
                          TriggerSource.API, "preflight", Optional.empty(), Instant.EPOCH)));
      request.runId().ifPresent(b::id);
      request.namespace().ifPresent(b::namespace);
      request.threadKey().ifPresent(b::threadKey);
      request.labels().forEach(b::label);
      b.build();
    } catch (ValidationException e) {
      f.blocker("request_invalid", Objects.requireNonNullElse(e.getMessage(), e.toString()));
    }
  }
}
