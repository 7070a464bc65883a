package dev.runs.http;

import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The trigger of an action, read from a request body: every start, resume, replay and rerun comes
 * from an explicit action with a unique id, and a cancel may name one.
 */
final class TriggerFields {
  private TriggerFields() {}

  /**
   * Reads {@code trigger_id}, {@code trigger_source} and {@code actor}; the principal is the actor.
   */
  static Optional<Trigger> trigger(JsonBody body, ApiRequest req, boolean required) {
    Optional<String> id = body.text("trigger_id");
    Optional<String> source = body.text("trigger_source");
    Optional<String> actor = body.text("actor");
    if (id.isEmpty() && source.isEmpty()) {
      if (required) {
        throw ProblemException.validation(
            "trigger_id",
            "is required: every run starts from an"
                + " explicit action with a unique id (and its trigger_source, e.g. ui or api)");
      }
      if (actor.isPresent()) {
        throw ProblemException.validation("actor", "needs trigger_id and trigger_source");
      }
      return Optional.empty();
    }
    if (id.isEmpty()) {
      throw ProblemException.validation("trigger_id", "is required with trigger_source");
    }
    if (source.isEmpty()) {
      throw ProblemException.validation(
          "trigger_source", "is required with trigger_id: one of " + sources());
    }
    TriggerSource src;
    try {
      src = TriggerSource.fromWireName(source.get());
    } catch (ValidationException e) {
      throw ProblemException.validation(
          "trigger_source", "must be one of " + sources() + " but was '" + source.get() + "'");
    }
    Optional<String> who = actor;
    if (req.principal().isPresent()) {
      String principal = req.principal().get();
      if (actor.isPresent() && !actor.get().equals(principal)) {
        throw ProblemException.validation(
            "actor", "must be absent or equal the authenticated principal '" + principal + "'");
      }
      who = Optional.of(principal);
    }
    try {
      return Optional.of(new Trigger(src, id.get(), who, Instant.now()));
    } catch (ValidationException e) {
      String field = e.field().startsWith("trigger.") ? e.field().substring(8) : e.field();
      throw ProblemException.validation(field, e.rule());
    }
  }

  private static String sources() {
    List<String> names = new ArrayList<>();
    for (TriggerSource s : TriggerSource.values()) {
      names.add(s.wireName());
    }
    return String.join(", ", names);
  }
}
