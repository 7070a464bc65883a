package dev.runs.payload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a payload record whose events need envelope fields that are otherwise optional: the {@code
 * step_id} of the step or phase (set with {@code EventDraft.withStep}) and the step's {@code
 * attempt} (set with {@code EventDraft.withAttempt}, 1 on first execution). An append of the
 * record's type without them is refused, and the JSON Schema requires them.
 *
 * <p>The store, the JSON Schema and the tables of {@code docs/events.md} read this annotation on
 * the core records of this package only.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Envelope {
  /**
   * @return true when the event needs the envelope {@code step_id}
   */
  boolean stepId() default false;

  /**
   * @return true when the event needs the envelope {@code attempt}
   */
  boolean attempt() default false;
}
