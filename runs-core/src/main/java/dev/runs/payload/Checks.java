package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventType;
import dev.runs.ValidationException;
import dev.runs.internal.support.JsonSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** Validation and copying shared by the payload records. */
final class Checks {
  private Checks() {}

  /** A validation failure; {@code context} (the event type) may be null for a nested shape. */
  static ValidationException fail(@Nullable String context, String field, String rule) {
    return context == null
        ? new ValidationException(field, rule)
        : new ValidationException(context, field, rule);
  }

  /** Refuses a blank name. */
  static String name(EventType type, String field, String value) {
    return name(type.name(), field, value);
  }

  /** Refuses a blank name. */
  static String name(String context, String field, String value) {
    if (value.isBlank()) {
      throw fail(context, field, "must not be blank");
    }
    return value;
  }

  /** Refuses a negative count. */
  static long nonNegative(@Nullable String context, String field, long value) {
    if (value < 0) {
      throw fail(context, field, "must not be negative but was " + value);
    }
    return value;
  }

  /** Refuses a negative count when present. */
  static OptionalLong nonNegative(@Nullable String context, String field, OptionalLong value) {
    Objects.requireNonNull(value, field);
    if (value.isPresent()) {
      nonNegative(context, field, value.getAsLong());
    }
    return value;
  }

  /**
   * Refuses a negative amount and gives it a scale of at least 0, so that it equals what a payload
   * reads back ({@code 1E+2} is written as {@code 100} and read as {@code 100}).
   */
  static BigDecimal nonNegative(@Nullable String context, String field, BigDecimal value) {
    if (value.signum() < 0) {
      throw fail(context, field, "must not be negative but was " + value.toPlainString());
    }
    return value.scale() < 0 ? value.setScale(0) : value;
  }

  /** As {@link #nonNegative(String, String, BigDecimal)} when present. */
  static Optional<BigDecimal> nonNegative(
      @Nullable String context, String field, Optional<BigDecimal> value) {
    Objects.requireNonNull(value, field);
    return value.map(v -> nonNegative(context, field, v));
  }

  /**
   * Copies free-form JSON into the form a payload reads back: written as JSON text and parsed
   * again, so numbers get the node types the parser gives them and the record equals itself after a
   * round trip. A JSON {@code null} counts as absent.
   */
  static Optional<JsonNode> json(String context, String field, Optional<JsonNode> value) {
    Objects.requireNonNull(value, field);
    if (value.isEmpty() || value.get().isNull() || value.get().isMissingNode()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JsonSupport.parse(JsonSupport.write(value.get())));
    } catch (IOException | UncheckedIOException e) {
      throw fail(context, field, "must be valid JSON: " + e.getMessage());
    }
  }

  /** A copy of free-form JSON for an accessor, so callers cannot change the record. */
  static Optional<JsonNode> copy(Optional<JsonNode> value) {
    return value.map(JsonNode::deepCopy);
  }

  /** Wraps a value that must not be null. */
  static <T> Optional<T> present(T value, String field) {
    return Optional.of(Objects.requireNonNull(value, field));
  }
}
