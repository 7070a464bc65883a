package dev.runs.payload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an optional component whose payload field the store checks on append when it is present:
 * its JSON kind, {@link NonNegative} and {@link NonBlank}, and the fields of a nested record. Runs
 * marks the fields it reads itself this way (token usage, cost and latency, which budgets and
 * {@code RunState} add up). A component that is not optional is always checked and required; other
 * optional components are checked only by the record.
 *
 * <p>The store, the JSON Schema and the tables of {@code docs/events.md} read this annotation on
 * the core records of this package only.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface CheckedWhenPresent {
  /**
   * Whether the store accepts any JSON number for a whole-number component, a fraction too (a host
   * in another language may write {@code 640.5} milliseconds); the record itself reads only whole
   * numbers.
   *
   * @return true to accept any number on append
   */
  boolean anyNumber() default false;
}
