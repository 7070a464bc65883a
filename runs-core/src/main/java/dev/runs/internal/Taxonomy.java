package dev.runs.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.internal.codec.RecordJson;
import dev.runs.payload.AgentHandoff;
import dev.runs.payload.AgentInvoked;
import dev.runs.payload.ArtifactCreated;
import dev.runs.payload.BudgetExceeded;
import dev.runs.payload.CheckedWhenPresent;
import dev.runs.payload.CheckpointSaved;
import dev.runs.payload.ConsoleLine;
import dev.runs.payload.DecisionRecorded;
import dev.runs.payload.Envelope;
import dev.runs.payload.ErrorRecorded;
import dev.runs.payload.GuardrailChecked;
import dev.runs.payload.ModelGenerationCompleted;
import dev.runs.payload.ModelGenerationFailed;
import dev.runs.payload.ModelGenerationStarted;
import dev.runs.payload.NonBlank;
import dev.runs.payload.NonNegative;
import dev.runs.payload.PhaseCompleted;
import dev.runs.payload.PhaseFailed;
import dev.runs.payload.PhaseSkipped;
import dev.runs.payload.PhaseStarted;
import dev.runs.payload.RunCancelRequested;
import dev.runs.payload.RunCancelled;
import dev.runs.payload.RunCompleted;
import dev.runs.payload.RunFailed;
import dev.runs.payload.RunInterrupted;
import dev.runs.payload.RunQueued;
import dev.runs.payload.RunResumed;
import dev.runs.payload.RunStarted;
import dev.runs.payload.StageCompleted;
import dev.runs.payload.StepCompleted;
import dev.runs.payload.StepFailed;
import dev.runs.payload.StepRetrying;
import dev.runs.payload.StepSkipped;
import dev.runs.payload.StepStarted;
import dev.runs.payload.TableSummary;
import dev.runs.payload.ToolCallCompleted;
import dev.runs.payload.ToolCallFailed;
import dev.runs.payload.ToolCallStarted;
import dev.runs.payload.ValidationSummary;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The core taxonomy as data, derived from the payload records of {@code dev.runs.payload}: which
 * record carries each appendable core type, the envelope fields it needs ({@link Envelope}) and its
 * payload fields, one per record component (snake_case, nested records flattened to dotted paths),
 * with the JSON kind the component's Java type gives and the marks {@link NonBlank}, {@link
 * NonNegative} and {@link CheckedWhenPresent}. {@link PayloadRules} checks appends against it;
 * tests regenerate the JSON Schema's payload rules and the tables of {@code docs/events.md} from
 * it. Immutable and thread-safe.
 *
 * <p>A field is <em>required</em> when its component and every record component above it are not
 * optional; it is <em>checked</em> by the store when each of them is either not optional or marked
 * {@link CheckedWhenPresent}. Other fields are checked only by the records.
 */
final class Taxonomy {

  /** The JSON kind of a payload field. */
  enum Kind {
    /** A string with a character other than white space ({@link NonBlank}, or an enum). */
    NAME,
    /** Any string, empty allowed. */
    TEXT,
    /** A whole JSON number. */
    INTEGER,
    /** Any JSON number. */
    NUMBER,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A JSON object (a nested record). */
    OBJECT,
    /** An RFC 3339 time string. */
    TIME,
    /** Any JSON value (free-form {@code JsonNode}). */
    ANY
  }

  /**
   * One payload field.
   *
   * @param path the dotted snake_case path, e.g. {@code error.message}
   * @param kind its JSON kind
   * @param required whether an append must carry it
   * @param checked whether an append checks it when present
   * @param nonNegative whether a number must be at least 0
   * @param allowed the values an enum allows, in declaration order; empty for any
   * @param component the record component it comes from
   * @param value the component's Java type, or the type an optional holds
   */
  record Field(
      String path,
      Kind kind,
      boolean required,
      boolean checked,
      boolean nonNegative,
      List<String> allowed,
      RecordComponent component,
      Class<?> value) {}

  /**
   * One appendable core type.
   *
   * @param type the type
   * @param record its payload record
   * @param needsStep whether an append needs the envelope {@code step_id}
   * @param needsAttempt whether an append needs the envelope {@code attempt}
   * @param fields every payload field, parents before their nested fields, in component order
   * @param checkedFields the fields an append checks, in the same order
   */
  record Entry(
      EventType type,
      Class<? extends Record> record,
      boolean needsStep,
      boolean needsAttempt,
      List<Field> fields,
      List<Field> checkedFields) {}

  private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

  static {
    add(EventTypes.RUN_QUEUED, RunQueued.class);
    add(EventTypes.RUN_STARTED, RunStarted.class);
    add(EventTypes.RUN_CANCEL_REQUESTED, RunCancelRequested.class);
    add(EventTypes.RUN_CANCELLED, RunCancelled.class);
    add(EventTypes.RUN_INTERRUPTED, RunInterrupted.class);
    add(EventTypes.RUN_RESUMED, RunResumed.class);
    add(EventTypes.RUN_COMPLETED, RunCompleted.class);
    add(EventTypes.RUN_FAILED, RunFailed.class);
    add(EventTypes.PHASE_STARTED, PhaseStarted.class);
    add(EventTypes.PHASE_COMPLETED, PhaseCompleted.class);
    add(EventTypes.PHASE_FAILED, PhaseFailed.class);
    add(EventTypes.PHASE_SKIPPED, PhaseSkipped.class);
    add(EventTypes.STEP_STARTED, StepStarted.class);
    add(EventTypes.STEP_COMPLETED, StepCompleted.class);
    add(EventTypes.STEP_FAILED, StepFailed.class);
    add(EventTypes.STEP_SKIPPED, StepSkipped.class);
    add(EventTypes.STEP_RETRYING, StepRetrying.class);
    add(EventTypes.MODEL_GENERATION_STARTED, ModelGenerationStarted.class);
    add(EventTypes.MODEL_GENERATION_COMPLETED, ModelGenerationCompleted.class);
    add(EventTypes.MODEL_GENERATION_FAILED, ModelGenerationFailed.class);
    add(EventTypes.TOOL_CALL_STARTED, ToolCallStarted.class);
    add(EventTypes.TOOL_CALL_COMPLETED, ToolCallCompleted.class);
    add(EventTypes.TOOL_CALL_FAILED, ToolCallFailed.class);
    add(EventTypes.AGENT_HANDOFF, AgentHandoff.class);
    add(EventTypes.AGENT_INVOKED, AgentInvoked.class);
    add(EventTypes.GUARDRAIL_CHECKED, GuardrailChecked.class);
    add(EventTypes.CONSOLE_LINE, ConsoleLine.class);
    add(EventTypes.ARTIFACT_CREATED, ArtifactCreated.class);
    add(EventTypes.STAGE_COMPLETED, StageCompleted.class);
    add(EventTypes.TABLE_SUMMARY, TableSummary.class);
    add(EventTypes.VALIDATION_SUMMARY, ValidationSummary.class);
    add(EventTypes.CHECKPOINT_SAVED, CheckpointSaved.class);
    add(EventTypes.DECISION_RECORDED, DecisionRecorded.class);
    add(EventTypes.BUDGET_EXCEEDED, BudgetExceeded.class);
    add(EventTypes.ERROR, ErrorRecorded.class);
    List<String> appendable =
        EventTypes.all().stream()
            .map(EventType::name)
            .filter(n -> !n.equals(EventTypes.RUN_CREATED.name()))
            .toList();
    if (!appendable.equals(List.copyOf(ENTRIES.keySet()))) {
      throw new IllegalStateException(
          "Taxonomy lists "
              + ENTRIES.keySet()
              + " but the appendable core types are "
              + appendable);
    }
  }

  private Taxonomy() {}

  /**
   * @return every appendable core type, in taxonomy order
   */
  static List<Entry> entries() {
    return List.copyOf(ENTRIES.values());
  }

  /**
   * @param type a type
   * @return its entry, or null for {@code run.created} and types outside the core taxonomy
   */
  static @Nullable Entry entry(EventType type) {
    return ENTRIES.get(type.name());
  }

  private static void add(EventType type, Class<? extends Record> record) {
    Envelope envelope = record.getAnnotation(Envelope.class);
    List<Field> fields = new ArrayList<>();
    addFields(record, "", true, true, fields);
    ENTRIES.put(
        type.name(),
        new Entry(
            type,
            record,
            envelope != null && envelope.stepId(),
            envelope != null && envelope.attempt(),
            List.copyOf(fields),
            fields.stream().filter(Field::checked).toList()));
  }

  private static void addFields(
      Class<?> record,
      String prefix,
      boolean parentRequired,
      boolean parentChecked,
      List<Field> out) {
    for (RecordComponent c : record.getRecordComponents()) {
      String path = prefix + RecordJson.snake(c.getName());
      Type type = c.getGenericType();
      Class<?> raw = raw(type);
      boolean optional =
          raw == Optional.class
              || raw == OptionalLong.class
              || raw == OptionalInt.class
              || raw == OptionalDouble.class;
      Class<?> value = valueClass(raw, type);
      CheckedWhenPresent whenPresent = c.getAnnotation(CheckedWhenPresent.class);
      boolean required = parentRequired && !optional;
      boolean checked = parentChecked && (!optional || whenPresent != null);
      Kind kind = kind(value, c);
      if (kind == Kind.INTEGER && whenPresent != null && whenPresent.anyNumber()) {
        kind = Kind.NUMBER;
      }
      boolean nonNegative = c.isAnnotationPresent(NonNegative.class);
      if (nonNegative && kind != Kind.INTEGER && kind != Kind.NUMBER) {
        throw new IllegalStateException(
            "@NonNegative on " + where(record, c) + ", which is not a number");
      }
      if (whenPresent != null && !optional) {
        throw new IllegalStateException(
            "@CheckedWhenPresent on "
                + where(record, c)
                + ", which is not optional: it is always checked");
      }
      out.add(new Field(path, kind, required, checked, nonNegative, allowed(value), c, value));
      if (value.isRecord()) {
        addFields(value, path + ".", required, checked, out);
      }
    }
  }

  private static Kind kind(Class<?> value, RecordComponent c) {
    boolean nonBlank = c.isAnnotationPresent(NonBlank.class);
    if (nonBlank && value != String.class) {
      throw new IllegalStateException(
          "@NonBlank on " + where(c.getDeclaringRecord(), c) + ", which is not a string");
    }
    if (value == String.class) {
      return nonBlank ? Kind.NAME : Kind.TEXT;
    }
    if (value.isEnum()) {
      return Kind.NAME;
    }
    if (value == boolean.class || value == Boolean.class) {
      return Kind.BOOLEAN;
    }
    if (value == int.class
        || value == Integer.class
        || value == long.class
        || value == Long.class) {
      return Kind.INTEGER;
    }
    if (value == BigDecimal.class || value == double.class || value == Double.class) {
      return Kind.NUMBER;
    }
    if (value.isRecord() || value == ObjectNode.class) {
      return Kind.OBJECT;
    }
    if (value == Instant.class) {
      return Kind.TIME;
    }
    if (value == JsonNode.class) {
      return Kind.ANY;
    }
    throw new IllegalStateException(
        "no JSON kind for "
            + where(c.getDeclaringRecord(), c)
            + " of type "
            + c.getGenericType().getTypeName());
  }

  private static List<String> allowed(Class<?> value) {
    if (!value.isEnum()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Object constant : value.getEnumConstants()) {
      // as RecordJson writes enums
      out.add(((Enum<?>) constant).name().toLowerCase(Locale.ROOT));
    }
    return List.copyOf(out);
  }

  private static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    throw new IllegalStateException("unsupported component type " + type);
  }

  private static Class<?> valueClass(Class<?> raw, Type type) {
    if (raw == OptionalLong.class) {
      return long.class;
    }
    if (raw == OptionalInt.class) {
      return int.class;
    }
    if (raw == OptionalDouble.class) {
      return double.class;
    }
    if (raw == Optional.class) {
      return raw(((ParameterizedType) type).getActualTypeArguments()[0]);
    }
    return raw;
  }

  private static String where(Class<?> record, RecordComponent c) {
    return record.getSimpleName() + "." + c.getName();
  }
}
