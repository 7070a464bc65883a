package dev.runs.payload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a number component whose payload field must be at least 0. The record's constructor refuses
 * a negative value; for a component the store checks (a required one, or one marked {@link
 * CheckedWhenPresent}) an append refuses it too, and the JSON Schema says so.
 *
 * <p>The store, the JSON Schema and the tables of {@code docs/events.md} read this annotation on
 * the core records of this package only.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface NonNegative {}
