package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code validation.summary}: the result of a set of validation checks (data quality, schema,
 * evaluation).
 *
 * @param name what was validated, e.g. {@code orders_schema}
 * @param passed whether the validation passed as a whole
 * @param checks how many checks ran, at least 0
 * @param failures how many of them failed, at least 0
 */
public record ValidationSummary(
    @NonBlank String name,
    boolean passed,
    @NonNegative OptionalLong checks,
    @NonNegative OptionalLong failures)
    implements EventPayload {

  /** Checks the components. */
  public ValidationSummary {
    Objects.requireNonNull(name, "name");
    Checks.name(EventTypes.VALIDATION_SUMMARY, "name", name);
    Checks.nonNegative(EventTypes.VALIDATION_SUMMARY.name(), "checks", checks);
    Checks.nonNegative(EventTypes.VALIDATION_SUMMARY.name(), "failures", failures);
  }

  /**
   * @param name what was validated
   * @param passed whether it passed
   * @return the payload, without counts
   */
  public static ValidationSummary of(String name, boolean passed) {
    return new ValidationSummary(name, passed, OptionalLong.empty(), OptionalLong.empty());
  }

  /**
   * @param name what was validated
   * @param checks how many checks ran
   * @param failures how many failed
   * @return the payload; it passed when no check failed
   */
  public static ValidationSummary of(String name, long checks, long failures) {
    return new ValidationSummary(
        name, failures == 0, OptionalLong.of(checks), OptionalLong.of(failures));
  }

  /**
   * @return {@link EventTypes#VALIDATION_SUMMARY}
   */
  @Override
  public EventType type() {
    return EventTypes.VALIDATION_SUMMARY;
  }
}
