package dev.runs.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ValidationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The payload and envelope rules of the core taxonomy, checked on every append: required fields
 * with their JSON kinds, allowed values, and which types need a step id and an attempt. Optional
 * fields that Runs itself reads (token usage, cost) are type-checked when present.
 */
public final class PayloadRules {

  enum Kind {
    /** A non-empty string. */
    NAME,
    /** Any string, empty allowed. */
    TEXT,
    INTEGER,
    NUMBER,
    BOOLEAN,
    OBJECT
  }

  record Field(String path, Kind kind, boolean required, Set<String> allowed, boolean nonNegative) {}

  record Rule(boolean needsStep, boolean needsAttempt, List<Field> fields) {}

  private static final Map<String, Rule> RULES = new HashMap<>();

  static {
    rule(EventTypes.RUN_CANCEL_REQUESTED, false, false, req("reason", Kind.TEXT));
    rule(EventTypes.RUN_CANCELLED, false, false, req("reason", Kind.TEXT));
    rule(EventTypes.RUN_INTERRUPTED, false, false, req("reason", Kind.TEXT));
    rule(EventTypes.RUN_FAILED, false, false, req("error", Kind.OBJECT), req("error.message", Kind.TEXT));
    rule(EventTypes.PHASE_STARTED, true, false);
    rule(EventTypes.PHASE_COMPLETED, true, false);
    rule(EventTypes.PHASE_FAILED, true, false, req("error", Kind.OBJECT), req("error.message", Kind.TEXT));
    rule(EventTypes.PHASE_SKIPPED, true, false);
    rule(EventTypes.STEP_STARTED, true, true);
    rule(EventTypes.STEP_COMPLETED, true, true);
    rule(EventTypes.STEP_FAILED, true, true, req("error", Kind.OBJECT), req("error.message", Kind.TEXT));
    rule(EventTypes.STEP_SKIPPED, true, false);
    rule(EventTypes.STEP_RETRYING, true, true, req("next_attempt", Kind.INTEGER));
    Field[] usage = {
      opt("usage", Kind.OBJECT), optNonNeg("usage.input_tokens", Kind.INTEGER),
      optNonNeg("usage.output_tokens", Kind.INTEGER), optNonNeg("cost", Kind.NUMBER),
      optNonNeg("latency_ms", Kind.NUMBER)
    };
    rule(EventTypes.MODEL_GENERATION_STARTED, false, false,
        req("provider", Kind.NAME), req("model", Kind.NAME));
    rule(EventTypes.MODEL_GENERATION_COMPLETED, false, false,
        concat(new Field[] {req("provider", Kind.NAME), req("model", Kind.NAME)}, usage));
    rule(EventTypes.MODEL_GENERATION_FAILED, false, false,
        concat(new Field[] {req("provider", Kind.NAME), req("model", Kind.NAME),
            req("error", Kind.OBJECT), req("error.message", Kind.TEXT)}, usage));
    rule(EventTypes.TOOL_CALL_STARTED, false, false, req("tool_name", Kind.NAME));
    rule(EventTypes.TOOL_CALL_COMPLETED, false, false, req("tool_name", Kind.NAME));
    rule(EventTypes.TOOL_CALL_FAILED, false, false,
        req("tool_name", Kind.NAME), req("error", Kind.OBJECT), req("error.message", Kind.TEXT));
    rule(EventTypes.AGENT_HANDOFF, false, false, req("from_agent", Kind.NAME), req("to_agent", Kind.NAME));
    rule(EventTypes.AGENT_INVOKED, false, false, req("agent", Kind.NAME));
    rule(EventTypes.GUARDRAIL_CHECKED, false, false, req("name", Kind.NAME),
        oneOf("stage", "input", "output"), oneOf("verdict", "passed", "tripped"));
    rule(EventTypes.CONSOLE_LINE, false, false, req("stream", Kind.NAME), req("text", Kind.TEXT));
    rule(EventTypes.ARTIFACT_CREATED, false, false, req("path", Kind.NAME), req("sha256", Kind.NAME),
        nonNeg("size", Kind.INTEGER));
    rule(EventTypes.STAGE_COMPLETED, false, false, req("stage_key", Kind.NAME),
        nonNeg("attempt", Kind.INTEGER), req("manifest_sha256", Kind.NAME));
    rule(EventTypes.TABLE_SUMMARY, false, false, req("table", Kind.NAME));
    rule(EventTypes.VALIDATION_SUMMARY, false, false, req("name", Kind.NAME), req("passed", Kind.BOOLEAN));
    rule(EventTypes.CHECKPOINT_SAVED, false, false, req("checkpoint_id", Kind.NAME));
    rule(EventTypes.DECISION_RECORDED, false, false, req("decision", Kind.NAME));
    rule(EventTypes.BUDGET_EXCEEDED, false, false, oneOf("dimension", "tokens", "cost", "wall_time"),
        nonNeg("limit", Kind.NUMBER), nonNeg("actual", Kind.NUMBER));
    rule(EventTypes.ERROR, false, false, req("code", Kind.NAME), req("message", Kind.TEXT));
  }

  private PayloadRules() {}

  private static void rule(EventType type, boolean step, boolean attempt, Field... fields) {
    RULES.put(type.name(), new Rule(step, attempt, List.of(fields)));
  }

  private static Field req(String path, Kind kind) {
    return new Field(path, kind, true, Set.of(), false);
  }

  private static Field nonNeg(String path, Kind kind) {
    return new Field(path, kind, true, Set.of(), true);
  }

  private static Field opt(String path, Kind kind) {
    return new Field(path, kind, false, Set.of(), false);
  }

  private static Field optNonNeg(String path, Kind kind) {
    return new Field(path, kind, false, Set.of(), true);
  }

  private static Field oneOf(String path, String... values) {
    return new Field(path, Kind.NAME, true, Set.of(values), false);
  }

  private static Field[] concat(Field[] a, Field[] b) {
    Field[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * Checks that a type may be appended: a core type other than {@code run.created}, or {@code
   * x.<namespace>.<name>}.
   *
   * @param context where the draft came from, for the message
   * @param type the type
   */
  public static void checkAppendable(String context, EventType type) {
    if (type.equals(EventTypes.RUN_CREATED)) {
      throw new ValidationException(context, "type",
          "run.created is written by the store when the run is created; it cannot be appended");
    }
    if (type.isCore()) {
      return;
    }
    if (type.name().startsWith("x.")) {
      if (!type.isCustom()) {
        throw new ValidationException(context, "type", "'" + type
            + "' is a custom type without a name; use x.<namespace>.<name>, e.g. x.acme.score");
      }
      return;
    }
    throw new ValidationException(context, "type", "'" + type
        + "' is not a core type; host-defined types must be x.<namespace>.<name>"
        + " (see EventTypes for the core taxonomy)");
  }

  /**
   * Validates a draft's envelope and payload against its type's rule.
   *
   * @param context where the draft came from, for the message
   * @param draft the draft
   * @param payload the draft's (redacted) payload tree; not modified
   * @throws ValidationException naming the field
   */
  public static void check(String context, EventDraft draft, ObjectNode payload) {
    Rule rule = RULES.get(draft.type().name());
    if (rule == null) {
      return;
    }
    if (rule.needsStep() && draft.stepId().isEmpty()) {
      throw new ValidationException(context, "step_id", "is required for " + draft.type()
          + " (set it with EventDraft.withStep)");
    }
    if (rule.needsAttempt() && draft.attempt().isEmpty()) {
      throw new ValidationException(context, "attempt", "is required for " + draft.type()
          + " (set it with EventDraft.withAttempt; 1 on first execution)");
    }
    for (Field f : rule.fields()) {
      JsonNode v = at(payload, f.path());
      String name = "payload." + f.path();
      if (v == null || v.isNull()) {
        if (f.required()) {
          throw new ValidationException(context, name, "is required for " + draft.type()
              + " (" + describe(f) + ")");
        }
        continue;
      }
      switch (f.kind()) {
        case NAME, TEXT -> {
          if (!v.isTextual()) {
            throw new ValidationException(context, name, "must be a string");
          }
          if (f.kind() == Kind.NAME && v.textValue().isBlank()) {
            throw new ValidationException(context, name, "must not be empty");
          }
          if (!f.allowed().isEmpty() && !f.allowed().contains(v.textValue())) {
            throw new ValidationException(context, name, "must be one of " + new java.util.TreeSet<>(f.allowed())
                + " but was '" + v.textValue() + "'");
          }
        }
        case INTEGER -> {
          if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ValidationException(context, name, "must be an integer");
          }
          if (f.nonNegative() && v.longValue() < 0) {
            throw new ValidationException(context, name, "must not be negative");
          }
        }
        case NUMBER -> {
          if (!v.isNumber()) {
            throw new ValidationException(context, name, "must be a number");
          }
          if (f.nonNegative() && v.decimalValue().signum() < 0) {
            throw new ValidationException(context, name, "must not be negative");
          }
        }
        case BOOLEAN -> {
          if (!v.isBoolean()) {
            throw new ValidationException(context, name, "must be true or false");
          }
        }
        case OBJECT -> {
          if (!v.isObject()) {
            throw new ValidationException(context, name, "must be a JSON object");
          }
        }
        default -> throw new IllegalStateException(f.kind().name());
      }
    }
  }

  private static String describe(Field f) {
    if (!f.allowed().isEmpty()) {
      return "one of " + new java.util.TreeSet<>(f.allowed());
    }
    return switch (f.kind()) {
      case NAME -> "a non-empty string";
      case TEXT -> "a string";
      case INTEGER -> f.nonNegative() ? "a non-negative integer" : "an integer";
      case NUMBER -> f.nonNegative() ? "a non-negative number" : "a number";
      case BOOLEAN -> "true or false";
      case OBJECT -> "a JSON object";
    };
  }

  private static JsonNode at(JsonNode root, String path) {
    JsonNode n = root;
    int start = 0;
    while (n != null) {
      int dot = path.indexOf('.', start);
      String key = dot < 0 ? path.substring(start) : path.substring(start, dot);
      n = n.isObject() ? n.get(key) : null;
      if (dot < 0) {
        return n;
      }
      start = dot + 1;
    }
    return null;
  }

  /**
   * Lists the required payload fields of a type, for documentation and tests.
   *
   * @param type a core type
   * @return dotted paths of the required fields
   */
  public static List<String> requiredFields(EventType type) {
    Rule rule = RULES.get(type.name());
    if (rule == null) {
      return List.of();
    }
    return rule.fields().stream().filter(Field::required).map(Field::path).toList();
  }

  /**
   * @param type a core type
   * @return true when the type needs an envelope step id
   */
  public static boolean needsStep(EventType type) {
    Rule rule = RULES.get(type.name());
    return rule != null && rule.needsStep();
  }

  /**
   * @param type a core type
   * @return true when the type needs an envelope attempt
   */
  public static boolean needsAttempt(EventType type) {
    Rule rule = RULES.get(type.name());
    return rule != null && rule.needsAttempt();
  }
}
