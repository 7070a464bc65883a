package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.ValidationException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code guardrail.checked}: a guardrail ran on a model's input or output and let it pass or
 * tripped.
 *
 * @param name the guardrail's name, e.g. {@code pii_filter}
 * @param stage what it checked: {@code input} or {@code output}
 * @param verdict its outcome: {@code passed} or {@code tripped}
 * @param details free-form JSON about the check (scores, matched rules); copied, never shared
 */
public record GuardrailChecked(
    @NonBlank String name, Stage stage, Verdict verdict, Optional<JsonNode> details)
    implements EventPayload {

  /** What a guardrail checked; written in lowercase. */
  public enum Stage {
    /** The input to a model or agent. */
    INPUT,
    /** The output of a model or agent. */
    OUTPUT;

    /**
     * @return the JSON value, {@code input} or {@code output}
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName {@code input} or {@code output}
     * @return the stage
     * @throws ValidationException naming {@code stage} for any other value
     */
    public static Stage fromWireName(String wireName) {
      for (Stage s : values()) {
        if (s.wireName().equals(wireName)) {
          return s;
        }
      }
      throw new ValidationException(
          EventTypes.GUARDRAIL_CHECKED.name(),
          "stage",
          "must be one of [input, output] but was '" + wireName + "'");
    }
  }

  /** The outcome of a guardrail; written in lowercase. */
  public enum Verdict {
    /** The guardrail let the content through. */
    PASSED,
    /** The guardrail stopped the content. */
    TRIPPED;

    /**
     * @return the JSON value, {@code passed} or {@code tripped}
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName {@code passed} or {@code tripped}
     * @return the verdict
     * @throws ValidationException naming {@code verdict} for any other value
     */
    public static Verdict fromWireName(String wireName) {
      for (Verdict v : values()) {
        if (v.wireName().equals(wireName)) {
          return v;
        }
      }
      throw new ValidationException(
          EventTypes.GUARDRAIL_CHECKED.name(),
          "verdict",
          "must be one of [passed, tripped] but was '" + wireName + "'");
    }
  }

  /** Checks the components and copies the details. */
  public GuardrailChecked {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(verdict, "verdict");
    Checks.name(EventTypes.GUARDRAIL_CHECKED, "name", name);
    details = Checks.json(EventTypes.GUARDRAIL_CHECKED.name(), "details", details);
  }

  /**
   * @param name the guardrail's name
   * @param stage what it checked
   * @param verdict its outcome
   * @return the payload, without details
   */
  public static GuardrailChecked of(String name, Stage stage, Verdict verdict) {
    return new GuardrailChecked(name, stage, verdict, Optional.empty());
  }

  /**
   * @param name the guardrail's name
   * @param stage what it checked
   * @param verdict its outcome
   * @param details about the check
   * @return the payload
   */
  public static GuardrailChecked of(String name, Stage stage, Verdict verdict, JsonNode details) {
    return new GuardrailChecked(name, stage, verdict, Checks.present(details, "details"));
  }

  /**
   * @return true when the guardrail stopped the content
   */
  public boolean tripped() {
    return verdict == Verdict.TRIPPED;
  }

  /**
   * @return a copy of the details; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> details() {
    return Checks.copy(details);
  }

  /**
   * @return {@link EventTypes#GUARDRAIL_CHECKED}
   */
  @Override
  public EventType type() {
    return EventTypes.GUARDRAIL_CHECKED;
  }
}
