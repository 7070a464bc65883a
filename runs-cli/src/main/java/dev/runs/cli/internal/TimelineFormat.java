package dev.runs.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Draws events as a timeline for a person: time since the run was created, the sequence, then the
 * event indented by the steps and phases open around it. Not thread-safe: one per printed run.
 */
final class TimelineFormat {
  private final Style s;
  private final RunRecord record;
  private final Instant base;
  private final Deque<String> open = new ArrayDeque<>();

  TimelineFormat(Style style, RunRecord record) {
    this.s = style;
    this.record = record;
    this.base = record.createdAt();
  }

  String line(RunEvent e) {
    String type = e.type().name();
    String step = e.stepId().orElse("");
    boolean opens = type.equals("step.started") || type.equals("phase.started");
    boolean closes =
        type.equals("step.completed")
            || type.equals("step.failed")
            || type.equals("step.skipped")
            || type.equals("phase.completed")
            || type.equals("phase.failed")
            || type.equals("phase.skipped");
    if (closes) {
      open.remove(step);
    }
    long ms = Math.max(0, Duration.between(base, e.time()).toMillis());
    String prefix = s.dim(String.format(java.util.Locale.ROOT, "%+8d ms  #%-5d", ms, e.sequence()));
    String text = prefix + " " + s.dim("|  ".repeat(open.size())) + describe(e, type, step);
    if (opens) {
      open.push(step);
    }
    return text;
  }

  private String describe(RunEvent e, String type, String step) {
    JsonNode p = e.payload().toJsonNode();
    String name = colourType(type);
    String where = step.isEmpty() ? "" : " " + s.bold(step);
    String attempt =
        e.attempt().isPresent() && e.attempt().getAsInt() > 1
            ? s.yellow(" attempt " + e.attempt().getAsInt())
            : "";
    return name + where + attempt + detail(type, p);
  }

  private String colourType(String type) {
    if (type.endsWith(".failed") || type.equals("error") || type.equals("run.interrupted")) {
      return s.red(type);
    }
    if (type.equals("run.completed")) {
      return s.green(s.bold(type));
    }
    if (type.startsWith("run.")) {
      return s.blue(type);
    }
    if (type.startsWith("model.")) {
      return s.magenta(type);
    }
    if (type.startsWith("tool.")) {
      return s.cyan(type);
    }
    return type;
  }

  private String detail(String type, JsonNode p) {
    String d =
        switch (type) {
          case "run.failed",
              "step.failed",
              "phase.failed",
              "model.generation.failed",
              "tool.call.failed",
              "error" ->
              p.path("error").path("message").asText(p.path("message").asText(""));
          case "run.cancel_requested", "run.cancelled", "run.interrupted" ->
              p.path("reason").asText("");
          case "run.created" ->
              record.workflow()
                  + ", trigger "
                  + record.trigger().source().wireName()
                  + ":"
                  + record.trigger().triggerId()
                  + record
                      .lineage()
                      .map(
                          l ->
                              ", "
                                  + l.relation().wireName()
                                  + " of "
                                  + l.parentRunId().value()
                                  + l.sourceCheckpoint().map(c -> " from " + c).orElse(""))
                      .orElse("");
          case "x.runs.highlight" -> p.path("key").asText("") + " = " + p.path("value");
          case "run.resumed" -> "trigger " + p.path("trigger").path("trigger_id").asText("?");
          case "run.completed" -> durationOf(p.path("summary"));
          case "step.completed", "phase.completed" ->
              p.hasNonNull("reused_from")
                  ? "reused from run " + p.path("reused_from").path("run_id").asText()
                  : p.has("duration_ms") ? p.path("duration_ms").asLong() + " ms" : "";
          case "model.generation.started" ->
              p.path("provider").asText("") + "/" + p.path("model").asText("");
          case "model.generation.completed" -> {
            JsonNode u = p.path("usage");
            yield u.isMissingNode()
                ? ""
                : u.path("input_tokens").asLong()
                    + " in / "
                    + u.path("output_tokens").asLong()
                    + " out tokens";
          }
          case "tool.call.started", "tool.call.completed" ->
              p.path("tool").asText(p.path("name").asText(""));
          case "console.line" -> p.path("text").asText("");
          case "checkpoint.saved" -> p.path("checkpoint_id").asText("");
          case "guardrail.checked" ->
              p.path("name").asText("") + " " + p.path("verdict").asText("");
          case "budget.exceeded" -> p.path("dimension").asText("");
          case "artifact.created" -> p.path("path").asText("");
          default -> "";
        };
    if (d.isEmpty()) {
      return "";
    }
    if (d.length() > 120 && !type.equals("run.created")) {
      d = d.substring(0, 117) + "...";
    }
    return "  " + s.dim(d.replace('\n', ' '));
  }

  private static String durationOf(JsonNode summary) {
    return summary.has("duration_ms")
        ? Formats.duration(Duration.ofMillis(summary.path("duration_ms").asLong()))
        : "";
  }
}
