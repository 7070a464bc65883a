package dev.runs.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventId;
import dev.runs.Payload;
import dev.runs.RunEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A run's trace tree, folded from its events one at a time: the run, its phases and steps by {@code
 * step_id} path (one node per attempt), and under them model calls, tool calls, handoffs, agent
 * invocations, guardrail checks, checkpoints, decisions and {@code error} events, nested by {@code
 * parent_event_id} where it names another node's event. The same rules as the viewer's own fold
 * ({@code trace.js}), so that a small run and a large one read alike.
 *
 * <p>Memory is proportional to the number of nodes, never to the number of events: an event that
 * makes no node (a console line, an artifact) leaves nothing behind. Each node remembers the last
 * event sequence that changed it, so that a reader can ask for only what changed since it last
 * looked. Not thread-safe: {@link TraceResource} locks a fold while it grows or is read.
 */
final class TraceFold {
  /** No time known. */
  static final long NONE = Long.MIN_VALUE;

  /** One node of the tree. Ids are 1, 2, 3... in the order nodes appear; a parent comes first. */
  static final class Node {
    final int id;
    final int parent;
    String kind;
    final String name;
    final @Nullable String stepId;
    final int attempt;
    long start;
    long end = NONE;
    double durationMs = Double.NaN;
    String status = "started";
    long tokens;
    double cost;
    boolean point;
    boolean reused;
    long[] events = new long[2];
    int eventCount;
    long touched;

    Node(int id, int parent, String kind, String name, @Nullable String stepId, int attempt) {
      this.id = id;
      this.parent = parent;
      this.kind = kind;
      this.name = name;
      this.stepId = stepId;
      this.attempt = attempt;
    }

    void addEvent(long sequence) {
      if (eventCount == events.length) {
        events = Arrays.copyOf(events, eventCount * 2);
      }
      events[eventCount++] = sequence;
    }
  }

  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Node> steps = new HashMap<>();
  private final Map<EventId, Node> byEvent = new HashMap<>();
  private final Map<String, Integer> latestAttempt = new HashMap<>();
  private long sequence;
  private long t0 = NONE;
  private long tEnd = NONE;

  TraceFold() {
    Node root = new Node(1, 0, "run", "run", null, 0);
    root.start = NONE;
    nodes.add(root);
  }

  /**
   * @return the sequence of the last event folded, 0 for none
   */
  long sequence() {
    return sequence;
  }

  /**
   * @return how many nodes the tree has, the run's own included
   */
  int size() {
    return nodes.size();
  }

  /**
   * @return the run's status as its events tell it: {@code started}, {@code running}, or the verb
   *     of its terminal event
   */
  String status() {
    return nodes.get(0).status;
  }

  /**
   * @return the time of the run's first event, in microseconds since the epoch; {@link #NONE}
   *     before any
   */
  long t0() {
    return t0;
  }

  /**
   * @return the time of the latest event, in microseconds since the epoch; {@link #NONE} before any
   */
  long lastTime() {
    return tEnd;
  }

  /**
   * Folds the next event of the run.
   *
   * @param ev the event; its sequence must be above every one folded before
   */
  void add(RunEvent ev) {
    if (ev.sequence() <= sequence) {
      return; // already folded: a page read twice
    }
    sequence = ev.sequence();
    long time = micros(ev.time());
    Node root = nodes.get(0);
    if (t0 == NONE) {
      t0 = time;
      root.start = time;
      root.addEvent(ev.sequence());
      root.touched = sequence;
    }
    tEnd = Math.max(tEnd, time);
    String type = ev.type().name();
    int dot = type.indexOf('.');
    String family = dot < 0 ? type : type.substring(0, dot);
    String rest = dot < 0 ? "" : type.substring(dot + 1);
    String verb = rest.indexOf('.') < 0 ? rest : rest.substring(0, rest.indexOf('.'));
    String last = type.substring(type.lastIndexOf('.') + 1);
    Optional<String> stepId = ev.stepId();
    switch (family) {
      case "run" -> runEvent(root, verb, time, ev.sequence());
      case "phase", "step" -> {
        if (stepId.isPresent()) {
          stepEvent(ev, family, verb, time, stepId.get());
        }
      }
      case "model", "tool" -> {
        if (family.equals("model") || verb.equals("call")) {
          callEvent(ev, family, type, last, time);
        }
      }
      case "agent", "guardrail", "error", "checkpoint", "decision" -> pointEvent(ev, family, time);
      default -> {
        // makes no node
      }
    }
  }

  private void runEvent(Node root, String verb, long time, long seq) {
    switch (verb) {
      case "completed", "failed", "cancelled", "interrupted" -> {
        root.status = verb;
        root.end = time;
        root.addEvent(seq);
        root.touched = sequence;
      }
      case "started", "resumed" -> {
        root.status = "running";
        root.end = NONE;
        root.touched = sequence;
      }
      default -> {
        // created, queued, cancel_requested: no change to the tree
      }
    }
  }

  private void stepEvent(RunEvent ev, String family, String verb, long time, String stepId) {
    Node n =
        stepNode(
            stepId, family.equals("step") ? ev.attempt().orElse(0) : 0, family, time, sequence);
    n.kind = family;
    n.addEvent(ev.sequence());
    n.touched = sequence;
    switch (verb) {
      case "started" -> {
        n.start = time;
        n.status = "started";
      }
      case "completed", "failed", "skipped" -> {
        n.status = verb;
        finish(n, time, number(ev.payload(), "duration_ms"));
        if (ev.payload().get("reused_from").isPresent()) {
          n.reused = true;
        }
      }
      case "retrying" -> n.status = "retrying";
      default -> {
        // another verb: the event is kept on the node
      }
    }
  }

  private void callEvent(RunEvent ev, String family, String type, String last, long time) {
    String kind = family.equals("model") ? "model" : "tool";
    Payload p = ev.payload();
    if (type.equals("model.generation.started") || type.equals("tool.call.started")) {
      Node n = add(kind, callName(kind, p), null, 0, container(ev, time), time);
      n.addEvent(ev.sequence());
      byEvent.put(ev.eventId(), n);
      return;
    }
    Node n = ev.parentEventId().map(byEvent::get).orElse(null);
    if (n == null || n.end != NONE) {
      n = add(kind, callName(kind, p), null, 0, container(ev, time), time);
      byEvent.put(ev.eventId(), n);
    }
    n.addEvent(ev.sequence());
    n.status = last;
    n.touched = sequence;
    finish(n, time, number(p, "latency_ms"));
    long tokens = 0;
    Optional<JsonNode> usage = p.get("usage");
    if (usage.isPresent()) {
      tokens =
          usage.get().path("input_tokens").asLong(0) + usage.get().path("output_tokens").asLong(0);
    }
    double cost = number(p, "cost");
    if (Double.isNaN(cost)) {
      cost = 0;
    }
    long addTokens = tokens - n.tokens;
    double addCost = cost - n.cost;
    n.tokens = tokens;
    n.cost = cost;
    if (addTokens != 0 || addCost != 0) {
      for (int a = n.parent; a > 0; a = nodes.get(a - 1).parent) {
        Node up = nodes.get(a - 1);
        up.tokens += addTokens;
        up.cost += addCost;
        up.touched = sequence;
      }
    }
  }

  private void pointEvent(RunEvent ev, String family, long time) {
    Payload p = ev.payload();
    String type = ev.type().name();
    String kind = type.equals("agent.handoff") ? "handoff" : family;
    String name =
        switch (type) {
          case "agent.handoff" -> text(p, "from_agent") + " → " + text(p, "to_agent");
          case "agent.invoked" -> text(p, "agent");
          case "guardrail.checked" ->
              text(p, "name") + " (" + text(p, "stage") + ") " + text(p, "verdict");
          case "checkpoint.saved" -> text(p, "checkpoint_id");
          case "decision.recorded" -> text(p, "decision");
          case "error" -> text(p, "code");
          default -> type;
        };
    Node n = add(kind, name, null, 0, container(ev, time), time);
    n.addEvent(ev.sequence());
    n.end = time;
    n.point = true;
    boolean failed =
        type.equals("error")
            || (type.equals("guardrail.checked") && p.text("verdict").orElse("").equals("tripped"));
    n.status = failed ? "failed" : "completed";
    byEvent.put(ev.eventId(), n);
  }

  /** The node of a step path at an attempt, created (under its parent path) on first use. */
  private Node stepNode(String stepId, int attempt, String kind, long time, long seq) {
    int a = attempt > 0 ? attempt : latestAttempt.getOrDefault(stepId, 1);
    String key = stepId + '#' + a;
    Node n = steps.get(key);
    if (n != null) {
      return n;
    }
    int cut = stepId.lastIndexOf('/');
    Node parent =
        cut > 0 ? stepNode(stepId.substring(0, cut), 0, "phase", time, seq) : nodes.get(0);
    String name = (cut > 0 ? stepId.substring(cut + 1) : stepId) + (a > 1 ? " · attempt " + a : "");
    n = add(kind, name, stepId, a, parent, time);
    steps.put(key, n);
    if (latestAttempt.getOrDefault(stepId, 0) < a) {
      latestAttempt.put(stepId, a);
    }
    return n;
  }

  private Node container(RunEvent ev, long time) {
    Optional<EventId> parent = ev.parentEventId();
    if (parent.isPresent()) {
      Node n = byEvent.get(parent.get());
      if (n != null) {
        return n;
      }
    }
    if (ev.stepId().isPresent()) {
      return stepNode(ev.stepId().get(), ev.attempt().orElse(0), "step", time, sequence);
    }
    return nodes.get(0);
  }

  private Node add(
      String kind, String name, @Nullable String stepId, int attempt, Node parent, long time) {
    Node n = new Node(nodes.size() + 1, parent.id, kind, name, stepId, attempt);
    n.start = time;
    n.touched = sequence;
    nodes.add(n);
    return n;
  }

  private static void finish(Node n, long time, double ms) {
    n.end = time;
    if (!Double.isNaN(ms)) {
      n.durationMs = ms;
      long from = time - Math.round(ms * 1000);
      if (n.start == NONE || n.start > from) {
        n.start = from;
      }
    }
  }

  private static String callName(String kind, Payload p) {
    return kind.equals("model")
        ? text(p, "provider") + "/" + text(p, "model")
        : p.text("tool_name").orElse("tool");
  }

  private static String text(Payload p, String field) {
    return p.get(field).map(v -> v.isTextual() ? v.textValue() : v.toString()).orElse("?");
  }

  private static double number(Payload p, String field) {
    Optional<JsonNode> v = p.get(field);
    return v.isPresent() && v.get().isNumber() ? v.get().asDouble() : Double.NaN;
  }

  static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  /**
   * Writes the nodes after a node id that pass a filter, up to a limit, as a JSON array.
   *
   * @param g where the array goes
   * @param after the id the page starts after
   * @param since only nodes changed by an event after this sequence
   * @param limit the most nodes written
   * @return what the page holds
   * @throws IOException when the generator fails
   */
  Page write(JsonGenerator g, int after, long since, int limit) throws IOException {
    Predicate<Node> wanted = n -> n.touched > since;
    g.writeStartArray();
    int written = 0;
    int lastId = after;
    boolean more = false;
    for (int i = Math.max(0, after); i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (!wanted.test(n)) {
        continue;
      }
      if (written == limit) {
        more = true;
        break;
      }
      writeNode(g, n);
      written++;
      lastId = n.id;
    }
    g.writeEndArray();
    return new Page(written, lastId, more);
  }

  /**
   * @param returned how many nodes the page holds
   * @param lastId the id of its last node (the {@code after} of the next page)
   * @param more whether nodes matching the request follow
   */
  record Page(int returned, int lastId, boolean more) {}

  private void writeNode(JsonGenerator g, Node n) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", n.id);
    if (n.parent > 0) {
      g.writeNumberField("parent", n.parent);
    } else {
      g.writeNullField("parent");
    }
    g.writeStringField("kind", n.kind);
    g.writeStringField("name", n.name);
    if (n.stepId != null) {
      g.writeStringField("step_id", n.stepId);
      g.writeNumberField("attempt", n.attempt);
    }
    g.writeStringField("status", n.status);
    if (n.start != NONE && t0 != NONE) {
      g.writeNumberField("start_ms", (n.start - t0) / 1000.0);
    }
    if (n.end != NONE && t0 != NONE) {
      g.writeNumberField("end_ms", (n.end - t0) / 1000.0);
    }
    if (!Double.isNaN(n.durationMs)) {
      g.writeNumberField("duration_ms", n.durationMs);
    }
    if (n.tokens != 0) {
      g.writeNumberField("tokens", n.tokens);
    }
    if (n.cost != 0) {
      g.writeNumberField("cost", n.cost);
    }
    if (n.point) {
      g.writeBooleanField("point", true);
    }
    if (n.reused) {
      g.writeBooleanField("reused", true);
    }
    g.writeArrayFieldStart("events");
    for (int i = 0; i < n.eventCount; i++) {
      g.writeNumber(n.events[i]);
    }
    g.writeEndArray();
    g.writeNumberField("changed", n.touched);
    g.writeEndObject();
  }
}
