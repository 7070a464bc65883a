package dev.runs.cli;

import dev.runs.ModelGeneration;
import dev.runs.Workflow;
import dev.runs.WorkflowException;
import dev.runs.WorkflowRef;
import dev.runs.spi.WorkflowProvider;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The host workflows the tests run through the CLI (listed in {@code META-INF/services}) and from
 * Java: {@code greet@1} (steps, a model call, a checkpoint, a stage); {@code flaky@1}, which fails
 * its second step while the file named by {@code /inputs/fail_while} exists.
 */
public final class TestWorkflows implements WorkflowProvider {
  /** Discovery needs a public no-argument constructor. */
  public TestWorkflows() {}

  static final Workflow GREET =
      ctx -> {
        String name = ctx.config().at("/inputs/name").map(n -> n.asText()).orElse("world");
        double temperature =
            ctx.config().at("/model/params/temperature").map(n -> n.asDouble()).orElse(0.0);
        String fetched = ctx.step("fetch", String.class, () -> "profile of " + name);
        ctx.checkpoint("fetched");
        String text =
            ctx.step(
                "write",
                String.class,
                () -> {
                  ModelGeneration gen =
                      ctx.model("acme", "small-1").param("temperature", temperature).started();
                  String out = "hello " + name + " (" + fetched + ")";
                  gen.completed(
                      gen.completion()
                          .usage(100, 20)
                          .cost(new BigDecimal("0.003"))
                          .finishReason("stop")
                          .output(out)
                          .build());
                  return out;
                });
        ctx.stage("report")
            .input(Map.of("name", name))
            .output(Map.of("text", text))
            .artifact("greeting.txt", "text", text.getBytes(StandardCharsets.UTF_8))
            .write();
        return Map.of("text", text);
      };

  static final Workflow FLAKY =
      ctx -> {
        String marker = ctx.config().at("/inputs/fail_while").map(n -> n.asText()).orElse("");
        ctx.step("one", String.class, () -> "done");
        return ctx.step(
            "two",
            String.class,
            () -> {
              if (!marker.isEmpty() && Files.exists(Path.of(marker))) {
                throw new WorkflowException("flaky", "failing while " + marker + " exists", false);
              }
              return "ok";
            });
      };

  @Override
  public Map<WorkflowRef, Workflow> workflows() {
    return Map.of(WorkflowRef.of("greet", "1"), GREET, WorkflowRef.of("flaky", "1"), FLAKY);
  }
}
