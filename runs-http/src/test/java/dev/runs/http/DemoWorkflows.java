package dev.runs.http;

import dev.runs.GuardrailStage;
import dev.runs.ModelGeneration;
import dev.runs.RunOrchestrator;
import dev.runs.StepOptions;
import dev.runs.WorkflowException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Workflows the tests, the browser test and the demo server register: an agent-like run that emits
 * every family of events, a run held at a gate, a slow ticking run and one that fails once.
 */
final class DemoWorkflows {
  private DemoWorkflows() {}

  /** Releases the runs of the {@code gated} workflow that are waiting. */
  static final class Gate {
    private volatile CountDownLatch latch = new CountDownLatch(1);

    void release() {
      latch.countDown();
    }

    void await() throws InterruptedException {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never opened the gate");
      }
    }
  }

  /**
   * Registers {@code research@1}, {@code gated@1}, {@code slow@1} and {@code flaky@1}.
   *
   * @param b the builder
   * @param gate what runs of the gate-keeping workflow (the second one) wait for
   * @param tick how long each step of {@code slow} and the model call of {@code research} take
   * @return the builder
   */
  static RunOrchestrator.Builder register(RunOrchestrator.Builder b, Gate gate, Duration tick) {
    b.workflow(
        "research",
        "1",
        ctx -> {
          String topic = ctx.config().at("/inputs/topic").map(n -> n.asText()).orElse("tides");
          ctx.console("stdout", "researching " + topic);
          ctx.phase(
              "plan",
              () -> {
                ctx.step(
                    "outline",
                    String.class,
                    () -> {
                      ModelGeneration g =
                          ctx.model("acme", "m-1").param("temperature", 0.2).started();
                      sleep(tick);
                      g.completed(
                          g.completion()
                              .usage(812, 164)
                              .cost(new BigDecimal("0.0042"))
                              .finishReason("stop")
                              .build());
                      return "1. causes 2. cycles 3. records";
                    });
                ctx.decision("route", "web", "the outline asks for sources");
              });
          ctx.guardrail("pii-filter", GuardrailStage.INPUT, true, Map.of("matches", 0));
          String found =
              ctx.step(
                  "search",
                  String.class,
                  () ->
                      ctx.tool(
                          "web_search",
                          "2",
                          Map.of("query", topic, "top_k", 3),
                          () -> {
                            sleep(tick);
                            return "3 sources";
                          }));
          ctx.handoff("planner", "writer", "outline and sources ready");
          ctx.checkpoint("drafted");
          String report =
              ctx.step(
                  "write",
                  String.class,
                  () -> {
                    ModelGeneration g =
                        ctx.model("acme", "m-2").param("temperature", 0.7).started();
                    sleep(tick);
                    g.completed(
                        g.completion()
                            .usage(1530, 602)
                            .cost(new BigDecimal("0.0121"))
                            .finishReason("stop")
                            .build());
                    return "# Tides\n\nTides are caused by the moon (" + found + ").\n";
                  });
          ctx.guardrail("toxicity", GuardrailStage.OUTPUT, true, Map.of("score", 0.01));
          Map<String, Object> input = new LinkedHashMap<>();
          input.put("topic", topic);
          ctx.stage("report")
              .input(input)
              .output(Map.of("words", report.split("\\s+").length))
              .artifact("report.md", "report", report.getBytes(StandardCharsets.UTF_8))
              .artifact(
                  "sources.json",
                  "table",
                  "[{\"title\":\"Moon\"}]".getBytes(StandardCharsets.UTF_8))
              .write();
          ctx.highlight("sources", 3);
          return Map.of("answer", report.lines().skip(2).findFirst().orElse(""));
        });
    b.workflow(
        "gated",
        "1",
        ctx -> {
          ctx.console("stdout", "before the gate");
          ctx.step(
              "wait",
              String.class,
              StepOptions.defaults().withInterruptOnCancel(true),
              () -> {
                gate.await();
                return "open";
              });
          for (int i = 1; i <= 3; i++) {
            ctx.console("stdout", "after the gate " + i);
          }
          return "done";
        });
    b.workflow(
        "slow",
        "1",
        ctx -> {
          for (int i = 1; i <= 600; i++) {
            int n = i;
            ctx.step(
                "tick-" + i,
                Integer.class,
                () -> {
                  sleep(tick);
                  return n;
                });
            ctx.console("stdout", "tick " + i);
          }
          return "finished";
        });
    b.workflow(
        "flaky",
        "1",
        ctx -> {
          ctx.step("prepare", String.class, () -> "ready");
          ctx.step(
              "call",
              String.class,
              () -> {
                if (ctx.attempt() == 1) {
                  throw new WorkflowException(
                      "upstream_down", "the upstream service answered 503", true);
                }
                return "ok";
              });
          return "recovered";
        });
    return b;
  }

  private static void sleep(Duration d) throws InterruptedException {
    if (!d.isZero()) {
      Thread.sleep(d.toMillis());
    }
  }
}
