package dev.runs.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.Subscriptions;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Prints a run's events as a live, indented timeline, read from a subscription ({@link
 * RunStore#subscribe(RunId, long)}): each line has the time since the run was created, the
 * sequence, and the event drawn for a person; steps and phases open ({@code >}) and close ({@code
 * <}) a level of nesting. Not thread-safe: one thread follows one run at a time.
 */
final class Timeline implements AutoCloseable {
  private static final int TEXT_WIDTH = 48;

  private final RunStore store;
  private final PrintStream out;
  private final Terminal t;
  private final Duration timeout;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread th = new Thread(r, "demo-timeline-watchdog");
            th.setDaemon(true);
            return th;
          });
  private final Map<RunId, Instant> createdAt = new HashMap<>();
  private final Deque<String> open = new ArrayDeque<>();
  private final Map<String, Instant> callStarts = new HashMap<>();

  Timeline(RunStore store, PrintStream out, Terminal terminal, Duration timeout) {
    this.store = store;
    this.out = out;
    this.t = terminal;
    this.timeout = timeout;
  }

  /**
   * Prints a run's events after {@code afterSequence} as they become durable, until the end of the
   * current execution (the run's next terminal event).
   *
   * @param runId the run
   * @param afterSequence 0 for the whole log
   * @param hook called with each event after it is printed, on this thread
   * @return the sequence of the last event printed
   * @throws IllegalStateException when the execution does not end within the timeout
   */
  long follow(RunId runId, long afterSequence, Consumer<RunEvent> hook) {
    Instant base =
        createdAt.computeIfAbsent(
            runId, id -> store.get(id).map(RunRecord::createdAt).orElseGet(Instant::now));
    open.clear();
    long last = afterSequence;
    AtomicBoolean timedOut = new AtomicBoolean();
    EventStream events = Subscriptions.iterate(store.subscribe(runId, afterSequence));
    ScheduledFuture<?> alarm =
        watchdog.schedule(
            () -> {
              timedOut.set(true);
              events.close(); // ends hasNext() below
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      while (events.hasNext()) {
        RunEvent e = events.next();
        print(base, e);
        last = e.sequence();
        hook.accept(e);
      }
    } finally {
      alarm.cancel(false);
      events.close();
    }
    if (timedOut.get()) {
      throw new IllegalStateException(
          "run "
              + runId
              + " did not end within "
              + timeout.toSeconds()
              + " s; its last event was #"
              + last);
    }
    return last;
  }

  long follow(RunId runId, long afterSequence) {
    return follow(runId, afterSequence, e -> {});
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  private void print(Instant base, RunEvent e) {
    String type = e.type().name();
    ObjectNode p = e.payload().toJsonNode();
    String step = e.stepId().orElse("");
    boolean opens = type.equals("step.started") || type.equals("phase.started");
    boolean closes =
        type.equals("step.completed")
            || type.equals("step.failed")
            || type.equals("step.retrying")
            || type.equals("phase.completed")
            || type.equals("phase.failed");
    if (closes) {
      open.remove(step);
    }
    String line = describe(e, type, p, step);
    long ms = Math.max(0, Duration.between(base, e.time()).toMillis());
    String prefix = t.dim(String.format("%+6d ms  #%-4d", ms, e.sequence()));
    out.println(prefix + " " + t.dim("|  ".repeat(open.size())) + line);
    if (opens) {
      open.push(step);
    }
  }

  // one case per event type, several with a few statements: the statement form reads better
  @SuppressWarnings("StatementSwitchToExpressionSwitch")
  private String describe(RunEvent e, String type, ObjectNode p, String step) {
    switch (type) {
      case "run.created":
        {
          StringBuilder b = new StringBuilder(tag("run", t.blue(t.bold("run"))) + "created  ");
          store
              .get(e.runId())
              .ifPresent(
                  r -> {
                    b.append(r.workflow().name())
                        .append(" v")
                        .append(r.workflow().version())
                        .append(", config ")
                        .append(r.config().sha256(), 0, 12)
                        .append(", trigger ")
                        .append(r.trigger().source().wireName())
                        .append(':')
                        .append(r.trigger().triggerId());
                    r.trigger().actor().ifPresent(a -> b.append(" (").append(a).append(')'));
                    r.lineage()
                        .ifPresent(
                            l ->
                                b.append(
                                    t.cyan(
                                        ", "
                                            + l.relation().wireName()
                                            + " of "
                                            + Demo.shortId(l.parentRunId())
                                            + l.sourceCheckpoint()
                                                .map(c -> " from " + c)
                                                .orElse(""))));
                  });
          return b.toString();
        }
      case "run.queued", "run.started":
        return tag("run", t.blue(t.bold("run"))) + type.substring(4);
      case "run.resumed":
        return tag("run", t.blue(t.bold("run")))
            + t.bold("resumed")
            + " by trigger "
            + p.path("trigger").path("trigger_id").asText("?");
      case "run.cancel_requested":
        return tag("run", t.blue(t.bold("run")))
            + t.yellow("cancel requested: " + p.path("reason").asText());
      case "run.completed":
        return tag("run", t.blue(t.bold("run")))
            + t.green(t.bold("completed"))
            + durationOf(p.path("summary"));
      case "run.failed":
        return tag("run", t.blue(t.bold("run")))
            + t.red(t.bold("failed"))
            + ": "
            + withoutRunId(e, p.path("error").path("message").asText())
            + t.dim(" (" + p.path("reason").asText("error") + ")");
      case "run.cancelled":
        return tag("run", t.blue(t.bold("run")))
            + t.yellow(t.bold("cancelled"))
            + ": "
            + p.path("reason").asText();
      case "run.interrupted":
        return tag("run", t.blue(t.bold("run")))
            + t.red("interrupted: " + p.path("reason").asText());
      case "phase.started":
        return t.green(">") + " " + t.bold(step) + t.dim(" (phase)");
      case "phase.completed":
        return t.green("<") + " " + step + t.dim("  " + p.path("duration_ms").asLong() + " ms");
      case "phase.failed":
        return t.red("x " + step + " (phase) failed");
      case "step.started":
        {
          int attempt = e.attempt().orElse(1);
          return t.green(">")
              + " "
              + t.bold(step)
              + (attempt > 1 ? t.yellow("  attempt " + attempt) : "");
        }
      case "step.completed":
        if (p.hasNonNull("reused_from")) {
          return t.cyan(
                  "= "
                      + step
                      + "  reused from run "
                      + Demo.shortId(p.path("reused_from").path("run_id").asText()))
              + t.dim(" (not executed)");
        }
        return t.green("<") + " " + step + t.dim("  " + p.path("duration_ms").asLong() + " ms");
      case "step.failed":
        if (p.path("error").path("code").asText().equals("cancelled")) {
          return t.yellow(
              "x " + step + " attempt " + e.attempt().orElse(1) + " stopped by the cancel");
        }
        return t.red(
            "x "
                + step
                + " attempt "
                + e.attempt().orElse(1)
                + " failed: "
                + withoutRunId(e, p.path("error").path("message").asText()));
      case "step.retrying":
        return t.yellow(
            "~ "
                + step
                + " will retry as attempt "
                + p.path("next_attempt").asInt()
                + " in "
                + p.path("delay_ms").asLong()
                + " ms");
      case "model.generation.started":
        callStarts.put(e.eventId().value(), e.time());
        return tag("model", t.magenta("model"))
            + p.path("provider").asText()
            + "/"
            + p.path("model").asText()
            + " as "
            + p.path("route").path("agent").asText("?")
            + t.dim(
                " ("
                    + p.path("route").path("turn").asText("")
                    + ", temperature "
                    + p.path("params").path("temperature").asText("?")
                    + ")");
      case "model.generation.completed":
        return tag("model", t.magenta("model"))
            + p.path("usage").path("input_tokens").asLong()
            + "+"
            + p.path("usage").path("output_tokens").asLong()
            + " tokens, $"
            + p.path("cost").decimalValue().toPlainString()
            + t.dim(", " + p.path("latency_ms").asLong() + " ms")
            + ": "
            + quote(p.path("output").asText());
      case "model.generation.failed":
        return tag("model", t.magenta("model"))
            + t.red("failed: " + p.path("error").path("message").asText());
      case "tool.call.started":
        callStarts.put(e.eventId().value(), e.time());
        return tag("tool", t.cyan("tool"))
            + p.path("tool_name").asText()
            + " v"
            + p.path("tool_version").asText("?")
            + " "
            + clip(p.path("arguments").toString());
      case "tool.call.completed":
        return tag("tool", t.cyan("tool"))
            + p.path("tool_name").asText()
            + " -> "
            + clip(p.path("result").toString())
            + t.dim("  " + sinceStart(e) + " ms");
      case "tool.call.failed":
        return tag("tool", t.cyan("tool"))
            + t.red(
                p.path("tool_name").asText()
                    + " failed: "
                    + p.path("error").path("message").asText())
            + t.dim("  " + sinceStart(e) + " ms");
      case "agent.invoked":
        return tag("agent", t.yellow("agent"))
            + p.path("agent").asText()
            + " takes the conversation";
      case "agent.handoff":
        return tag("handoff", t.yellow(t.bold("handoff")))
            + p.path("from_agent").asText()
            + " -> "
            + p.path("to_agent").asText()
            + t.dim(": " + p.path("reason").asText());
      case "guardrail.checked":
        {
          boolean passed = p.path("verdict").asText().equals("passed");
          return tag("guardrail", t.green("guardrail"))
              + p.path("name").asText()
              + " on "
              + p.path("stage").asText()
              + ": "
              + (passed ? t.green("passed") : t.red(t.bold("tripped")))
              + " "
              + t.dim(p.path("details").toString());
        }
      case "artifact.created":
        return tag("artifact", t.blue("artifact"))
            + p.path("path").asText()
            + t.dim(
                " ("
                    + p.path("kind").asText("file")
                    + ", "
                    + p.path("size").asLong()
                    + " B, sha256 "
                    + shortHash(p.path("sha256").asText())
                    + ")");
      case "stage.completed":
        return tag("stage", t.blue("stage"))
            + p.path("stage_key").asText()
            + " attempt "
            + p.path("attempt").asInt()
            + t.dim(", manifest sha256 " + shortHash(p.path("manifest_sha256").asText()));
      case "checkpoint.saved":
        return tag("checkpoint", t.blue("checkpoint")) + p.path("checkpoint_id").asText();
      case "decision.recorded":
        return tag("decision", t.blue("decision"))
            + p.path("decision").asText()
            + " = "
            + p.path("value")
            + t.dim(" (" + p.path("rationale").asText() + ")");
      case "budget.exceeded":
        return tag("budget", t.red("budget"))
            + t.red(
                p.path("dimension").asText()
                    + " exceeded: "
                    + p.path("actual")
                    + " > "
                    + p.path("limit"));
      case "x.runs.highlight":
        return tag("highlight", t.dim("highlight"))
            + p.path("key").asText()
            + " = "
            + clip(p.path("value").toString());
      case "console.line":
        return tag("console", "console") + p.path("text").asText();
      default:
        return tag(type, type) + clip(p.toString());
    }
  }

  /** A fixed-width label column; {@code styled} is {@code label} with colour codes. */
  private static String tag(String label, String styled) {
    return styled + " ".repeat(Math.max(1, 11 - label.length()));
  }

  private String durationOf(JsonNode summary) {
    return summary.has("duration_ms")
        ? t.dim(
            "  "
                + summary.get("duration_ms").asLong()
                + " ms active, "
                + summary.path("executions").asInt()
                + " execution(s)")
        : "";
  }

  private long sinceStart(RunEvent e) {
    Instant start = e.parentEventId().map(id -> callStarts.get(id.value())).orElse(null);
    return start == null ? 0 : Math.max(0, Duration.between(start, e.time()).toMillis());
  }

  /** Error messages start with the run's id, which the timeline already shows. */
  private static String withoutRunId(RunEvent e, String message) {
    String prefix = "run " + e.runId().value() + " ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  private static String shortHash(String sha256) {
    return sha256.length() <= 12 ? sha256 : sha256.substring(0, 12);
  }

  private static String quote(String text) {
    return "\"" + clip(text) + "\"";
  }

  static String clip(String text) {
    return text.length() <= TEXT_WIDTH ? text : text.substring(0, TEXT_WIDTH - 3) + "...";
  }
}
