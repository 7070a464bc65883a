package dev.runs.examples;

import dev.runs.Budget;
import dev.runs.ConfigSnapshot;
import dev.runs.ModelGeneration;
import dev.runs.PreflightCheck;
import dev.runs.PreflightIssue;
import dev.runs.PreflightRefusedException;
import dev.runs.PreflightReport;
import dev.runs.Provenance;
import dev.runs.Recommendation;
import dev.runs.RecommendationRequest;
import dev.runs.RunContext;
import dev.runs.RunHandle;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/**
 * A cost-aware research pipeline with an advisor. The advisor stores a recommended config; that
 * never starts anything. A preflight of the recommendation shows what stands in the way (no
 * explicit action yet, and a budget above the team's spend limit, a host check). The user lowers
 * the budget and clicks Run: that explicit trigger starts the run. Afterwards the audit questions
 * are answered from the store: which runs came from the recommendation, and which trigger and
 * recommendation produced the run, with the diff between what was recommended and what ran.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=dev.runs.examples.AdvisorExample
 * </pre>
 */
public final class AdvisorExample {
  static final WorkflowRef WORKFLOW = WorkflowRef.of("fine-tune-eval", "2");
  static final BigDecimal TEAM_SPEND_LIMIT = new BigDecimal("10");

  /** What the run returns. */
  record Evaluation(String checkpoint, double validationLoss, double accuracy) {}

  private AdvisorExample() {}

  /** Outcome of one pass of the example, for the smoke test. */
  record Outcome(
      String recommendationId,
      RunId runId,
      PreflightReport blockedPreflight,
      PreflightReport readyPreflight,
      List<RunRecord> fromRecommendation,
      Provenance provenance) {}

  /**
   * Runs the advisor flow.
   *
   * @param args {@code [--store <uri>]}, {@code memory:} by default
   */
  public static void main(String[] args) {
    run(ExampleArgs.storeUri(args), System.out);
  }

  /**
   * Runs the advisor flow on a store.
   *
   * @param storeUri the store
   * @param out where to print
   * @return what happened
   */
  static Outcome run(String storeUri, PrintStream out) {
    PreflightCheck spendLimit =
        (request, findings) -> {
          BigDecimal maxCost =
              request
                  .config()
                  .flatMap(Budget::fromConfig)
                  .flatMap(Budget::maxCost)
                  .orElse(BigDecimal.ZERO);
          if (maxCost.compareTo(TEAM_SPEND_LIMIT) > 0) {
            findings.blocker(
                "spend_limit",
                "budget max_cost "
                    + maxCost.toPlainString()
                    + " is above the team's limit of "
                    + TEAM_SPEND_LIMIT.toPlainString()
                    + "; lower it");
          }
        };
    try (RunStore store = RunStores.open(storeUri);
        RunOrchestrator orchestrator =
            RunOrchestrator.builder(store)
                .workflow(WORKFLOW.name(), WORKFLOW.version(), AdvisorExample::fineTuneEval)
                .preflightCheck(spendLimit)
                .build()) {
      String suffix = UUID.randomUUID().toString().substring(0, 8);

      out.println("1. The advisor stores a recommendation");
      Recommendation rec =
          orchestrator.recommend(
              RecommendationRequest.builder(
                      WORKFLOW,
                      ConfigSnapshot.builder()
                          .model("acme", "base-7b")
                          .param("epochs", 3)
                          .param("learning_rate", 0.0002)
                          .input("dataset", "support-tickets-2026-02")
                          .build())
                  .id("rec-" + suffix)
                  .budget(Budget.none().withMaxCost(new BigDecimal("25")).withMaxTokens(2_000_000))
                  .rationale(
                      "3 epochs gave the best validation loss on the last two datasets of this"
                          + " size")
                  .sourceRef("advisor-message-8812")
                  .build());
      long runsNow =
          store.list(RunQuery.builder().recommendationId(rec.id()).build()).runs().size();
      out.println(
          "   "
              + rec.id()
              + ": "
              + rec.status().wireName()
              + ", config "
              + rec.configSha256().substring(0, 12)
              + ", runs started from it: "
              + runsNow);

      out.println("2. Preflight of the recommendation as it is, before anyone clicks Run");
      RunRequest asRecommended =
          RunRequest.builder()
              .workflow(WORKFLOW)
              .recommendationId(rec.id())
              .namespace("research/finetune")
              .build();
      PreflightReport blocked = orchestrator.preflight(asRecommended);
      for (PreflightIssue issue : blocked.blockers()) {
        out.println("   blocker " + issue.code() + ": " + issue.message());
      }
      try {
        orchestrator.start(asRecommended);
        throw new IllegalStateException("start() accepted a request with blockers");
      } catch (PreflightRefusedException e) {
        out.println(
            "   start() refuses it too ("
                + e.report().blockers().size()
                + " blockers); nothing was written");
      }

      out.println("3. The user lowers the budget to 8 and clicks Run: an explicit trigger");
      RunRequest clicked =
          asRecommended.toBuilder()
              .budget(Budget.none().withMaxCost(new BigDecimal("8")).withMaxTokens(2_000_000))
              .trigger(Trigger.of(TriggerSource.UI, "click-" + suffix, "grace"))
              .build();
      PreflightReport ready = orchestrator.preflight(clicked);
      out.println("   preflight: " + ready);
      RunHandle run = orchestrator.start(clicked);
      RunStatus status = run.completion().join();
      out.println("   run " + run.runId() + ": " + status.wireName());

      out.println("4. Audit");
      List<RunRecord> fromRec = orchestrator.runsFromRecommendation(rec.id());
      out.println(
          "   runs from " + rec.id() + ": " + fromRec.stream().map(r -> r.id().value()).toList());
      Provenance p = orchestrator.provenance(run.runId());
      out.println("   provenance of " + p.runId() + ":");
      out.println(
          "     trigger "
              + p.trigger().source().wireName()
              + " "
              + p.trigger().triggerId()
              + " by "
              + p.trigger().actor().orElse("?")
              + " at "
              + p.trigger().time());
      p.recommendationLink()
          .ifPresent(
              l -> {
                out.println(
                    "     recommendation "
                        + l.recommendationId()
                        + " (config "
                        + l.recommendedConfigSha256().substring(0, 12)
                        + "), changed before the run:");
                l.diffFromRecommended().changes().forEach(c -> out.println("       " + c));
              });
      p.recommendation()
          .ifPresent(
              r ->
                  out.println(
                      "     why: "
                          + r.rationale()
                          + " [source "
                          + r.sourceRef().orElse("?")
                          + "]"));
      return new Outcome(rec.id(), run.runId(), blocked, ready, fromRec, p);
    }
  }

  /** The research workflow: two model-backed steps whose cost counts against the budget. */
  static Object fineTuneEval(RunContext ctx) {
    int epochs = ctx.config().at("/model/params/epochs").orElseThrow().asInt();
    String checkpoint =
        ctx.step(
            "train",
            String.class,
            () -> {
              for (int epoch = 1; epoch <= epochs; epoch++) {
                ModelGeneration gen = ctx.model("acme", "base-7b").param("epoch", epoch).started();
                gen.completed(
                    gen.completion().usage(400_000, 0).cost(new BigDecimal("1.20")).build());
              }
              return "ckpt-" + epochs + "ep";
            });
    return ctx.step(
        "evaluate",
        Evaluation.class,
        () -> {
          ModelGeneration gen =
              ctx.model("acme", checkpoint).param("split", "validation").started();
          gen.completed(
              gen.completion()
                  .usage(120_000, 8_000)
                  .cost(new BigDecimal("0.35"))
                  .finishReason("stop")
                  .build());
          return new Evaluation(checkpoint, 0.412, 0.871);
        });
  }
}
