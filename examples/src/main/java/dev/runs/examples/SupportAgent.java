package dev.runs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.GuardrailStage;
import dev.runs.ModelGeneration;
import dev.runs.RunContext;
import dev.runs.RunId;
import dev.runs.StepBody;
import dev.runs.StepOptions;
import dev.runs.Workflow;
import dev.runs.WorkflowException;
import dev.runs.payload.AgentInvoked;
import dev.runs.payload.ModelGenerationCompleted;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The demo's simulated support agent, a {@link Workflow}: an input guardrail, a triage agent that
 * asks the model which tool to call and looks the order up, a handoff to a billing agent that
 * checks the refund policy and drafts the answer under an output guardrail, filing it as stage
 * {@value #REPLY_STAGE} with the artifact {@value #REPLY_ARTIFACT}, and optionally a wait for a
 * human's approval that only a cancel ends. The model and both tools are fakes with fixed answers,
 * so the demo is deterministic.
 *
 * <p>It also counts how often each step's body really ran in each run, which is how the demo shows
 * that a resume or a replay does not redo completed work.
 */
final class SupportAgent implements Workflow {
  static final String NAME = "support-agent";
  static final String VERSION = "1";

  /** The stage the drafted reply is filed in. */
  static final String REPLY_STAGE = "reply";

  /** The reply as Markdown, the stage's artifact. */
  static final String REPLY_ARTIFACT = "reply.md";

  /** What {@code lookup_order} returns. */
  record Order(String orderId, String item, String status, String deliveredOn, BigDecimal amount) {}

  /** What {@code refund_policy} returns. */
  record Policy(String category, boolean refundable, int windowDays, boolean needsPhoto) {}

  /** The agent's answer to the customer. */
  record Answer(String text, int revisions, String resolution) {}

  private static final Pattern CARD_NUMBER = Pattern.compile("\\b(?:\\d[ -]?){13,16}\\b");
  private static final Pattern EMAIL = Pattern.compile("[\\w.+-]+@[\\w-]+\\.[\\w.]+");
  private static final List<String> PROMISES = List.of("guarantee", "promise", "within 24 hours");

  private final ScriptedModel model = new ScriptedModel();
  private final AtomicInteger policyOutage = new AtomicInteger();

  /** "run id|step path" to how often the body ran, in order of first run. */
  private final Map<String, AtomicInteger> bodyRuns =
      Collections.synchronizedMap(new LinkedHashMap<>());

  /** Per run: counted down when the run waits for a human's approval. */
  private final Map<RunId, CountDownLatch> approvalRequests = new ConcurrentHashMap<>();

  /** Never counted down: nobody approves in the demo, a waiting run ends only by a cancel. */
  private final CountDownLatch approvalGiven = new CountDownLatch(1);

  /** Makes the next {@code calls} calls of the refund policy service fail, like an outage. */
  void failPolicyServiceFor(int calls) {
    policyOutage.set(calls);
  }

  /**
   * Waits until a run of this agent is blocked waiting for a human's approval.
   *
   * @param runId the run
   * @param timeout how long to wait
   * @return true when the run is waiting
   * @throws InterruptedException when interrupted
   */
  boolean awaitApprovalRequest(RunId runId, Duration timeout) throws InterruptedException {
    return approvalRequest(runId).await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CountDownLatch approvalRequest(RunId runId) {
    return approvalRequests.computeIfAbsent(runId, id -> new CountDownLatch(1));
  }

  /**
   * How often each step's body ran in one run.
   *
   * @param runId the run
   * @return step path to count, in order of first run
   */
  Map<String, Integer> bodyRuns(RunId runId) {
    Map<String, Integer> out = new LinkedHashMap<>();
    String prefix = runId.value() + "|";
    synchronized (bodyRuns) {
      bodyRuns.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              out.put(k.substring(prefix.length()), v.get());
            }
          });
    }
    return out;
  }

  @Override
  public Object run(RunContext ctx) throws Exception {
    String question = ctx.config().at("/inputs/question").map(JsonNode::asText).orElse("");
    double temperature =
        ctx.config().at("/model/params/temperature").map(JsonNode::asDouble).orElse(0.2);
    boolean needsApproval =
        ctx.config().at("/policy/human_approval").map(JsonNode::asBoolean).orElse(false);
    String customer = ctx.config().at("/inputs/customer").map(JsonNode::asText).orElse("customer");

    counted(
        ctx,
        "",
        "guard-input",
        String.class,
        StepOptions.defaults(),
        () -> {
          Map<String, Object> details = new LinkedHashMap<>();
          details.put("checks", List.of("card_number", "email"));
          boolean clean = !CARD_NUMBER.matcher(question).find() && !EMAIL.matcher(question).find();
          details.put("matches", clean ? 0 : 1);
          ctx.guardrail("pii-filter", GuardrailStage.INPUT, clean, details);
          if (!clean) {
            throw new WorkflowException(
                "input_rejected", "the question contains personal data", false);
          }
          return question;
        });

    AtomicReference<Order> order = new AtomicReference<>();
    ctx.phase(
        "triage",
        () -> {
          ctx.emit(AgentInvoked.of("triage"));
          ScriptedModel.ToolRequest request =
              counted(
                  ctx,
                  "triage",
                  "plan",
                  ScriptedModel.ToolRequest.class,
                  StepOptions.defaults(),
                  () -> ask(ctx, "triage", "plan", temperature).toolRequest().orElseThrow());
          order.set(
              counted(
                  ctx,
                  "triage",
                  "lookup",
                  Order.class,
                  StepOptions.defaults(),
                  () ->
                      ctx.tool(
                          request.tool(),
                          "2",
                          Map.of("order_id", request.orderId()),
                          () -> lookupOrder(request.orderId()))));
          ctx.checkpoint("order-found");
          ctx.handoff("triage", "billing", "damaged item on a delivered order: refund question");
        });

    AtomicReference<Answer> answer = new AtomicReference<>();
    ctx.phase(
        "billing",
        () -> {
          ctx.emit(AgentInvoked.of("billing"));
          Policy policy =
              counted(
                  ctx,
                  "billing",
                  "policy",
                  Policy.class,
                  StepOptions.retry(2, Duration.ofMillis(10)),
                  () ->
                      ctx.tool(
                          "refund_policy",
                          "1",
                          Map.of("category", "damaged_on_arrival"),
                          () -> refundPolicy("damaged_on_arrival")));
          answer.set(
              counted(
                  ctx,
                  "billing",
                  "draft",
                  Answer.class,
                  StepOptions.defaults(),
                  () -> {
                    String text = ask(ctx, "billing", "draft", temperature).text();
                    int revisions = 0;
                    while (!outputGuardrail(ctx, text)) {
                      if (++revisions > 2) {
                        throw new WorkflowException(
                            "no_safe_answer", "the output guardrail tripped 3 times", false);
                      }
                      text = ask(ctx, "billing", "revise", temperature).text();
                    }
                    Answer a =
                        new Answer(text, revisions, policy.refundable() ? "refund" : "escalate");
                    ctx.stage(REPLY_STAGE)
                        .input(Map.of("question", question, "order", order.get()))
                        .output(a)
                        .artifact(
                            REPLY_ARTIFACT,
                            "reply",
                            reply(customer, a).getBytes(StandardCharsets.UTF_8))
                        .write();
                    return a;
                  }));
          if (needsApproval) {
            counted(
                ctx,
                "billing",
                "await-approval",
                String.class,
                StepOptions.defaults().withInterruptOnCancel(true),
                () -> {
                  approvalRequest(ctx.runId()).countDown();
                  try {
                    approvalGiven.await(); // a human would answer here; the demo cancels instead
                  } catch (InterruptedException e) {
                    ctx.cancellation().throwIfCancelled(); // says why: the run was cancelled
                    throw e;
                  }
                  return "approved";
                });
          }
        });

    Order o = order.get();
    ctx.decision(
        "resolution",
        answer.get().resolution(),
        o.status() + " order, damaged on arrival, inside the refund window");
    ctx.highlight("order", o.orderId());
    ctx.highlight("answer", answer.get().text());
    return answer.get();
  }

  /**
   * Runs a step and counts every real execution of its body.
   *
   * @param phase the enclosing phase, empty at the top level (only used for the count's key)
   */
  private <T> T counted(
      RunContext ctx,
      String phase,
      String id,
      Class<T> type,
      StepOptions options,
      StepBody<T> body) {
    String key = ctx.runId().value() + "|" + (phase.isEmpty() ? id : phase + "/" + id);
    return ctx.step(
        id,
        type,
        options,
        () -> {
          bodyRuns.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          return body.run();
        });
  }

  private ScriptedModel.Reply ask(RunContext ctx, String agent, String turn, double temperature)
      throws InterruptedException {
    ModelGeneration gen =
        ctx.model(ScriptedModel.PROVIDER, ScriptedModel.MODEL)
            .param("temperature", temperature)
            .route("agent", agent)
            .route("turn", turn)
            .started();
    ScriptedModel.Reply reply;
    try {
      reply = model.answer(agent, turn, temperature);
    } catch (InterruptedException | RuntimeException e) {
      gen.failed(e);
      throw e;
    }
    ModelGenerationCompleted completion =
        gen.completion()
            .usage(reply.inputTokens(), reply.outputTokens())
            .cost(reply.cost())
            .latency(Duration.ofMillis(reply.latencyMs()))
            .finishReason(reply.finishReason())
            .output(reply.text())
            .build();
    gen.completed(completion);
    return reply;
  }

  /** The reply as the Markdown artifact of stage {@value #REPLY_STAGE}. */
  private static String reply(String customer, Answer answer) {
    return "# Reply to "
        + customer
        + "\n\n"
        + answer.text()
        + "\n\nresolution: "
        + answer.resolution()
        + ", revisions: "
        + answer.revisions()
        + "\n";
  }

  private static boolean outputGuardrail(RunContext ctx, String text) {
    List<String> matched = new ArrayList<>();
    for (String p : PROMISES) {
      if (text.toLowerCase(Locale.ROOT).contains(p)) {
        matched.add(p);
      }
    }
    ctx.guardrail(
        "no-promises", GuardrailStage.OUTPUT, matched.isEmpty(), Map.of("matched", matched));
    return matched.isEmpty();
  }

  private static Order lookupOrder(String orderId) throws InterruptedException {
    Thread.sleep(2);
    return new Order(orderId, "desk lamp", "delivered", "2026-03-02", new BigDecimal("49.90"));
  }

  private Policy refundPolicy(String category) throws IOException, InterruptedException {
    Thread.sleep(1);
    if (policyOutage.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IOException("refund policy service unavailable (HTTP 503)");
    }
    return new Policy(category, true, 30, true);
  }
}
