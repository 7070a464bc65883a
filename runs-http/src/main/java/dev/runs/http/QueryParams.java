package dev.runs.http;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The query parameters of one request, checked against the names its endpoint knows. */
final class QueryParams {
  private final Map<String, List<String>> values;

  /**
   * @param request the request
   * @param known the parameter names the endpoint accepts
   * @throws ProblemException when the query has a parameter not in {@code known}
   */
  QueryParams(ApiRequest request, Set<String> known) {
    this.values = request.query();
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        throw ProblemException.validation(
            name,
            "unknown query parameter; this endpoint accepts "
                + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known))));
      }
    }
  }

  /**
   * @return every value of the parameter, in order
   */
  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  /**
   * @return the single value of the parameter; refuses repeats and empty values
   */
  Optional<String> text(String name) {
    List<String> v = all(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.size() > 1) {
      throw ProblemException.validation(
          name, "must be given once but was given " + v.size() + " times");
    }
    if (v.get(0).isEmpty()) {
      throw ProblemException.validation(name, "must not be empty");
    }
    return Optional.of(v.get(0));
  }

  Optional<Long> longValue(String name, long min, long max) {
    Optional<String> t = text(name);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    long v;
    try {
      v = Long.parseLong(t.get());
    } catch (NumberFormatException e) {
      throw ProblemException.validation(name, "must be an integer but was '" + t.get() + "'");
    }
    if (v < min || v > max) {
      throw ProblemException.validation(name, "must be " + min + " to " + max + " but was " + v);
    }
    return Optional.of(v);
  }

  Optional<Boolean> bool(String name) {
    Optional<String> t = text(name);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    return switch (t.get()) {
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default ->
          throw ProblemException.validation(
              name, "must be true or false but was '" + t.get() + "'");
    };
  }

  /** Parses an RFC 3339 time such as {@code 2026-01-31T12:00:00Z}. */
  Optional<Instant> time(String name) {
    Optional<String> t = text(name);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(t.get()).toInstant());
    } catch (DateTimeParseException e) {
      throw ProblemException.validation(
          name, "must be an RFC 3339 time such as 2026-01-31T12:00:00Z but was '" + t.get() + "'");
    }
  }
}
