package dev.runs.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ValidationException;
import dev.runs.internal.Taxonomy.Field;
import dev.runs.internal.Taxonomy.Kind;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The payload and envelope rules of the core taxonomy, checked on every append: required fields
 * with their JSON kinds, allowed values, and which types need a step id and an attempt. Optional
 * fields that Runs itself reads (token usage, cost) are type-checked when present. The rules are
 * derived from the payload records of {@code dev.runs.payload} (see {@link Taxonomy}): a component
 * that is not optional is required, its Java type gives the JSON kind, and the annotations {@code
 * NonBlank}, {@code NonNegative}, {@code CheckedWhenPresent} and {@code Envelope} add the rest.
 */
public final class PayloadRules {

  private PayloadRules() {}

  /**
   * Checks that a type may be appended: a core type other than {@code run.created}, or {@code
   * x.<namespace>.<name>}.
   *
   * @param context where the draft came from, for the message
   * @param type the type
   */
  public static void checkAppendable(String context, EventType type) {
    if (type.equals(EventTypes.RUN_CREATED)) {
      throw new ValidationException(
          context,
          "type",
          "run.created is written by the store when the run is created; it cannot be appended");
    }
    if (type.isCore()) {
      return;
    }
    if (type.name().startsWith("x.")) {
      if (!type.isCustom()) {
        throw new ValidationException(
            context,
            "type",
            "'"
                + type
                + "' is a custom type without a name; use x.<namespace>.<name>, e.g. x.acme.score");
      }
      return;
    }
    throw new ValidationException(
        context,
        "type",
        "'"
            + type
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
    Taxonomy.Entry rule = Taxonomy.entry(draft.type());
    if (rule == null) {
      return;
    }
    if (rule.needsStep() && draft.stepId().isEmpty()) {
      throw new ValidationException(
          context,
          "step_id",
          "is required for " + draft.type() + " (set it with EventDraft.withStep)");
    }
    if (rule.needsAttempt() && draft.attempt().isEmpty()) {
      throw new ValidationException(
          context,
          "attempt",
          "is required for "
              + draft.type()
              + " (set it with EventDraft.withAttempt; 1 on first execution)");
    }
    for (Field f : rule.checkedFields()) {
      JsonNode v = at(payload, f.path());
      String name = "payload." + f.path();
      if (v == null || v.isNull()) {
        if (f.required()) {
          throw new ValidationException(
              context, name, "is required for " + draft.type() + " (" + describe(f) + ")");
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
            throw new ValidationException(
                context,
                name,
                "must be one of "
                    + new java.util.TreeSet<>(f.allowed())
                    + " but was '"
                    + v.textValue()
                    + "'");
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
        case TIME -> {
          if (!v.isTextual()) {
            throw new ValidationException(context, name, "must be an RFC 3339 time string");
          }
        }
        case ANY -> {
          // any JSON value
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
      case TIME -> "an RFC 3339 time string";
      case ANY -> "any JSON value";
    };
  }

  private static @Nullable JsonNode at(JsonNode root, String path) {
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
    Taxonomy.Entry rule = Taxonomy.entry(type);
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
    Taxonomy.Entry rule = Taxonomy.entry(type);
    return rule != null && rule.needsStep();
  }

  /**
   * @param type a core type
   * @return true when the type needs an envelope attempt
   */
  public static boolean needsAttempt(EventType type) {
    Taxonomy.Entry rule = Taxonomy.entry(type);
    return rule != null && rule.needsAttempt();
  }
}
