package dev.runs.opentelemetry.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds one run's events, in sequence order, into spans: it starts a span when its start event
 * arrives (with the attributes samplers read) and ends it at its end event, so the same fold serves
 * the live mode (events as they commit) and the after-the-fact export (the whole log). Spans still
 * open when the run ends are ended with it. Not thread-safe: one thread feeds it.
 */
public final class SpanAssembler {
  private static final Logger log = LoggerFactory.getLogger(SpanAssembler.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  /**
   * How spans are written.
   *
   * @param captureContent whether prompt/response content (after the store's redactor) is added
   * @param latestConventions whether the latest experimental GenAI conventions were opted into
   */
  public record Settings(boolean captureContent, boolean latestConventions) {}

  /** An open span. */
  private static final class Node {
    final Span span;
    final Context context;
    final String scope;
    final RunEvent start;

    Node(Span span, Context context, String scope, RunEvent start) {
      this.span = span;
      this.context = context;
      this.scope = scope;
      this.start = start;
    }
  }

  private final Tracer tracer;
  private final RunRecord record;
  private final Settings settings;
  private final Context rootParent;
  private final String traceId;
  private @Nullable Node root;
  private final Map<String, Node> steps = new LinkedHashMap<>();
  private final Map<String, Node> agents = new HashMap<>();
  private final Map<String, Node> calls = new LinkedHashMap<>();
  private long lastSequence;
  private boolean finished;

  /**
   * @param tracer the tracer spans are started with
   * @param record the run's record
   * @param settings content and conventions
   */
  public SpanAssembler(Tracer tracer, RunRecord record, Settings settings) {
    this.tracer = tracer;
    this.record = record;
    this.settings = settings;
    Optional<SpanContext> remote = record.traceparent().map(SpanAssembler::parseTraceparent);
    this.rootParent = remote.map(r -> Context.root().with(Span.wrap(r))).orElse(Context.root());
    this.traceId = remote.map(SpanContext::getTraceId).orElse(Ids.traceId(record.id()));
  }

  /**
   * @return the last sequence folded, 0 before the first
   */
  public long lastSequence() {
    return lastSequence;
  }

  /**
   * @return true once the run's final event was folded (every span ended)
   */
  public boolean finished() {
    return finished;
  }

  /**
   * Folds the next event.
   *
   * @param e the event with sequence {@link #lastSequence()} + 1
   */
  public void accept(RunEvent e) {
    lastSequence = e.sequence();
    if (finished) {
      return;
    }
    String type = e.type().name();
    if (root == null) {
      startRoot(e);
      if (type.equals(EventTypes.RUN_CREATED.name())) {
        return;
      }
    }
    switch (type) {
      case "run.completed", "run.failed", "run.cancelled" -> endRun(e);
      case "run.interrupted" -> {
        endAllBelowRoot(e, "interrupted");
        event(root(), e, Attributes.empty());
      }
      case "phase.started", "step.started" -> startStep(e);
      case "phase.completed", "step.completed" -> endStep(e, null);
      case "phase.failed", "step.failed" -> endStep(e, errorOf(e.payload().get("error")));
      case "phase.skipped", "step.skipped" -> {
        Node open = steps.get(scope(e));
        if (open != null) {
          endStep(e, null);
        } else {
          event(parentFor(scope(e)), e, Attributes.empty());
        }
      }
      case "model.generation.started" -> startModel(e);
      case "model.generation.completed", "model.generation.failed" -> endCall(e, "model.");
      case "tool.call.started" -> startTool(e);
      case "tool.call.completed", "tool.call.failed" -> endCall(e, "tool.");
      case "agent.invoked" -> startAgent(e, text(e, "agent"), null);
      case "agent.handoff" -> startAgent(e, text(e, "to_agent"), text(e, "from_agent"));
      case "guardrail.checked" -> guardrail(e);
      default -> spanEvent(e);
    }
  }

  // ---- run

  private void startRoot(RunEvent e) {
    String name = Keys.INVOKE_WORKFLOW + " " + record.workflow().name();
    SpanBuilder b =
        tracer
            .spanBuilder(name)
            .setParent(rootParent)
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(e.time())
            .setAttribute(Keys.OPERATION, Keys.INVOKE_WORKFLOW)
            .setAttribute(Keys.RUN_ID, record.id().value())
            .setAttribute(Keys.WORKFLOW, record.workflow().name())
            .setAttribute(Keys.WORKFLOW_VERSION, record.workflow().version())
            .setAttribute(Keys.CONFIG_SHA256, record.config().sha256())
            .setAttribute(Keys.TRIGGER_SOURCE, record.trigger().source().wireName())
            .setAttribute(Keys.TRIGGER_ID, record.trigger().triggerId())
            .setAttribute(Keys.SEQUENCE_FIRST, e.sequence());
    if (!record.namespace().isEmpty()) {
      b.setAttribute(Keys.NAMESPACE, record.namespace());
    }
    record.threadKey().ifPresent(t -> b.setAttribute(Keys.CONVERSATION_ID, t));
    if (settings.captureContent()) {
      record
          .config()
          .at("/prompt")
          .filter(JsonNode::isTextual)
          .ifPresent(p -> b.setAttribute(Keys.INPUT_MESSAGES, userMessage(p.asText())));
    }
    Span span = start(b, e);
    root = new Node(span, rootParent.with(span), "", e);
  }

  /** The rendered prompt in the 1.37 input-messages shape: one user message with one text part. */
  private static String userMessage(String text) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode part = f.objectNode().put("type", "text").put("content", text);
    ObjectNode message = f.objectNode().put("role", "user");
    message.putArray("parts").add(part);
    return f.arrayNode().add(message).toString();
  }

  private Node root() {
    Node r = root;
    if (r == null) {
      throw new IllegalStateException("no root span yet");
    }
    return r;
  }

  private void endRun(RunEvent e) {
    endAllBelowRoot(e, null);
    Node r = root();
    String status = e.type().name().substring("run.".length());
    r.span.setAttribute(Keys.STATUS, status);
    r.span.setAttribute(Keys.SEQUENCE_LAST, e.sequence());
    if (e.type().equals(EventTypes.RUN_FAILED)) {
      fail(r.span, errorOf(e.payload().get("error")));
    }
    end(r.span, e.time());
    finished = true;
  }

  private void endAllBelowRoot(RunEvent e, @Nullable String errorType) {
    List<Node> open = new ArrayList<>(calls.values());
    open.addAll(agents.values());
    List<Node> stepNodes = new ArrayList<>(steps.values());
    java.util.Collections.reverse(stepNodes); // children were opened after their parents
    open.addAll(stepNodes);
    for (Node n : open) {
      n.span.setAttribute(Keys.SEQUENCE_LAST, e.sequence());
      if (errorType != null) {
        fail(n.span, new Failure(errorType, "run " + errorType));
      }
      end(n.span, e.time());
    }
    calls.clear();
    agents.clear();
    steps.clear();
  }

  // ---- phases and steps

  private void startStep(RunEvent e) {
    String path = scope(e);
    Node previous = steps.remove(path);
    if (previous != null) {
      end(previous.span, e.time()); // an attempt that never ended is superseded
    }
    String kind = e.type().name().startsWith("phase.") ? "phase" : "step";
    String name = kind + " " + path;
    SpanBuilder b =
        tracer
            .spanBuilder(name)
            .setParent(parentFor(parentPath(path)).context)
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(e.time())
            .setAttribute(Keys.RUN_ID, record.id().value())
            .setAttribute(Keys.STEP_ID, path)
            .setAttribute(Keys.SEQUENCE_FIRST, e.sequence());
    e.attempt().ifPresent(a -> b.setAttribute(Keys.ATTEMPT, (long) a));
    Span span = start(b, e);
    steps.put(path, new Node(span, Context.root().with(span), path, e));
  }

  private void endStep(RunEvent e, @Nullable Failure failure) {
    String path = scope(e);
    Node n = steps.remove(path);
    if (n == null) {
      event(parentFor(path), e, Attributes.empty());
      return;
    }
    // what is still open inside the step ends with it
    List<String> inner = new ArrayList<>();
    calls.forEach(
        (k, c) -> {
          if (within(c.scope, path)) {
            inner.add(k);
          }
        });
    for (String k : inner) {
      Node c = calls.remove(k);
      if (c != null) {
        end(c.span, e.time());
      }
    }
    agents
        .entrySet()
        .removeIf(
            a -> {
              if (within(a.getKey(), path)) {
                end(a.getValue().span, e.time());
                return true;
              }
              return false;
            });
    List<String> children = new ArrayList<>();
    steps
        .keySet()
        .forEach(
            k -> {
              if (within(k, path)) {
                children.add(k);
              }
            });
    java.util.Collections.reverse(children);
    for (String k : children) {
      Node c = steps.remove(k);
      if (c != null) {
        end(c.span, e.time());
      }
    }
    if (failure != null) {
      fail(n.span, failure);
    }
    n.span.setAttribute(Keys.SEQUENCE_LAST, e.sequence());
    end(n.span, e.time());
  }

  // ---- model, tool and agent spans

  private void startModel(RunEvent e) {
    String model = text(e, "model");
    String name = Keys.CHAT + " " + model;
    SpanBuilder b =
        base(name, e, SpanKind.CLIENT)
            .setAttribute(Keys.OPERATION, Keys.CHAT)
            .setAttribute(
                settings.latestConventions() ? Keys.PROVIDER : Keys.SYSTEM, text(e, "provider"))
            .setAttribute(Keys.REQUEST_MODEL, model);
    e.payload()
        .get("params")
        .ifPresent(
            p -> {
              if (p.path("temperature").isNumber()) {
                b.setAttribute(Keys.TEMPERATURE, p.get("temperature").asDouble());
              }
              if (p.path("max_tokens").isIntegralNumber()) {
                b.setAttribute(Keys.MAX_TOKENS, p.get("max_tokens").asLong());
              }
              if (settings.captureContent() && p.path("messages").isArray()) {
                b.setAttribute(Keys.INPUT_MESSAGES, p.get("messages").toString());
              }
            });
    calls.put(e.eventId().value(), open(b, e));
  }

  private void startTool(RunEvent e) {
    String tool = text(e, "tool_name");
    String name = Keys.EXECUTE_TOOL + " " + tool;
    SpanBuilder b =
        base(name, e, SpanKind.INTERNAL)
            .setAttribute(Keys.OPERATION, Keys.EXECUTE_TOOL)
            .setAttribute(Keys.TOOL_NAME, tool)
            .setAttribute(Keys.TOOL_CALL_ID, e.eventId().value());
    e.payload().text("tool_version").ifPresent(v -> b.setAttribute(Keys.TOOL_VERSION, v));
    if (settings.captureContent()) {
      e.payload()
          .get("arguments")
          .ifPresent(a -> b.setAttribute(Keys.TOOL_ARGUMENTS, a.toString()));
    }
    calls.put(e.eventId().value(), open(b, e));
  }

  private void endCall(RunEvent e, String family) {
    Node n = null;
    if (e.parentEventId().isPresent()) {
      n = calls.remove(e.parentEventId().get().value());
    }
    if (n == null) { // no causation link: the latest open call of the family in the scope
      String key = null;
      for (Map.Entry<String, Node> c : calls.entrySet()) {
        if (c.getValue().scope.equals(scope(e))
            && c.getValue().start.type().name().startsWith(family)) {
          key = c.getKey();
        }
      }
      n = key == null ? null : calls.remove(key);
    }
    if (n == null) {
      spanEvent(e);
      return;
    }
    Span s = n.span;
    boolean failed = e.type().name().endsWith(".failed");
    if (family.equals("model.")) {
      e.payload().text("model").ifPresent(m -> s.setAttribute(Keys.RESPONSE_MODEL, m));
      e.payload()
          .get("usage")
          .ifPresent(
              u -> {
                s.setAttribute(Keys.INPUT_TOKENS, u.path("input_tokens").asLong());
                s.setAttribute(Keys.OUTPUT_TOKENS, u.path("output_tokens").asLong());
              });
      e.payload()
          .text("finish_reason")
          .ifPresent(r -> s.setAttribute(Keys.FINISH_REASONS, List.of(r)));
      e.payload()
          .get("cost")
          .filter(JsonNode::isNumber)
          .ifPresent(c -> s.setAttribute(Keys.COST, c.asDouble()));
      if (settings.captureContent()) {
        e.payload()
            .get("output")
            .ifPresent(o -> s.setAttribute(Keys.OUTPUT_MESSAGES, o.toString()));
      }
    } else if (settings.captureContent()) {
      e.payload().get("result").ifPresent(r -> s.setAttribute(Keys.TOOL_RESULT, r.toString()));
    }
    if (failed) {
      fail(s, errorOf(e.payload().get("error")));
    }
    s.setAttribute(Keys.SEQUENCE_LAST, e.sequence());
    end(s, e.time());
  }

  private void startAgent(RunEvent e, String agent, @Nullable String from) {
    String scope = scope(e);
    Node previous = agents.remove(scope);
    if (previous != null) {
      previous.span.setAttribute(Keys.SEQUENCE_LAST, e.sequence());
      end(previous.span, e.time());
    }
    String name = Keys.INVOKE_AGENT + " " + agent;
    SpanBuilder b =
        base(name, e, SpanKind.INTERNAL)
            .setAttribute(Keys.OPERATION, Keys.INVOKE_AGENT)
            .setAttribute(Keys.AGENT_NAME, agent);
    if (from != null) {
      b.setAttribute(Keys.HANDOFF_FROM, from);
      e.payload().text("reason").ifPresent(r -> b.setAttribute(Keys.HANDOFF_REASON, r));
      if (previous != null) {
        b.addLink(previous.span.getSpanContext());
      }
    }
    agents.put(scope, open(b, e));
  }

  private void guardrail(RunEvent e) {
    String guard = text(e, "name");
    String verdict = text(e, "verdict");
    SpanBuilder b =
        base(Keys.APPLY_GUARDRAIL + " " + guard, e, SpanKind.INTERNAL)
            .setAttribute(Keys.OPERATION, Keys.APPLY_GUARDRAIL)
            .setAttribute(Keys.GUARDRAIL_NAME, guard)
            .setAttribute(Keys.GUARDRAIL_STAGE, text(e, "stage"))
            .setAttribute(Keys.GUARDRAIL_VERDICT, verdict)
            .setAttribute(Keys.SEQUENCE_LAST, e.sequence());
    Span s = start(b, e);
    s.addEvent(
        e.type().name(),
        Attributes.of(Keys.GUARDRAIL_VERDICT, verdict, Keys.EVENT_ID, e.eventId().value()),
        e.time());
    end(s, e.time());
  }

  // ---- span events

  private void spanEvent(RunEvent e) {
    AttributesBuilder a = Attributes.builder();
    String type = e.type().name();
    switch (type) {
      case "checkpoint.saved" -> {
        a.put(Keys.CHECKPOINT_ID, text(e, "checkpoint_id"));
        e.payload().text("label").ifPresent(l -> a.put(Keys.STEP_ID, l));
      }
      case "console.line" -> {
        a.put(Keys.CONSOLE_STREAM, text(e, "stream"));
        if (settings.captureContent()) {
          a.put(Keys.CONSOLE_TEXT, text(e, "text"));
        }
      }
      case "error" -> {
        a.put(Keys.ERROR_TYPE, text(e, "code"));
        a.put(Keys.ERROR_MESSAGE, text(e, "message"));
      }
      default -> {
        if (e.type().isCustom() && settings.captureContent()) {
          a.put(Keys.PAYLOAD, e.payload().json());
        }
      }
    }
    event(innermost(scope(e)), e, a.build());
  }

  private void event(Node target, RunEvent e, Attributes extra) {
    AttributesBuilder a =
        Attributes.builder()
            .put(Keys.EVENT_ID, e.eventId().value())
            .put(Keys.SEQUENCE, e.sequence())
            .putAll(extra);
    e.stepId().ifPresent(s -> a.put(Keys.STEP_ID, s));
    target.span.addEvent(e.type().name(), a.build(), e.time());
  }

  // ---- helpers

  private SpanBuilder base(String name, RunEvent e, SpanKind kind) {
    return tracer
        .spanBuilder(name)
        .setParent(innermost(scope(e)).context)
        .setSpanKind(kind)
        .setStartTimestamp(e.time())
        .setAttribute(Keys.RUN_ID, record.id().value())
        .setAttribute(Keys.SEQUENCE_FIRST, e.sequence());
  }

  private Node open(SpanBuilder b, RunEvent e) {
    e.stepId().ifPresent(s -> b.setAttribute(Keys.STEP_ID, s));
    Span span = start(b, e);
    return new Node(span, Context.root().with(span), scope(e), e);
  }

  private Span start(SpanBuilder b, RunEvent e) {
    String spanId = Ids.spanId(e.eventId());
    Ids.set(new Ids.Hint(traceId, spanId));
    try {
      return b.startSpan();
    } catch (RuntimeException ex) {
      // a span processor threw: go on with a non-recording span of the same ids, so the spans
      // under it keep their parent and the fold stays consistent
      sdkFailed(ex);
      return Span.wrap(
          SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()));
    } finally {
      Ids.set(null);
    }
  }

  /** Ends a span; a span processor that throws neither stops the fold nor leaves spans open. */
  private static void end(Span span, Instant time) {
    try {
      span.end(time);
    } catch (RuntimeException ex) {
      sdkFailed(ex);
    }
  }

  private static void sdkFailed(RuntimeException ex) {
    if (WARNED.compareAndSet(false, true)) {
      log.warn(
          "a span processor threw; the run's spans go on (further failures are logged at debug)",
          ex);
    } else {
      log.debug("a span processor threw", ex);
    }
  }

  /** The open agent of the scope, else the scope's step, else its nearest open ancestor. */
  private Node innermost(String scope) {
    Node agent = agents.get(scope);
    return agent != null ? agent : parentFor(scope);
  }

  private Node parentFor(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Node n = steps.get(p);
      if (n != null) {
        return n;
      }
      p = parentPath(p);
    }
    return root();
  }

  private static String parentPath(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  private static boolean within(String scope, String path) {
    return scope.equals(path) || scope.startsWith(path + "/");
  }

  private static String scope(RunEvent e) {
    return e.stepId().orElse("");
  }

  private static String text(RunEvent e, String field) {
    return e.payload().text(field).orElse("");
  }

  private record Failure(String type, String message) {}

  private static Failure errorOf(Optional<JsonNode> error) {
    JsonNode n = error.orElse(null);
    if (n == null) {
      return new Failure("error", "");
    }
    String code = n.path("code").asText("");
    return new Failure(code.isEmpty() ? "error" : code, n.path("message").asText(""));
  }

  private static void fail(Span s, Failure f) {
    s.setAttribute(Keys.ERROR_TYPE, f.type());
    s.setStatus(StatusCode.ERROR, f.message());
  }

  /** Parses a validated W3C traceparent into a remote span context. */
  static SpanContext parseTraceparent(String value) {
    String[] parts = value.split("-", -1);
    return SpanContext.createFromRemoteParent(
        parts[1],
        parts[2],
        TraceFlags.fromByte((byte) Integer.parseInt(parts[3], 16)),
        TraceState.getDefault());
  }
}
